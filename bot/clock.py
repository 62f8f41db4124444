"""Time for the whole bot, injectable so tests can move it (merge windows, escalation, check-ins)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FileClock:
    """Reads the current time from a file, so a test can move the time of server subprocesses.

    Time between writes flows normally (offset from the wall clock), so timeouts still advance.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime_ns = -1
        self._offset = 0.0

    def now(self) -> datetime:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return datetime.now(UTC)
        if st.st_mtime_ns != self._mtime_ns:
            self._mtime_ns = st.st_mtime_ns
            text = self._path.read_text().strip()
            if text:
                target = datetime.fromisoformat(text)
                if target.tzinfo is None:
                    target = target.replace(tzinfo=UTC)
                self._offset = (target - datetime.now(UTC)).total_seconds()
        return datetime.fromtimestamp(datetime.now(UTC).timestamp() + self._offset, UTC)


class ManualClock:
    """A clock the in-process tests set and advance."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, seconds: float) -> None:
        self._now = datetime.fromtimestamp(self._now.timestamp() + seconds, UTC)


def clock_from_setting(value: str) -> Clock:
    if value.startswith("file:"):
        return FileClock(Path(value[5:]))
    return SystemClock()
