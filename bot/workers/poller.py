"""Wakes this process's workers when another process (the edge, the dashboard, the CLI) adds work.

In one process a webhook wakes the dispatcher directly. When the edge runs in its own process (bot/serve.py)
the only thing the two share is the database, so a worker looks at the newest id of each queue a few times a
second and wakes the loop whose queue grew. It is one small read per look on indexed primary keys, and it
never writes.

On SQLite even that read was the worker's largest single cost in bench/profile_worker.py (each statement is
a hand-off to aiosqlite's thread: ~40% of the worker's statements in the profiled run, most of them while
idle). Every commit by any process changes the database's WAL file, so the look runs only when the file's
size or modification time changed since the last look: a stat, no statement, when nothing was written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.db import Database


def _sqlite_files(url: str) -> list[str]:
    """The files a commit to this SQLite database changes; none for PostgreSQL or an in-memory database."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return []
    return [u.database, u.database + "-wal"]


log = logging.getLogger(__name__)

_NEWEST = text(
    "SELECT (SELECT max(id) FROM inbox_event), (SELECT max(id) FROM outbox_message), (SELECT max(id) FROM job)"
)


@dataclass
class Wakes:
    inbox: Callable[[], None]
    outbox: Callable[[], None]
    jobs: Callable[[], None]


class QueuePoller:
    def __init__(self, db: Database, wakes: Wakes, *, interval: float) -> None:
        self._db = db
        self._files = _sqlite_files(db.url)
        self._stamp: tuple[int, ...] | None = None
        self._wakes = wakes
        self._interval = interval
        self._last: tuple[int, int, int] | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    def _unchanged(self) -> bool:
        """SQLite: nothing was committed since the last look (the WAL file and the database are as they were)."""
        if not self._files:
            return False
        stamp: list[int] = []
        for path in self._files:
            try:
                st = os.stat(path)
                stamp += [st.st_size, st.st_mtime_ns]
            except FileNotFoundError:  # no WAL file yet (or just checkpointed away)
                stamp += [-1, -1]
        before, self._stamp = self._stamp, tuple(stamp)
        return before == self._stamp

    async def look(self) -> None:
        """One look: wake each loop whose queue has a row newer than the last look saw."""
        if self._unchanged():
            return
        async with self._db.read() as s:
            conn = await s.connection()
            inbox, out, jobs = (await conn.execute(_NEWEST)).one()
        last, self._last = self._last, (int(inbox or 0), int(out or 0), int(jobs or 0))
        if last is None:
            return  # the loops look at their queues once at start anyway
        for before, now, wake in zip(
            last, self._last, (self._wakes.inbox, self._wakes.outbox, self._wakes.jobs), strict=True
        ):
            if now > before:
                wake()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.look()
            except Exception:  # the database may be restarting; the loops also look by themselves each second
                log.warning("queue poll failed; retrying")
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
