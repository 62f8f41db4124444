"""The database engine and sessions, tuned for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from contextvars import ContextVar
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.metrics import METRICS
from bot.store.checkpoint import Checkpointer
from bot.store.writeturn import WriteTurn


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# The connection this task holds SQLite's write lock on (`Database.session`): its statements then run on the
# event loop's thread instead of aiosqlite's (see `_SqliteConnection`). The connection itself, not a flag, so a
# task started inside a write (it inherits the context) still sends its own reads to the thread. `_BEGIN`
# while a writer that has its turn (no writer of ours holds the lock) opens its transaction.
_BEGIN = object()
_INLINE: ContextVar[object | None] = ContextVar("sqlite_inline", default=None)

BUSY_TIMEOUT_MS = 30_000


class _SqliteConnection(aiosqlite.Connection):
    """aiosqlite runs each call (cursor, execute, fetch, close, commit: four or five per statement) in its
    thread and hands the result back through the event loop. Inside a write transaction that cost more than
    the statements: measured on 2026-12-04 (bench/e2e.py, SQLite), handling held the write lock ~13 ms per
    transaction, and the edge and every other writer queue behind that lock, with 5,000 transactions a burst.
    Once the lock is held nothing a statement does can wait on another connection (WAL readers never block a
    writer), so the holder's calls run right here, each a fraction of a millisecond. Reads outside a write,
    which may be long (the dashboard's), still go to the thread.

    The BEGIN IMMEDIATE that takes the lock runs here too: handed to the thread it cost 4 ms of the ~10 ms a
    transaction held the lock (measured 2026-12-05, bench/e2e.py), the result waiting for its turn on a busy
    loop. Our own writers take turns before it (`Database._writer`, `WriteTurn`), so it finds the lock free,
    but a process outside the turns (the CLI, a migration) may hold it: the try here does not wait (busy
    timeout 0), and when the lock is taken the call goes to the thread to wait there as before."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        mark = _INLINE.get()
        raw = self._connection
        if mark is self and raw is not None:
            return fn(*args, **kwargs)
        if mark is _BEGIN and raw is not None:
            raw.execute("PRAGMA busy_timeout=0")
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as e:
                if e.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                METRICS.write_lock_taken.inc()  # an operator's long command stalls the bot's writes: show it
            finally:
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]


def _sqlite_creator(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    async def connect() -> aiosqlite.Connection:
        # check_same_thread=False: the holder of the write lock uses the connection from the loop's thread,
        # never while aiosqlite's thread is using it (each call is awaited before the next is made), and
        # Python's sqlite3 is built serialized (sqlite3.threadsafety == 3) besides.
        conn = _SqliteConnection(
            partial(sqlite3.connect, path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False), 64
        )
        conn._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does: never hold up the exit
        return await conn

    return connect


def create_engine(url: str) -> AsyncEngine:
    # hide_parameters: a failed statement's error names its values (an address, a phone number, a message),
    # and that error reaches the logs; the statement alone is enough to find the bug.
    if is_sqlite(url):
        path = make_url(url).database or ":memory:"
        engine = create_async_engine(url, async_creator=_sqlite_creator(path), hide_parameters=True)
        _tune_sqlite(engine)
        return engine
    # pre_ping: after a PostgreSQL restart the pool holds dead connections; test them before use
    # so the bot reconnects by itself instead of failing the next event.
    # pool_size: the dispatcher, sender and scheduler (8 each by default), the inbox writer and the pollers
    # run side by side; with 10 kept, a burst opened and closed overflow connections all the time (a new
    # PostgreSQL backend each), seen as time lost in connect() under bench/e2e.py.
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=24, max_overflow=16, pool_recycle=1800, hide_parameters=True
    )


_READ_ONLY = "sasaeai_read_only"


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the driver, so we can BEGIN IMMEDIATE below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer. synchronous=NORMAL keeps every committed
        # transaction across a process crash (SIGKILL); only an OS crash could lose the last ones.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # The log is copied back by the Database's checkpointer, beside the writers (bot/store/checkpoint.py).
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
        # another connection wrote in between; taking the write lock up front makes it wait.
        # Read-only sessions (Database.read) begin deferred: in WAL mode they read a snapshot beside
        # the writer instead of queueing for a lock they do not need.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


class Database:
    """Owns the engine; hands out sessions. Created and disposed inside the running loop."""

    def __init__(self, url: str, *, edge: bool = False) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.engine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time. Writers of this process queue here, in order, and the next starts
        # the moment the last commits; left to SQLite, each waiting writer sleeps in its busy handler (for up
        # to 100 ms a try) and the lock sits unused while they sleep. Other processes (the CLI) still meet
        # the busy timeout.
        self._writer = asyncio.Lock() if self.sqlite else None
        # Between our processes (the edge and a worker, bot/serve.py), turns at the write lock, the edge first.
        path = make_url(url).database if self.sqlite else None
        self._turn = WriteTurn(path, edge=edge) if path and path != ":memory:" else None
        self._process = "edge" if edge else "handling"
        self._checkpointer = Checkpointer(path, self._bare_turn) if path and path != ":memory:" else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        if self._writer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self.write_turn():
            inline = None
            try:
                async with self._sessions() as session, session.begin():
                    beginning = _INLINE.set(_BEGIN)
                    try:
                        raw = await (await session.connection()).get_raw_connection()  # BEGIN IMMEDIATE
                    finally:
                        _INLINE.reset(beginning)
                    inline = _INLINE.set(raw.driver_connection)
                    yield session
            finally:
                if inline is not None:
                    _INLINE.reset(inline)

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """SQLite: this process's turn at the write lock (a no-op on PostgreSQL). Held around every write
        transaction of ours, including those that bypass sessions (bot/store/direct.py)."""
        if self._writer is None:
            yield
            return
        asked = time.perf_counter()
        async with self._bare_turn():
            got = time.perf_counter()
            try:
                yield
            finally:
                METRICS.write_wait.labels(process=self._process).observe(got - asked)
                METRICS.write_hold.labels(process=self._process).observe(time.perf_counter() - got)
                if self._checkpointer is not None:
                    self._checkpointer.wrote()

    @asynccontextmanager
    async def _bare_turn(self) -> AsyncIterator[None]:
        assert self._writer is not None
        async with self._writer, self._turn.turn() if self._turn else nullcontext():
            yield

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for lookups only: it must not write (on SQLite it does not hold the write lock)."""
        async with self._sessions() as session, session.begin():
            if self.sqlite:
                await session.connection(execution_options={_READ_ONLY: True})
            yield session

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self.engine.dispose()
        if self._turn is not None:
            self._turn.close()
            self._turn = None
