"""Fault rules: which Messaging API requests fail, how and how often (the bot's retries meet them)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["before", "after"]

# What LINE answers with these statuses (bodies as observed from the platform).
DEFAULT_MESSAGES = {
    429: "The API rate limit has been exceeded. Try again later.",
    500: "An error occurred in the server. Please try again later.",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(slots=True)
class FaultRule:
    """One injected fault.

    `mode="before"` fails without doing anything; `mode="after"` performs the request (a push is delivered,
    a reply token consumed) and then answers the fault, the lost-response case that retry keys exist for.
    `refuse` closes the connection without an answer instead of sending `status`. `delay` is slept before
    answering (to make the client time out): before doing anything in "before" mode, after doing the work in
    "after" mode. With `status=None` and no `refuse` the request is only delayed, then answered normally.
    `times=None` applies to every matching request until the rule is cleared.
    """

    path: str
    method: str | None = None
    status: int | None = 500
    retry_after: int | str | None = None
    times: int | None = 1
    delay: float = 0.0
    mode: Mode = "before"
    refuse: bool = False
    message: str | None = None
    hits: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in ("before", "after"):
            raise ValueError(f"mode must be 'before' or 'after', not {self.mode!r}")
        try:
            self._regex = re.compile(self.path)
        except re.error as e:
            raise ValueError(f"path {self.path!r} is not a regular expression: {e}") from None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._regex.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def body(self) -> dict[str, str]:
        status = self.status or 500
        return {"message": self.message or DEFAULT_MESSAGES.get(status, "Error")}

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("_regex", None)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {"path", "method", "status", "retry_after", "times", "delay", "mode", "refuse", "message"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        if "path" not in data:
            raise ValueError("a fault needs a 'path' regex")
        return cls(**data)


class Faults:
    """The active rules, consumed in order: the first matching rule that is not exhausted applies."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        # Uniform random latency (seconds) added to every API call, for benchmarks that want a realistic LINE.
        self.latency: tuple[float, float] | None = None

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self.latency = None

    def take(self, method: str, path: str) -> FaultRule | None:
        for rule in self.rules:
            if not rule.exhausted and rule.matches(method, path):
                rule.hits += 1
                return rule
        return None
