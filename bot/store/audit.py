"""The audit log: who did or looked at what, and when. Written in the same transaction as what it records
(an action that rolls back leaves no line); a view or export gets its own short transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import AuditEntry


class Action(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW_PERSON = "view_person"
    VIEW_REQUEST = "view_request"
    EXPORT_CSV = "export_csv"
    API_READ = "api_read"
    REQUEST_ACTION = "request_action"
    PERSON_ADD = "person_add"
    PERSON_EDIT = "person_edit"
    PERSON_DELETE = "person_delete"
    SETTINGS = "settings"
    PROXY_ADD = "proxy_add"
    PROXY_REMOVE = "proxy_remove"
    RECURRING_APPROVE = "recurring_approve"
    RECURRING_STOP = "recurring_stop"
    ACCOUNT_ADD = "account_add"
    ACCOUNT_DEACTIVATE = "account_deactivate"
    ACCOUNT_ACTIVATE = "account_activate"
    ACCOUNT_RESET = "account_reset"  # a new password
    ACCOUNT_DISTRICTS = "account_districts"
    API_KEY_ISSUE = "api_key_issue"
    API_KEY_REVOKE = "api_key_revoke"
    MINSEI_LINK = "minsei_link"
    MINSEI_UNLINK = "minsei_unlink"
    VIEW_AUDIT = "view_audit"


VIAS = ("dashboard", "api", "cli")
PAGE_SIZE = 200


@dataclass(frozen=True)
class Actor:
    """Who acts: a dashboard or API account, or a shell (the CLI runs as the machine's operator)."""

    actor: str
    via: str
    coordinator_id: int | None = None
    ip: str | None = None


CLI = Actor(actor="cli", via="cli")


def record(
    session: AsyncSession,
    who: Actor,
    action: Action,
    *,
    now: datetime,
    kind: str | None = None,
    record_id: object = None,
    detail: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        coordinator_id=who.coordinator_id,
        actor=who.actor[:64],
        via=who.via,
        action=action.value,
        record_kind=kind,
        record_id=None if record_id is None else str(record_id)[:64],
        detail=detail[:300] if detail else None,
        ip=who.ip[:64] if who.ip else None,
    )
    session.add(entry)
    return entry


async def entries(
    session: AsyncSession,
    *,
    actor: str | None = None,
    action: str | None = None,
    kind: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = PAGE_SIZE,
) -> list[AuditEntry]:
    """The newest entries first, narrowed by whichever filters are given."""
    q = select(AuditEntry)
    if actor:
        q = q.where(col(AuditEntry.actor) == actor)
    if action:
        q = q.where(col(AuditEntry.action) == action)
    if kind:
        q = q.where(col(AuditEntry.record_kind) == kind)
    if record_id:
        q = q.where(col(AuditEntry.record_id) == record_id)
    if since is not None:
        q = q.where(col(AuditEntry.at) >= since)
    if until is not None:
        q = q.where(col(AuditEntry.at) < until)
    q = q.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    return list((await session.exec(q)).all())


async def purge(session: AsyncSession, *, before: datetime) -> int:
    """Retention: entries older than the cut-off go (they name the acting account and its address)."""
    result = await session.exec(delete(AuditEntry).where(col(AuditEntry.at) < before))
    return int(result.rowcount or 0)
