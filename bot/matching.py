"""Who suits a request best: the kind of help they said they can do, the town, whether they are usually
free at the wanted time, and how much they already carry. Pure: the store gathers, this ranks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import JST
from bot.nlp.skills import SLOTS
from bot.store.models import HelpRequest, Supporter

# Weights: the kind matters most (a supporter who cannot do it is no help), then the town, then the time;
# each request already in hand counts against them so the same few are not asked every time.
KIND, TOWN, FREE, LOAD = 4, 2, 1, 1
SUITED_MAX = 3  # named in the group post and nudged 1:1: a few, not the whole group
_PART_SLOT = {
    "early_morning": "morning",
    "morning": "morning",
    "noon": "afternoon",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "evening",
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    supporter: Supporter
    kind: bool
    town: bool
    free: bool
    load: int

    @property
    def score(self) -> int:
        return KIND * self.kind + TOWN * self.town + FREE * self.free - LOAD * self.load


def slot_at(moment: datetime) -> str:
    local = moment.astimezone(JST)
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return f"{'weekend' if local.weekday() >= 5 else 'weekday'}_{part}"


def wanted_slot(req: HelpRequest, now: datetime) -> str:
    """The slot help is wanted in: the request's day and part of day when said, else now."""
    if req.when_date is None:
        return slot_at(now)
    day = "weekend" if date.fromisoformat(req.when_date).weekday() >= 5 else "weekday"
    part = _PART_SLOT.get(req.when_part or "")
    if part is None and req.when_time:
        hour = int(req.when_time[:2])
        part = "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"
    if part is None:
        return slot_at(now) if date.fromisoformat(req.when_date) == now.astimezone(JST).date() else f"{day}_morning"
    assert f"{day}_{part}" in SLOTS
    return f"{day}_{part}"


def rank(
    supporters: list[Supporter], loads: dict[int, int], *, category: str, town: str | None, slot: str
) -> list[Suggestion]:
    """Every supporter, best first (ties: fewer in hand, then who joined first)."""
    out = [
        Suggestion(
            supporter=s,
            kind=category in s.kinds,
            town=town is not None and town in s.towns,
            free=slot in s.free,
            load=loads.get(s.id or 0, 0),
        )
        for s in supporters
    ]
    return sorted(out, key=lambda x: (-x.score, x.load, x.supporter.id or 0))


def suited(suggestions: list[Suggestion]) -> list[Suggestion]:
    """The few worth naming: they said they can do this kind of help."""
    return [x for x in suggestions if x.kind][:SUITED_MAX]
