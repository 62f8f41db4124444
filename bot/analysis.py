"""Runs the NLP analyzer off the event loop: one dedicated thread, or one child process of its own.

SudachiPy is not thread-safe, so there is exactly one analyzer per process and one caller of it.

- **Thread** (`single`, tests, the demo): the model lives in this process; several apps in one process share
  it through one executor thread.
- **Process** (a handling worker of `sasaeai serve`): the model lives in a child process spawned for it. The
  thread shares this interpreter's GIL with the event loop, and under a backlog the loop's database and LINE
  calls waited on it: a profiled worker spent 8 of 70 s in `socket.send`, 0.46 ms a call, mostly waiting for
  the GIL. A child classifies on the other core while the loop talks to the database; it runs at the
  worker's lower CPU priority, so the edge still comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.metrics import METRICS
from bot.nlp.types import Analysis

if TYPE_CHECKING:
    from bot.nlp import Analyzer

log = logging.getLogger(__name__)
T = TypeVar("T")

# One model per process: it is large (~400 MB) and read-only once loaded; several apps in one
# process (tests, the demo) share it through this one executor thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp")
_LOADED: list[Analyzer] = []


# ------------------------------------------------------------------ the analyzer's calls (either executor)
def _analyzer() -> Analyzer:
    if not _LOADED:
        from bot.nlp import Analyzer  # heavy import: only where the model runs

        _LOADED.append(Analyzer.load())
    return _LOADED[0]


def _load() -> int:
    _analyzer()
    return os.getpid()


def _analyze(text: str, now: datetime) -> Analysis:
    return _analyzer().analyze(text, now)


def _safety(text: str) -> Analysis | None:
    return _analyzer().safety(text)


def _readings(texts: list[str]) -> list[str]:
    from bot.nlp.classifier import kana_reading

    nlp = _analyzer().nlp
    return [kana_reading(nlp.make_doc(t)) for t in texts]


def _mask(text: str) -> str:
    return _analyzer().mask(text)


def _child_start(nice: int) -> None:
    """In the spawned child, before the model loads: the worker's priority (it was spawned before the worker
    lowered its own) and no handling of SIGINT (the worker's graceful stop ends the child)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # at least `nice`; a child respawned later inherits it already
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))


class _ChildProcess:
    """One spawned process holding the model, replaced if it dies (an out-of-memory kill, a crash)."""

    def __init__(self, nice: int) -> None:
        self._nice = nice
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: this process has threads (the loop's executors, asyncpg) that fork would copy
            # mid-state; the child imports only the NLP.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_start,
                initargs=(self._nice,),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        pool = self.pool()
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            # Several calls fail together when the child dies: only the first replaces it; the others retry
            # on its replacement (which loads the model on its first call).
            if self._pool is pool:
                log.warning("the NLP process ended unexpectedly; starting a new one")
                self.shutdown()
            return await loop.run_in_executor(self.pool(), fn, *args)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class AnalysisService:
    """`process`: the model in a child process at CPU priority `nice` (a handling worker); otherwise in this
    process's one NLP thread."""

    def __init__(self, *, process: bool = False, nice: int = 0) -> None:
        self._child = _ChildProcess(nice) if process else None
        self._ready = False

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._child is not None:
            return await self._child.run(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, fn, *args)

    async def load(self) -> None:
        pid = await self._call(_load)
        if self._child is not None:
            log.info("NLP model loaded in process %s", pid)
        self._ready = True

    @property
    def ready(self) -> bool:
        return self._ready

    async def analyze(self, text: str, now: datetime) -> Analysis:
        assert self._ready, "AnalysisService.load() first"
        started = time.perf_counter()
        result = await self._call(_analyze, text, now)
        METRICS.nlp_latency.observe(time.perf_counter() - started)
        return result

    async def safety(self, text: str) -> Analysis | None:
        assert self._ready
        return await self._call(_safety, text)

    async def readings(self, texts: list[str]) -> list[str]:
        """Hiragana readings (SudachiPy, through GiNZA's tokenizer): town names typed in kana or kanji."""
        assert self._ready
        return await self._call(_readings, texts)

    async def mask(self, text: str) -> str:
        assert self._ready
        return await self._call(_mask, text)

    def close(self) -> None:
        self._ready = False  # the shared thread's model lives as long as the process
        if self._child is not None:
            self._child.shutdown()
