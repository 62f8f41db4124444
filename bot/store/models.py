"""The database tables. Timestamps are aware UTC datetimes (SQLModel stores them as UTC)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


# Request states. A draft waits for the resident's はい; open waits for a supporter;
# claimed waits for 完了. done and cancelled are final.
class RequestStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"
    # A confirmed request of a resident a coordinator has not approved yet: kept, not posted (migration 0008).
    HELD = "held"


DRAFT, OPEN, CLAIMED, DONE, CANCELLED = (
    RequestStatus.DRAFT,
    RequestStatus.OPEN,
    RequestStatus.CLAIMED,
    RequestStatus.DONE,
    RequestStatus.CANCELLED,
)
HELD = RequestStatus.HELD

# A resident who registered on LINE waits for a coordinator; one added by a coordinator is approved.
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


class JobStatus(StrEnum):
    """A job waits (pending), ran (done), was called off (cancelled) or failed for good (failed)."""

    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class InboxStatus(StrEnum):
    """A webhook event waits (pending), was handled (done), could not be parsed (rejected) or failed for good."""

    PENDING = "pending"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    """A message waits (pending), went out (sent), failed for good (failed), or travels in another row's call
    (merged: its messages go in row `merged_into`, whose outcome it takes)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    MERGED = "merged"


class ReplyState(StrEnum):
    """Decides whether 'invalid reply token' later means 'already delivered'."""

    UNTRIED = ""  # no reply tried yet
    INFLIGHT = "inflight"  # a reply is (or was, if we crashed) on its way
    UNSURE = "unsure"  # an earlier reply may have been delivered


class RecurringStatus(StrEnum):
    """A standing arrangement: the resident says はい, a coordinator approves, one supporter takes it,
    occurrences follow until it is stopped."""

    PROPOSED = "proposed"  # waiting for the resident's はい
    PENDING_APPROVAL = "pending_approval"  # waiting for a coordinator
    ACTIVE = "active"
    STOPPED = "stopped"


class CheckinStatus(StrEnum):
    """A check-in: sent → answered, or sent → missed (someone was told) → answered later."""

    SENT = "sent"
    ANSWERED = "answered"
    MISSED = "missed"


# Partial indexes hold only the rows still waiting in a queue (inbox, outbox).
_INBOX_PENDING = sa.text(f"status = '{InboxStatus.PENDING}'")
_OUTBOX_PENDING = sa.text(f"status = '{OutboxStatus.PENDING}'")
_OUTBOX_MERGED = sa.text(f"status = '{OutboxStatus.MERGED}'")


def _json_col() -> Any:
    return sa.Column(sa.JSON, nullable=False, default=dict)


def _json_list_col() -> Any:
    return sa.Column(sa.JSON, nullable=False, default=list, server_default="[]")


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
    # Watching over (見守り): hours without an answer before someone is told, and whom: the
    # supporters' lead (1:1) when set, else the coordinators' group.
    checkin_alert_hours: int | None = None
    lead_line_user_id: str | None = Field(default=None, max_length=64)
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
    # Set when LINE told us the bot was removed from the group (leave), as opposed to an unbind by a
    # coordinator: the dashboard shows it until the group is bound again (migration 0007_alerts).
    removed_at: datetime | None = None


class CoordinatorGroupDistrict(SQLModel, table=True):
    """A coordinators' group serves these districts only. A coordinators' group with no row here is the
    city-wide group: it gets the alerts of districts without a group of their own, and every escalation."""

    __tablename__ = "coordinator_group_district"
    group_id: str = Field(foreign_key="line_group.group_id", primary_key=True, max_length=64)
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=32, index=True)


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
    # Registered on the resident's behalf by the person whose LINE this is (family or 民生委員); the
    # supporter who takes a request sees whom they talk with (migration 0006_conversation).
    registered_by_relation: str | None = Field(default=None, max_length=16)
    registered_by_name: str | None = Field(default=None, max_length=100)
    agreed_at: datetime | None = None  # when the notice of who sees what was agreed to
    deactivated_at: datetime | None = None  # retention counts from here (migration 0005)
    # Approval of newcomers (migration 0008_matching): who approved or declined, and when.
    approval: str = Field(default=APPROVED, max_length=16, sa_column_kwargs={"server_default": APPROVED})
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=100)


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
    deactivated_at: datetime | None = None  # retention counts from here (migration 0005)
    # Verification (migration 0008_matching): a coordinator met them; None means not verified yet.
    verified_at: datetime | None = None
    verified_by: str | None = Field(default=None, max_length=100)
    verify_note: str | None = Field(default=None, max_length=500)
    # Matching: help kinds (bot.nlp.types.HELP_LABELS), town names and usual free slots (bot.matching.SLOTS).
    kinds: list[str] = Field(default_factory=list, sa_column=_json_list_col())
    towns: list[str] = Field(default_factory=list, sa_column=_json_list_col())
    free: list[str] = Field(default_factory=list, sa_column=_json_list_col())
    # Suspended by a coordinator: may not take requests; claims in hand were released (migration 0007_alerts).
    suspended_at: datetime | None = None


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
    # Where help is needed, when the resident sent a location (only for the claimer, never the group).
    location_lat: float | None = None
    location_lng: float | None = None
    location_label: str | None = Field(default=None, max_length=300)
    proxy_id: int | None = Field(default=None, index=True)  # asked by a family member or 民生委員
    recurring_id: int | None = Field(default=None, index=True)  # one occurrence of a standing arrangement
    thanked_at: datetime | None = None  # the resident's thanks were passed to the supporter
    nudged_at: datetime | None = None  # the best-suited supporters were asked 1:1 (migration 0008_matching)


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
    __table_args__ = (
        sa.Index("ix_inbox_status_id", "status", "id"),
        sa.Index("ix_inbox_source", "source_key", "received_at"),
        # each source's head among the pending rows, without walking its history (migration 0004)
        sa.Index(
            "ix_inbox_pending_queue", "source_key", "id", sqlite_where=_INBOX_PENDING, postgresql_where=_INBOX_PENDING
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True, max_length=80)  # webhookEventId, or a content hash
    source_key: str = Field(max_length=140)  # events of one source are handled in order
    body: str  # the event's JSON as LINE sent it (group texts are redacted at the edge)
    redelivery: bool = False
    received_at: datetime
    status: str = Field(default=InboxStatus.PENDING, max_length=16)  # an InboxStatus
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    handled_at: datetime | None = None
    error: str | None = None


class OutboxMessage(SQLModel, table=True):
    """A message the bot decided to send; sent after the deciding transaction commits."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_status_due", "status", "next_attempt_at"),
        # Covers the heads query (each chat's oldest pending row and its most urgent one) without the table.
        sa.Index(
            "ix_outbox_pending_heads",
            "to",
            "id",
            "priority",
            sqlite_where=_OUTBOX_PENDING,
            postgresql_where=_OUTBOX_PENDING,
        ),
        sa.Index("ix_outbox_merged", "merged_into", sqlite_where=_OUTBOX_MERGED, postgresql_where=_OUTBOX_MERGED),
    )
    id: int | None = Field(default=None, primary_key=True)
    retry_key: str = Field(unique=True, max_length=36)  # X-Line-Retry-Key, kept across retries
    to: str = Field(index=True, max_length=64)
    messages: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json_col())
    reply_token: str | None = Field(default=None, max_length=255)
    reply_deadline: datetime | None = None
    reply_state: str = Field(default=ReplyState.UNTRIED, max_length=8, sa_column_kwargs={"server_default": ""})
    purpose: str = Field(default="", max_length=32)
    # bot/store/priority.py: lower leaves first, but never ahead of an older message to the same chat.
    priority: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    request_id: int | None = Field(default=None, index=True)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)  # an OutboxStatus
    merged_into: int | None = None
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
    status: str = Field(default=JobStatus.PENDING, max_length=16)  # a JobStatus
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    attempts: int = 0
    done_at: datetime | None = None


# --- Coordinators' dashboard (migration 0002) ----------------------------------------------------


class Coordinator(SQLModel, table=True):
    """A person who follows up what is unresolved: sees the districts linked to them, or all (admin)."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)  # argon2id
    is_admin: bool = False
    role: str = Field(default="coordinator", max_length=16)  # coordinator | minsei (migration 0009_ops_audit)
    active: bool = True
    # sha256 of a bearer token for the JSON API (the token itself is shown once, never stored).
    api_token_hash: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime
    last_login_at: datetime | None = None


class CoordinatorDistrict(SQLModel, table=True):
    __tablename__ = "coordinator_district"
    coordinator_id: int = Field(foreign_key="coordinator.id", primary_key=True)
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=32)


class LoginThrottle(SQLModel, table=True):
    """Login attempts counted per login and per client address, shared by every server process (migration 0005).

    The key is a sha256 of "login:<typed login>" or "ip:<address>": a typed login may be a mistyped password,
    and neither needs to be readable to be counted. A row lives one throttle window (purge deletes the rest).
    """

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=64)
    attempts: int = 0  # password checks started in this window and not yet proven right
    window_start: datetime


class DashboardSession(SQLModel, table=True):
    """A dashboard session (migration 0005): the cookie holds only a random id; its sha256 is the key here,
    so deleting the row ends the session on every process at once, and a database copy opens no session."""

    __tablename__ = "dashboard_session"
    id_hash: str = Field(primary_key=True, max_length=64)
    coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id", index=True)
    csrf: str = Field(max_length=64)
    flash: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    created_at: datetime
    expires_at: datetime = Field(index=True)


# --- Conversation and watching over (migration 0003) ---------------------------------------------


class PendingLocation(SQLModel, table=True):
    """A location a resident sent with no request to attach it to yet: the next request takes it."""

    __tablename__ = "pending_location"
    resident_id: int = Field(foreign_key="resident.id", primary_key=True)
    lat: float
    lng: float
    label: str | None = Field(default=None, max_length=300)
    at: datetime


class Proxy(SQLModel, table=True):
    """A family member or 民生委員 who asks for help on behalf of a resident they look after."""

    __table_args__ = (sa.UniqueConstraint("line_user_id", "resident_id"),)
    id: int | None = Field(default=None, primary_key=True)
    line_user_id: str = Field(index=True, max_length=64)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    relation: str = Field(max_length=16)  # 家族 | 民生委員
    name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True
    created_at: datetime


class RecurringHelp(SQLModel, table=True):
    """A standing arrangement (毎週のお手伝い): one supporter, occurrences on set weekdays."""

    __tablename__ = "recurring_help"
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    district_code: str = Field(foreign_key="district.code", max_length=32)
    category: str = Field(max_length=32)
    weekdays: str = Field(max_length=20)  # "0,3": Monday and Thursday (Python weekday numbers)
    when_part: str | None = Field(default=None, max_length=16)
    when_time: str | None = Field(default=None, max_length=5)
    text: str
    masked: str
    status: str = Field(default=RecurringStatus.PENDING_APPROVAL, max_length=20)  # a RecurringStatus
    supporter_id: int | None = Field(default=None, foreign_key="supporter.id")
    proxy_id: int | None = None
    created_at: datetime
    approved_at: datetime | None = None
    taken_at: datetime | None = None
    stopped_at: datetime | None = None


class CheckinPlan(SQLModel, table=True):
    """A resident's wish to be asked 「お元気ですか？」: daily, or weekly on one weekday, at an hour."""

    __tablename__ = "checkin_plan"
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", unique=True)
    frequency: str = Field(max_length=8)  # daily | weekly
    weekday: int | None = None  # for weekly: 0 = Monday
    hour: int = 8  # local time (Asia/Tokyo)
    active: bool = True
    created_at: datetime
    updated_at: datetime


class Checkin(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_checkin_status_district", "status", "district_code"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    district_code: str = Field(foreign_key="district.code", max_length=32)
    sent_at: datetime
    deadline_at: datetime
    status: str = Field(default=CheckinStatus.SENT, max_length=16)  # a CheckinStatus
    answered_at: datetime | None = None
    answered_by: str | None = Field(default=None, max_length=16)  # button | message
    missed_at: datetime | None = None
    alerted_to: str | None = Field(default=None, max_length=64)  # the lead's LINE ID or the group's


# --- Residents' own words at every step, and the relay (migration 0006_conversation) -------------


class RelayMessage(SQLModel, table=True):
    """Words passed between the supporter who took a request and its resident, kept with the request
    (the coordinators can read them) and purged with it."""

    __tablename__ = "relay_message"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_request.id", index=True)
    sender: str = Field(max_length=16)  # supporter | resident
    text: str
    at: datetime


# --- Coordinators' operations without a shell (migration 0009_ops_audit) -------------------------

# What a dashboard account may do: a coordinator sees districts (or all when is_admin); a 民生委員 sees only
# the residents linked to them.
ROLE_COORDINATOR, ROLE_MINSEI = "coordinator", "minsei"
# A resident with no LINE account of their own: a family member or 民生委員 speaks for them (a proxy).
# Their line_user_id is this prefix and a random suffix, so nothing is ever pushed to it.
NO_LINE_PREFIX = "noline:"


class MinseiResident(SQLModel, table=True):
    """A resident a 民生委員's dashboard account looks after: the only residents that account sees."""

    __tablename__ = "minsei_resident"
    coordinator_id: int = Field(foreign_key="coordinator.id", primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", primary_key=True, index=True)
    created_at: datetime


class AuditEntry(SQLModel, table=True):
    """Who did or looked at what, when: coordinators' actions, sign-ins, edits, settings, views of a person,
    exports and API reads. Names no one but the actor: a record is a kind and an id."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    # The account that acted (None: a failed sign-in with an unknown login, or the CLI); the login is kept as
    # typed so a failed sign-in shows what was tried.
    coordinator_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=64)
    via: str = Field(max_length=16)  # dashboard | api | cli
    action: str = Field(max_length=32, index=True)
    record_kind: str | None = Field(default=None, max_length=16)  # resident | supporter | request | ...
    record_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=300)
    ip: str | None = Field(default=None, max_length=64)


# --- Alerts to coordinators, kept and acknowledged (migration 0007_alerts) ------------------------

ALERT_KINDS = ("emergency", "consult", "possible")


class Alert(SQLModel, table=True):
    """An emergency, consultation or possible-emergency alert to coordinators. Kept until someone says they
    act on it (「対応します」 on LINE, or any action on the request on the dashboard); until then it is repeated
    in the district's coordinators' group and escalated to the city-wide group, once per period."""

    __table_args__ = (sa.Index("ix_alert_open", "acknowledged_at", "district_code"),)
    id: int | None = Field(default=None, primary_key=True)
    # None when the person is not registered (no request is made for them); the words are then kept here.
    request_id: int | None = Field(default=None, foreign_key="help_request.id", index=True)
    kind: str = Field(max_length=16)  # emergency | consult | possible
    district_code: str | None = Field(default=None, foreign_key="district.code", max_length=32)
    created_at: datetime
    routed: bool = True  # False: no coordinators' group could receive it (the dashboard shows it in red)
    subject_line_user_id: str | None = Field(default=None, max_length=64)  # only for an unregistered person
    body: str | None = None  # the alert as sent (repeated word for word); personal: purged and erased
    acknowledged_by: str | None = Field(default=None, max_length=100)
    acknowledged_line_user_id: str | None = Field(default=None, max_length=64)
    acknowledged_coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id")
    acknowledged_at: datetime | None = None
    repeats: int = 0
    escalated_at: datetime | None = None
