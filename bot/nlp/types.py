"""The NLP package's public data types: labels and the result of analysing one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

HelpLabel = Literal[
    "garbage",
    "shopping",
    "repair",
    "snow",
    "garden",
    "moving",
    "cleaning",
    "escort",
    "companionship",
    "paperwork",
    "device",
    "other_help",
]
SafetyLabel = Literal["emergency", "consult"]
Label = Literal[HelpLabel, SafetyLabel, "not_request"]  # a message's category (closed set)
HELP_LABELS: tuple[HelpLabel, ...] = get_args(HelpLabel)
SAFETY_LABELS: tuple[SafetyLabel, ...] = get_args(SafetyLabel)
LABELS: tuple[Label, ...] = (*HELP_LABELS, *SAFETY_LABELS, "not_request")

Part = Literal["early_morning", "morning", "noon", "afternoon", "evening", "night"]
PARTS: tuple[Part, ...] = get_args(Part)


@dataclass(frozen=True, slots=True)
class When:
    """The wanted date (Asia/Tokyo) and, when said, the time or part of day."""

    date: str  # YYYY-MM-DD
    time: str | None = None  # HH:MM
    part: Part | None = None
    text: str = ""  # the words it was read from, e.g. "明日の朝"


@dataclass(frozen=True, slots=True)
class Analysis:
    category: Label
    confidence: float  # 0..1, the classifier's belief in `category` (1.0 when a safety cue decided it)
    scores: dict[str, float]  # every label → score
    when: When | None
    urgent: bool
    masked: str  # the text with personal data replaced, fit for a group chat
    # Why a safety label was chosen, e.g. ("fall", "cannot_stand") or ("scam",); empty for help.
    cues: tuple[str, ...] = field(default=())
    # For an emergency: True when a sure sign decided it (119 at once, no questions); False for a possible
    # emergency (the model or a weak sign): the bot shows 119 with one yes/no question and alerts coordinators.
    certain: bool = True

    @property
    def is_help(self) -> bool:
        return self.category in HELP_LABELS

    def to_json(self) -> dict[str, Any]:
        """The `python -m bot.nlp classify` line format."""
        return {
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "when": asdict(self.when) if self.when else None,
            "urgent": self.urgent,
            "masked": self.masked,
        }
