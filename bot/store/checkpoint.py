"""Copying SQLite's write-ahead log back into the database file, beside the writers instead of inside them.

Left to SQLite, the commit that takes the log past 1,000 pages copies it back itself (its "autocheckpoint"),
fsync included, before it returns. That commit is usually the edge's inbox write, so some webhook answers
waited for the copy; and when a worker's commit drew it, it ran inside the worker's turn at the write lock
(bot/store/writeturn.py), which the edge then waited for. Measured on the inbox INSERT (batches of 4 events,
WAL, synchronous=NORMAL; `python bench/wal_checkpoint.py`, 2026-12-06): 0.061–0.064 ms an event on the
loop's thread with the autocheckpoint, 0.044–0.048 with the checkpoints beside it (the catch-ups below
included), the difference being the copies.

So our connections turn the autocheckpoint off (bot/store/db.py, bot/store/direct.py) and each `Database`
on a file keeps one `Checkpointer`: after a write, it runs a PASSIVE checkpoint on a connection of its own,
in a thread, outside any turn. PASSIVE never waits for readers or writers, and writers go on appending while
it copies; the log starts over at the next write once everything in it was copied and no reader still needs
it, as with the autocheckpoint (but see `CATCH_UP_PAGES`). At most one checkpoint every `pause` seconds, so
a burst is copied in a few large steps, each page once, rather than in many small ones; the price is a log
file that grows to tens of MB under a burst (the file is reused, not shrunk). Connections outside our
processes (the sqlite3 shell) keep SQLite's default, and SQLite itself checkpoints when the last connection
closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bot.metrics import METRICS

log = logging.getLogger(__name__)

CHECKPOINT_PAUSE_SECONDS = 0.1
# The log starts over only at a write that finds every page of it copied. Under a steady stream of writes a
# copy made beside them is never complete by then (they append while it copies), so once the log holds this
# many pages (~16 MB) the rest is copied during a turn at the write lock, when no writer of ours can append:
# a few milliseconds' worth of pages, since the copy beside did the bulk. Without this step the log of a
# 20,000-event burst grew to 265 MB (bench/wal_checkpoint.py), as if nothing were copied at all.
CATCH_UP_PAGES = 4000

Turn = Callable[[], AbstractAsyncContextManager[None]]


class Checkpointer:
    def __init__(self, path: str, turn: Turn, *, pause: float = CHECKPOINT_PAUSE_SECONDS) -> None:
        """`turn`: this process's turn at the write lock (`Database`'s, without its bookkeeping)."""
        self._path = path
        self._turn = turn
        self._pause = pause
        self._conn: sqlite3.Connection | None = None
        # A checkpoint in its thread outlives the task cancelled at close: the connection may only be closed
        # once it returned (closing it under a running statement crashes the process).
        self._using = threading.Lock()
        self._closed = False
        self._wrote = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wrote(self) -> None:
        """A write of ours committed: its pages wait in the log. Starts the checkpoint task on first use, so a
        `Database` that never writes (a read-only CLI command) never starts one."""
        if self._closed:
            return
        self._wrote.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sqlite-checkpoint")

    async def _run(self) -> None:
        while True:
            await self._wrote.wait()
            self._wrote.clear()
            try:
                busy, pages, copied = await self._timed("beside")
                # `copied == pages` only says the copy caught up with the log as it was when it began
                if pages >= CATCH_UP_PAGES:
                    async with self._turn():
                        busy, pages, copied = await self._timed("in turn")
            except sqlite3.Error as e:  # a full disk, a file removed: the next write tries again
                log.warning("sqlite checkpoint failed: %s", type(e).__name__)
                METRICS.checkpoints.labels(outcome="failed").inc()
            else:
                # partial: a reader still needed part of the log, or another process was checkpointing
                METRICS.checkpoints.labels(outcome="partial" if busy or copied < pages else "done").inc()
            await asyncio.sleep(self._pause)

    async def _timed(self, where: str) -> tuple[int, int, int]:
        started = time.perf_counter()
        answer = await asyncio.to_thread(self._checkpoint)
        METRICS.checkpoint_seconds.labels(where=where).observe(time.perf_counter() - started)
        return answer

    def _checkpoint(self) -> tuple[int, int, int]:
        """(busy, pages in the log, pages copied): SQLite's answer to the pragma."""
        with self._using:
            if self._closed:
                return 0, 0, 0
            if self._conn is None:
                # Its own connection, used by one thread at a time (the lock).
                self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            row = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return int(row[0]), int(row[1]), int(row[2])

    def _close(self) -> None:
        with self._using:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._close)  # waits for a checkpoint still running in its thread
