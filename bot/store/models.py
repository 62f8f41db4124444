"""The database tables. Timestamps are aware UTC datetimes (SQLModel stores them as UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Request states. A draft waits for the resident's はい; open waits for a supporter;
# claimed waits for 完了. done and cancelled are final.
DRAFT, OPEN, CLAIMED, DONE, CANCELLED = "draft", "open", "claimed", "done", "cancelled"
ACTIVE_STATES = (OPEN, CLAIMED)


def _json_col() -> Any:
    return sa.Column(sa.JSON, nullable=False, default=dict)


class District(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    # Who residents should call about this district (shown as a call button), and the place to
    # consult for matters that must go to professionals (地域包括支援センター by default).
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    consult_name: str | None = Field(default=None, max_length=100)
    consult_phone: str | None = Field(default=None, max_length=32)
    # Escalation (minutes/hours) and quiet hours for group reminders (local time, Asia/Tokyo).
    remind_after_minutes: int = 60
    alert_after_minutes: int = 180
    claimed_stale_hours: int = 48
    quiet_start_hour: int = 21
    quiet_end_hour: int = 7
    created_at: datetime


class Town(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("district_code", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=32)
    name: str = Field(index=True, max_length=100)


class LineGroup(SQLModel, table=True):
    __tablename__ = "line_group"
    group_id: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)  # "district" | "coordinators"
    district_code: str | None = Field(default=None, foreign_key="district.code", max_length=32)
    active: bool = True
    bound_at: datetime
    unbound_at: datetime | None = None


class Resident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    line_user_id: str = Field(unique=True, max_length=64)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=32)
    name: str = Field(max_length=100)
    town: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True
    # False once the resident blocked (unfollowed) the bot: pushes would fail, coordinators must know.
    followed: bool = True
    blocked_at: datetime | None = None
    created_at: datetime


class Supporter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    line_user_id: str = Field(unique=True, max_length=64)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=32)
    name: str = Field(max_length=100)
    active: bool = True
    # None: not known yet (registered by a coordinator before they added the bot).
    followed: bool | None = None
    blocked_at: datetime | None = None
    created_at: datetime


class HelpRequest(SQLModel, table=True):
    __tablename__ = "help_request"
    __table_args__ = (sa.Index("ix_help_request_status_district", "status", "district_code"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    district_code: str = Field(foreign_key="district.code", max_length=32)
    category: str = Field(max_length=32)
    status: str = Field(max_length=16)
    text: str  # the resident's full words: only for the claimer and coordinators
    masked: str  # fit for the group
    confidence: float = 0.0
    scores: dict[str, float] = Field(default_factory=dict, sa_column=_json_col())
    cues: list[str] = Field(default_factory=list, sa_column=_json_col())
    when_date: str | None = Field(default=None, max_length=10)
    when_time: str | None = Field(default=None, max_length=5)
    when_part: str | None = Field(default=None, max_length=16)
    when_text: str | None = Field(default=None, max_length=100)
    urgent: bool = False
    supporter_id: int | None = Field(default=None, foreign_key="supporter.id", index=True)
    created_at: datetime
    posted_at: datetime | None = None
    claimed_at: datetime | None = None
    done_at: datetime | None = None
    closed_at: datetime | None = None
    escalation_level: int = 0
    version: int = 0


class RequestEvent(SQLModel, table=True):
    """One line of a request's timeline: who did what, when."""

    __tablename__ = "request_event"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    at: datetime
    actor_kind: str = Field(max_length=16)  # resident | supporter | coordinator | system
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    note: str | None = None


class InboxEvent(SQLModel, table=True):
    """A webhook event LINE delivered, stored before we answer 200 so it is never lost."""

    __tablename__ = "inbox_event"
    __table_args__ = (sa.Index("ix_inbox_status_id", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True, max_length=80)  # webhookEventId, or a content hash
    source_key: str = Field(max_length=140)  # events of one source are handled in order
    body: str  # the event's JSON as LINE sent it (group texts are redacted at the edge)
    redelivery: bool = False
    received_at: datetime
    status: str = Field(default="pending", max_length=16)  # pending | done | rejected | failed
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    handled_at: datetime | None = None
    error: str | None = None


class OutboxMessage(SQLModel, table=True):
    """A message the bot decided to send; sent after the deciding transaction commits."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_status_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    retry_key: str = Field(unique=True, max_length=36)  # X-Line-Retry-Key, kept across retries
    to: str = Field(index=True, max_length=64)
    messages: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json_col())
    reply_token: str | None = Field(default=None, max_length=255)
    reply_deadline: datetime | None = None
    purpose: str = Field(default="", max_length=32)
    request_id: int | None = Field(default=None, index=True)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    via: str | None = Field(default=None, max_length=8)  # reply | push
    attempts: int = 0
    next_attempt_at: datetime
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)


class Conversation(SQLModel, table=True):
    """Where a 1:1 conversation stands (registration steps, a pending question)."""

    line_user_id: str = Field(primary_key=True, max_length=64)
    state: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=_json_col())
    updated_at: datetime


class Job(SQLModel, table=True):
    """A scheduled piece of work kept in the database so it survives restarts and runs once."""

    __table_args__ = (sa.Index("ix_job_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)  # e.g. "merge:U123" or "remind:42:1"
    kind: str = Field(max_length=32)
    due_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=_json_col())
    status: str = Field(default="pending", max_length=16)  # pending | done | cancelled
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    attempts: int = 0
    done_at: datetime | None = None
