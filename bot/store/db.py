"""The database engine and sessions, tuned for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.metrics import METRICS
from bot.store.writeturn import WriteTurn


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    # hide_parameters: a failed statement's error names its values (an address, a phone number, a message),
    # and that error reaches the logs; the statement alone is enough to find the bug.
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
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
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
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

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        if self._writer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        asked = time.perf_counter()
        async with self._writer, self._turn.turn() if self._turn else nullcontext():
            got = time.perf_counter()
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            finally:
                METRICS.write_wait.labels(process=self._process).observe(got - asked)
                METRICS.write_hold.labels(process=self._process).observe(time.perf_counter() - got)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for lookups only: it must not write (on SQLite it does not hold the write lock)."""
        async with self._sessions() as session, session.begin():
            if self.sqlite:
                await session.connection(execution_options={_READ_ONLY: True})
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._turn is not None:
            self._turn.close()
            self._turn = None
