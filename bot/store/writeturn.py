"""Whose turn it is to write to a SQLite file, between our processes, with the edge first.

SQLite has one write lock. A process waiting for it sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms
a try) and the lock goes to whoever asks while it sleeps. With the edge and a worker in separate processes
(bot/serve.py), a worker's short transactions, one after another, kept taking it: the edge's inbox writes
slept behind them and answering a webhook took up to a second under postbacks (bench/morning.py).

So our processes take turns through two lock files beside the database before BEGIN IMMEDIATE: `.write`,
held for the transaction, and `.edge`, held (shared) by an edge while it waits. A worker does not start a
write while an edge waits. Both only ever try without blocking (flock LOCK_NB) and sleep a moment between
tries, so a cancelled waiter leaves nothing behind. Processes that do not take part (the CLI) still meet
SQLite's busy timeout. Reads (WAL) need no turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Callable

EDGE_TRY_SECONDS = 0.0005
WORKER_TRY_SECONDS = 0.002


async def _until(ready: Callable[[], bool], pause: float) -> None:
    """Try until `ready`; the lock is another process's, so there is no event to wait on, only retries."""
    while not ready():  # noqa: ASYNC110 — the other side is another process: nothing in this loop to await
        await asyncio.sleep(pause)


class WriteTurn:
    def __init__(self, database_path: str, *, edge: bool) -> None:
        self._edge = edge
        self._write = os.open(database_path + ".write", os.O_RDWR | os.O_CREAT, 0o600)
        self._waiting = os.open(database_path + ".edge", os.O_RDWR | os.O_CREAT, 0o600)

    @staticmethod
    def _try(fd: int, how: int) -> bool:
        try:
            fcntl.flock(fd, how | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _edge_waiting(self) -> bool:
        if not self._try(self._waiting, fcntl.LOCK_EX):
            return True  # an edge holds it shared: it wants to write
        fcntl.flock(self._waiting, fcntl.LOCK_UN)
        return False

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._edge:
            # A worker holds `.edge` exclusively only for the moment it looks.
            await _until(lambda: self._try(self._waiting, fcntl.LOCK_SH), EDGE_TRY_SECONDS)
            try:
                await _until(lambda: self._try(self._write, fcntl.LOCK_EX), EDGE_TRY_SECONDS)
            finally:
                fcntl.flock(self._waiting, fcntl.LOCK_UN)
        else:
            await _until(lambda: not self._edge_waiting() and self._try(self._write, fcntl.LOCK_EX), WORKER_TRY_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(self._write, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._write)
        os.close(self._waiting)
