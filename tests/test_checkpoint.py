"""SQLite's write-ahead log is copied back into the database file beside the writers (bot/store/checkpoint.py):
our writers never do it in their commits, yet the file receives every write and the log does not grow."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.metrics import METRICS
from bot.store import inbox
from bot.store.checkpoint import Checkpointer
from bot.store.db import Database
from bot.store.direct import DirectConnection
from bot.store.migrate import upgrade
from tests.conftest import eventually

NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    d = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(d.engine)
    yield d
    await d.dispose()


def event(key: str) -> dict[str, Any]:
    return {
        "event_key": key,
        "source_key": f"U{key}",
        "body": '{"text":"雪かきをお願いしたいです。玄関の前だけで大丈夫です。"}',
        "redelivery": False,
        "received_at": NOW,
        "status": "pending",
        "attempts": 0,
    }


def checkpoints() -> float:
    return sum(METRICS.checkpoints.labels(outcome=o)._value.get() for o in ("done", "partial"))


async def test_writes_reach_the_file_without_any_writer_copying_them(db: Database) -> None:
    path = db.url.split("///", 1)[1]
    direct = DirectConnection(db)
    try:
        before = os.path.getsize(path)
        for i in range(40):  # the edge's writes and a session's
            await inbox.insert_requests_direct(direct, [[event(f"d{i}-{j}")] for j in range(8)])
        async with db.session() as s:
            await inbox.insert(s, [event(f"s{j}") for j in range(50)])
        # No writer of ours copies the log in its commit: SQLite's autocheckpoint is off on each connection.
        assert direct._sqlite is not None
        assert direct._sqlite.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        async with db.session() as s:
            assert (await s.exec(text("PRAGMA wal_autocheckpoint"))).one() == (0,)  # type: ignore[call-overload]
        # The checkpointer does: the file itself grows to hold the rows.
        await eventually(lambda: os.path.getsize(path) > before + 100_000, "the rows reach the file", timeout=20)
    finally:
        await direct.close()
    async with db.read() as s:
        assert await inbox.pending_count(s) == 40 * 8 + 50


async def test_the_log_starts_over_instead_of_growing(db: Database) -> None:
    path = db.url.split("///", 1)[1]
    direct = DirectConnection(db)
    sizes = []
    try:
        for r in range(6):
            ran = checkpoints()
            for i in range(30):
                await inbox.insert_requests_direct(direct, [[event(f"r{r}-{i}-{j}")] for j in range(4)])
            await eventually(lambda ran=ran: checkpoints() > ran, "a checkpoint ran", timeout=20)  # type: ignore[misc]
            sizes.append(os.path.getsize(path + "-wal"))
    finally:
        await direct.close()
    # Without the checkpoints the log would hold all six rounds: six times the first round's size.
    assert max(sizes[1:]) < 2.5 * sizes[0], sizes


async def test_the_log_starts_over_under_a_stream_of_writes_without_pause(db: Database) -> None:
    """No quiet moment for a copy beside the writer to finish first: the rest is copied in a turn."""
    path = db.url.split("///", 1)[1]
    direct = DirectConnection(db)
    caught_up = METRICS.checkpoint_seconds.labels(where="in turn")._sum.get()
    try:
        for b in range(5000):  # 20,000 events
            await inbox.insert_requests_direct(direct, [[event(f"{b}-{i}")] for i in range(4)])
            await asyncio.sleep(0)  # the edge's writer yields between batches
    finally:
        await direct.close()
    assert METRICS.checkpoint_seconds.labels(where="in turn")._sum.get() > caught_up
    # Its high-water mark (the file is reused from the start, not shrunk): 33-42 MB measured, 175 MB without
    # the catch-up in a turn.
    assert os.path.getsize(path + "-wal") < 90_000_000


async def test_closing_while_a_checkpoint_runs_waits_for_it(tmp_path: Path) -> None:
    """A checkpoint runs in a thread the cancelled task cannot stop: closing its connection under it would
    crash the process. Each round closes the checkpointer while it copies a large log."""
    path = str(tmp_path / "big.db")
    for r in range(5):
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t (v) VALUES (?)", [("雪" * 200,) for _ in range(20_000)])
        conn.execute("COMMIT")  # ~12 MB of log, copied back by nobody yet
        checkpointer = Checkpointer(path, contextlib.nullcontext)
        checkpointer.wrote()
        await asyncio.sleep(0.002)  # its thread has started copying
        await checkpointer.close()
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (20_000 * (r + 1),)
        conn.close()
