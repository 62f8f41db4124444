"""What each kind of job carries in its JSON payload, as types: written by the flow that schedules the job,
read back (and checked) by its handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class MergePayload(TypedDict):
    """The merge window (bot.flows.fragments): answer the fragments with the last one's reply token."""

    user: str
    reply_to: str
    reply_token: str | None
    reply_deadline: str  # ISO 8601


class PostedPayload(TypedDict):
    """Escalation of an unclaimed request, for one posting of it (milliseconds since the epoch)."""

    request_id: int
    posted: int


class ClaimedPayload(TypedDict):
    """Escalation of a stale claim, for one claim of it (milliseconds since the epoch)."""

    request_id: int
    claimed: int


class CheckinSendPayload(TypedDict):
    resident_id: int
    version: str  # the plan's updated_at: a changed plan makes an old job outdated


class CheckinMissPayload(TypedDict):
    checkin_id: int


class RecurPostPayload(TypedDict):
    recurring_id: int


class RecurOccurrencePayload(TypedDict):
    recurring_id: int
    day: str  # YYYY-MM-DD


class FollowupPayload(TypedDict):
    user: str | None
    request_id: int


class DecidedPayload(TypedDict):
    """A coordinator approved or declined a newcomer (bot.flows.approval)."""

    resident_id: int
    approved: bool
    user: str


class AlertAckPayload(TypedDict):
    """The n-th period after an alert nobody answered 「対応します」 to (bot.flows.alerting)."""

    alert_id: int
    n: int


class ReleasePayload(TypedDict):
    """A supporter who left, blocked the bot or was suspended: their claims go back (bot.flows.stuck)."""

    supporter_id: int
    reason: str


JobPayload = (
    MergePayload
    | PostedPayload
    | ClaimedPayload
    | CheckinSendPayload
    | CheckinMissPayload
    | RecurPostPayload
    | RecurOccurrencePayload
    | FollowupPayload
    | DecidedPayload
    | AlertAckPayload
    | ReleasePayload
)


def posted(raw: Mapping[str, Any]) -> PostedPayload:
    return PostedPayload(request_id=int(raw["request_id"]), posted=int(raw["posted"]))


def claimed(raw: Mapping[str, Any]) -> ClaimedPayload:
    return ClaimedPayload(request_id=int(raw["request_id"]), claimed=int(raw["claimed"]))
