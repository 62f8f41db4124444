"""Wakes this process's workers when another process (the edge, the dashboard, the CLI) adds work.

In one process a webhook wakes the dispatcher directly. When the edge runs in its own process (bot/serve.py)
the only thing the two share is the database, so a worker looks at the newest id of each queue a few times a
second and wakes the loop whose queue grew. It is one small read per look on indexed primary keys, and it
never writes: an idle worker costs the database nothing but that read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from bot.store.db import Database

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
        self._wakes = wakes
        self._interval = interval
        self._last: tuple[int, int, int] | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def look(self) -> None:
        """One look: wake each loop whose queue has a row newer than the last look saw."""
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
