"""Password hashing and checking, off the event loop: argon2 in a small thread pool with a bound on waiters.

An argon2 check takes about 0.2 s of CPU. On the event loop it stalls every webhook for that long (LINE gives
up after about 2 s); in a thread it does not, since argon2-cffi releases the GIL while it hashes. The pool is
small on purpose: a flood of sign-ins may use at most `concurrency` cores (at a lower priority than the event
loop). Checks for existing accounts without failures of their own go first and are never refused; beyond
`max_waiting` other queued checks a sign-in is refused at once (Busy, a 503) instead of growing a queue
nobody will wait for: 16 waiting at ~0.2 s each is about 3 s, as long as anyone should wait to sign in.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.metrics import METRICS

T = TypeVar("T")


def _yield_to_the_loop() -> None:
    """Run this pool's threads at a lower CPU priority than the event loop (Linux sets nice per thread): on a
    busy machine a flood of sign-ins then takes the CPU the webhook leaves, not the other way round."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10))


@functools.cache
def _dummy_hash() -> str:
    """One per process: a hash costs ~0.4 s of CPU, and every app started in the process (tests, the demo's two
    servers) would otherwise pay it again, on the event loop."""
    return PasswordHasher().hash("sasaeai-no-such-coordinator")


class Busy(Exception):
    """Too many password checks are already waiting: try again in a moment."""


class _Gate:
    """At most `n` checks at once; waiting ones go in order of priority (0 first), then of arrival."""

    def __init__(self, n: int) -> None:
        self._free = n
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def waiting(self, priority: int) -> int:
        return sum(1 for p, _, f in self._queue if p == priority and not f.done())

    async def acquire(self, priority: int) -> None:
        if self._free > 0 and not self._queue:
            self._free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (priority, next(self._seq), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot came with the cancellation: pass it on
            raise

    def release(self) -> None:
        while self._queue:
            _, _, fut = heapq.heappop(self._queue)
            if not fut.done():
                fut.set_result(None)
                return
        self._free += 1


class Passwords:
    """Created inside the running loop at start-up, closed at shutdown (bot.dashboard.setup)."""

    def __init__(self, *, concurrency: int = 1, max_waiting: int = 16) -> None:
        self._hasher = PasswordHasher()
        n = max(1, concurrency)
        self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="argon2", initializer=_yield_to_the_loop)
        self._gate = _Gate(n)
        self._max_waiting = max_waiting
        # Checked when the login is unknown, so a wrong login costs as long as a wrong password.
        self._dummy = _dummy_hash()

    async def _run(self, work: Callable[[], T], *, first: bool = False) -> T:
        """`first`: an existing account with no failures of its own in this window. Such checks jump the
        queue and are never refused as Busy (their number is bounded by the number of accounts, since each
        try that fails gives the account a failure); only the others are turned away beyond `max_waiting`."""
        priority = 0 if first else 1
        if not first and self._gate.waiting(priority) >= self._max_waiting:
            raise Busy
        await self._gate.acquire(priority)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        finally:
            self._gate.release()

    async def verify(self, stored_hash: str | None, password: str, *, first: bool = False) -> bool:
        """True when `password` matches `stored_hash`; None (unknown login) checks a dummy hash and is False."""

        def check() -> bool:
            METRICS.password_checks.inc()
            try:
                return self._hasher.verify(stored_hash or self._dummy, password) and stored_hash is not None
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await self._run(check, first=first)

    async def rehash_if_needed(self, stored_hash: str, password: str) -> str | None:
        """A new hash when the stored one uses older parameters, else None."""
        if not self._hasher.check_needs_rehash(stored_hash):
            return None
        return await self._run(lambda: self._hasher.hash(password), first=True)

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self._hasher.hash(password))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


PASSWORDS = web.AppKey("passwords", Passwords)
