"""Group commit: many callers' small writes share one transaction, each caller still waits for its own commit.

Under a burst, many coroutines each want a tiny write (store a webhook's events, mark an event handled,
record a delivery). One transaction each means one pool checkout, BEGIN and COMMIT each, and on SQLite one
turn at the single write lock each. A `GroupCommit` writes everything waiting in one transaction, while the
next batch gathers; a caller's `submit` returns only after the batch holding its item committed, and a
failed batch fails every caller in it, so "returned" still means "committed".

`linger`: how long the first item of a batch waits for others. With none, a batch is whatever arrived while
the last one committed; on SQLite, since a write runs on the loop's thread without yielding (bot/store/db.py),
that is mostly one item, and a handling worker under a burst committed ~2 items a transaction (2,736
transactions for ~6,000 delivery marks and records, bench/e2e.py 2026-12-05). Callers that can wait a few
milliseconds (handling's) linger; the edge's inbox writer, whose callers are webhook answers, does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.db import Database

Item = TypeVar("Item")
Result = TypeVar("Result")

# Handling's small writes (marks of events handled, of deliveries) wait this long for company: nobody waits
# on them but our own loops, and on SQLite each transaction is a turn at the one write lock.
HANDLING_LINGER = 0.02

# Writes `items` in the open transaction; returns one result per item, in order.
BatchWrite = Callable[[AsyncSession, Sequence[Item]], Awaitable[Sequence[Result]]]
# Writes `items` in a transaction of its own and commits it; returns one result per item, in order.
BatchCommit = Callable[[Sequence[Item]], Awaitable[Sequence[Result]]]


def in_session(db: Database, write: BatchWrite[Item, Result]) -> BatchCommit[Item, Result]:
    """The usual way to commit a batch: `write` in one session of `db`."""

    async def commit(items: Sequence[Item]) -> Sequence[Result]:
        async with db.session() as s:
            return await write(s, items)

    return commit


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self, commit: BatchCommit[Item, Result], *, name: str, max_batch: int = 5000, linger: float = 0.0
    ) -> None:
        self._linger = linger
        self._commit_batch = commit
        self._name = name
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; returns after that transaction committed."""
        if not self.running:  # not started (or stopping): write alone
            return (await self._commit_batch([item]))[0]
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._kick.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._kick.wait()
            if self._linger and not self._closing and len(self._waiting) < self._max_batch:
                await asyncio.sleep(self._linger)
            self._kick.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                await self._commit(batch)
            if self._closing:
                return

    async def _commit(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._commit_batch([item for item, _ in batch])
        except BaseException as e:
            for _, future in batch:
                if not future.done():
                    future.set_exception(e if isinstance(e, Exception) else SQLAlchemyError(f"{self._name} stopped"))
            if not isinstance(e, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def stop(self, grace: float = 5.0) -> None:
        """Write what is waiting, then stop. Cancelling a commit half-way would strand its database
        connection half-closed, so the task is cancelled only if it does not finish within `grace`."""
        if self._task is not None:
            self._closing = True
            self._kick.set()
            done, _ = await asyncio.wait({self._task}, timeout=grace)
            if not done:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, future in self._waiting:
            if not future.done():
                future.set_exception(SQLAlchemyError("server stopping"))
        self._waiting = []
