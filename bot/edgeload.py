"""How busy the webhook edge is, so background work can give way to it during a flood.

LINE waits 2 seconds for the 200 and may suspend a webhook that keeps failing; handling an event can wait
a little. The edge, the dispatcher, the sender and the scheduler share one event loop (and, on SQLite, one
write lock), so when webhook requests start queueing, the dispatcher stops taking new events until they
are answered. It still takes some at least every `max_pause` seconds, so a flood that never ends slows
handling but cannot stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class EdgeLoad:
    def __init__(self, *, busy_at: int = 4, max_pause: float = 0.25) -> None:
        self._inflight = 0
        self._busy_at = busy_at
        self._max_pause = max_pause
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Around one webhook request, from its first byte read to its answer."""
        self._inflight += 1
        if self._inflight >= self._busy_at:
            self._quiet.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight < self._busy_at:
                self._quiet.set()

    async def give_way(self) -> None:
        """Return when the edge has answered what it was waiting on, or after `max_pause` at most."""
        if self._quiet.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), timeout=self._max_pause)
