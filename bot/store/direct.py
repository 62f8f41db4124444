"""A connection of the database driver's own (sqlite3, asyncpg), outside SQLAlchemy, for the edge's one hot write.

Storing a burst of webhook events is one INSERT a batch (bot/webhook.py). Through SQLAlchemy's async session
that INSERT cost more CPU than answering the requests did: a session, a pool checkout, the statement's
parameters processed row by row, each step a greenlet switch (measured with bench/profile_edge.py,
2026-12-05: the group commit 3.4 s against 1.9 s for aiohttp's request handling). Here the batch travels
as one parameter (a JSON array for SQLite, one array per column for PostgreSQL) through one statement on a
connection kept for the writer alone.

The guarantees stay those of `Database.session`: on SQLite, the write waits for this process's turn at the
write lock (`Database.write_turn`) and runs on the loop's thread once it holds it, as our session writes do
(bot/store/db.py); on PostgreSQL, a single statement is atomic by itself. A connection that failed is
dropped and opened anew, so a PostgreSQL restart costs the batch in flight (answered 503: LINE redelivers)
or nothing, never the writer. Only the task that owns a `DirectConnection` may use it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.metrics import METRICS
from bot.store.db import BUSY_TIMEOUT_MS, Database


class WriteFailed(Exception):
    """The database refused or lost a direct write; nothing of it was committed."""


# A connection that broke under us (a restart, a network cut): worth one retry on a fresh connection.
# InternalClientError is what asyncpg raises when the server's "terminating connection" notice reached an
# idle connection just before our statement (the protocol is still consuming it): as broken as the others.
_BROKEN = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    OSError,
)


class DirectConnection:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.sqlite = db.sqlite
        self._path = make_url(db.url).database if db.sqlite else None
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    @property
    def available(self) -> bool:
        """An in-memory SQLite database exists only inside its own connection: no second one can see it."""
        return not self.sqlite or bool(self._path and self._path != ":memory:")

    # --- SQLite ------------------------------------------------------------------------------------------

    def _open_sqlite(self) -> sqlite3.Connection:
        assert self._path
        conn = sqlite3.connect(
            self._path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # as the engine's connections (bot/store/db.py)
        conn.execute("PRAGMA wal_autocheckpoint=0")  # copied back by the Database's checkpointer, not here
        conn.execute("PRAGMA busy_timeout=0")  # BEGIN IMMEDIATE runs on the loop's thread: it must not wait there
        return conn

    @staticmethod
    def _begin_waiting(conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    async def sqlite_write(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run one statement in a write transaction of its own; returns its rows (RETURNING)."""
        try:
            if self._sqlite is None:
                self._sqlite = await asyncio.to_thread(self._open_sqlite)
            conn = self._sqlite
            async with self._db.write_turn():
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as e:
                    if e.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                        raise
                    # A process outside our turns (the CLI, a migration) holds the lock: wait in a thread.
                    METRICS.write_lock_taken.inc()
                    await asyncio.to_thread(self._begin_waiting, conn)
                try:
                    rows = conn.execute(sql, params).fetchall()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            return rows
        except sqlite3.Error as e:
            raise WriteFailed(type(e).__name__) from e

    # --- PostgreSQL --------------------------------------------------------------------------------------

    async def _open_pg(self) -> asyncpg.Connection:
        engine = self._db.engine
        _, kwargs = engine.dialect.create_connect_args(engine.url)
        return await asyncpg.connect(**kwargs)

    def _drop_pg(self) -> None:
        if self._pg is not None:
            self._pg.terminate()
            self._pg = None

    async def pg_fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run one statement (atomic by itself); returns its rows. One retry if a kept connection broke."""
        for attempt in (1, 2):
            if self._pg is not None and self._pg.is_closed():
                self._drop_pg()  # closed by the server since the last batch: no statement lost, open anew
            fresh = self._pg is None
            try:
                if self._pg is None:
                    self._pg = await self._open_pg()
                rows: list[asyncpg.Record] = await self._pg.fetch(sql, *args)
                return rows
            except _BROKEN as e:
                self._drop_pg()
                if fresh or attempt == 2:
                    raise WriteFailed(type(e).__name__) from e
            except asyncpg.PostgresError as e:
                raise WriteFailed(type(e).__name__) from e
            except BaseException:  # cancelled half-way: the connection's state is unknown
                self._drop_pg()
                raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pg is not None:
            pg, self._pg = self._pg, None
            try:
                await asyncio.wait_for(pg.close(), timeout=5)
            except (OSError, asyncpg.InterfaceError, TimeoutError):
                pg.terminate()
