"""Runs the NLP analyzer off the event loop: one dedicated thread (SudachiPy is not thread-safe)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from bot.metrics import METRICS
from bot.nlp.types import Analysis

if TYPE_CHECKING:
    from bot.nlp import Analyzer


# One model per process: it is large (~400 MB) and read-only once loaded; several apps in one
# process (tests, the demo) share it through this one executor thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp")
_LOADED: list[Analyzer] = []


class AnalysisService:
    def __init__(self) -> None:
        self._executor = _EXECUTOR
        self._analyzer: Analyzer | None = None

    async def load(self) -> None:
        from bot.nlp import Analyzer  # heavy import: only when the server starts

        if not _LOADED:
            _LOADED.append(await asyncio.get_running_loop().run_in_executor(self._executor, Analyzer.load))
        self._analyzer = _LOADED[0]

    @property
    def ready(self) -> bool:
        return self._analyzer is not None

    async def analyze(self, text: str, now: datetime) -> Analysis:
        assert self._analyzer is not None, "AnalysisService.load() first"
        analyzer = self._analyzer
        started = time.perf_counter()
        result = await asyncio.get_running_loop().run_in_executor(self._executor, analyzer.analyze, text, now)
        METRICS.nlp_latency.observe(time.perf_counter() - started)
        return result

    async def safety(self, text: str) -> Analysis | None:
        assert self._analyzer is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._analyzer.safety, text)

    async def readings(self, texts: list[str]) -> list[str]:
        """Hiragana readings (SudachiPy, through GiNZA's tokenizer): town names typed in kana or kanji."""
        assert self._analyzer is not None
        analyzer = self._analyzer

        def read() -> list[str]:
            from bot.nlp.classifier import kana_reading

            return [kana_reading(analyzer.nlp.make_doc(t)) for t in texts]

        return await asyncio.get_running_loop().run_in_executor(self._executor, read)

    async def mask(self, text: str) -> str:
        assert self._analyzer is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._analyzer.mask, text)

    def close(self) -> None:
        self._analyzer = None  # the shared executor and model live as long as the process
