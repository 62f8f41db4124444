"""Understanding residents' messages: category, urgency, wanted date and masked text (spaCy + GiNZA).

    from bot.nlp import Analyzer
    analyzer = Analyzer.load()                 # once per worker, ~1–2 s
    analyzer.analyze("電球が切れた 明日の朝", now)  # -> Analysis

Loading spaCy is deferred until `Analyzer` or `analyze` is first used, so importing the types is cheap.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.nlp.types import HELP_LABELS, LABELS, SAFETY_LABELS, Analysis, When

if TYPE_CHECKING:
    from bot.nlp.analyzer import Analyzer

__all__ = ["HELP_LABELS", "LABELS", "SAFETY_LABELS", "Analysis", "Analyzer", "When", "analyze"]


def analyze(text: str, now: datetime) -> Analysis:
    """Analyse one message with a lazily loaded default `Analyzer` (one per process)."""
    from bot.nlp.analyzer import analyze as _analyze

    return _analyze(text, now)


def __getattr__(name: str) -> Any:
    if name == "Analyzer":
        from bot.nlp.analyzer import Analyzer

        return Analyzer
    raise AttributeError(name)
