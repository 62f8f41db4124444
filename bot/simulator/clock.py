"""The simulator's clock: the wall clock plus an offset the visitor moves forward from the page.

It lets a visitor see in a minute what takes hours for real: a reminder to the group, an alert to the
coordinators, a 見守り check-in and the quiet alert when nobody answers. Only ever forward.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_STEP = timedelta(days=8)  # one press: at most a week and a day, enough for a weekly check-in


class SimulatorClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, step: timedelta) -> datetime:
        if step <= timedelta(0) or step > MAX_STEP:
            raise ValueError(f"step must be between 0 and {MAX_STEP}")
        self._offset += step
        return self.now()
