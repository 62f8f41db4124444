"""NLP fixtures: one loaded Analyzer for the whole session (loading GiNZA takes ~1–2 s and ~400 MB)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.nlp import Analyzer

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(scope="session")
def analyzer() -> Iterator[Analyzer]:
    from bot.nlp import analyzer as module

    loaded = Analyzer.load()
    previous, module._default = module._default, loaded  # the module-level analyze() shares it
    yield loaded
    module._default = previous


@pytest.fixture
def now() -> datetime:
    return NOW
