"""Erasing a resident or a supporter on request (or when retention says they have left): every place their
name, address, phone, LINE ID or words live is emptied or deleted; the row itself stays as an anonymous
tombstone so the figures (requests per district, who helped how often) do not change.

Refused (StillInUse) while something of theirs is still under way: a coordinator first cancels or
reassigns it, so nobody is left waiting for help that was silently deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import outbox
from bot.store.errors import DomainError, NotFound
from bot.store.models import (
    CANCELLED,
    CLAIMED,
    DRAFT,
    HELD,
    OPEN,
    Alert,
    Checkin,
    CheckinPlan,
    Conversation,
    DashboardSession,
    District,
    HelpRequest,
    InboxEvent,
    Job,
    MinseiResident,
    OutboxMessage,
    PendingLocation,
    Proxy,
    RecurringHelp,
    RecurringStatus,
    RequestEvent,
    Resident,
    Supporter,
)

ERASED_PREFIX = "erased:"
ERASED_NAME = "-"  # the row stays for the figures; it names nobody
_BATCH = 500


class StillInUse(DomainError):
    """Something of this person's is still under way (an open or claimed request, a standing arrangement)."""


@dataclass(frozen=True)
class Erased:
    requests: int
    rows_deleted: int
    person_id: int | None = None  # the tombstone row that stays for the figures


def _text(value: Any) -> str:
    """What a row says, with JSON decoded: raw webhooks and JSON columns may hold Japanese as \\u escapes."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return value + json.dumps(decoded, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "\n".join(_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _mentions(text: str, needles: Iterable[str]) -> bool:
    return any(n in text for n in needles)


async def _delete_mentioning(session: AsyncSession, *, ids: list[str], words: list[str], request_ids: set[int]) -> int:
    """Raw webhooks, sent or relayed messages, jobs, conversations and sessions' flash lines that concern the
    person: from or to their LINE IDs (any state), or naming them (once handled or sent: a message still
    waiting for someone else is not dropped because it contains a common name). Matched here, in batches,
    rather than in SQL: JSON columns are stored escaped on some databases."""
    ids = [i for i in ids if i]
    words = [w for w in words if w and len(w) >= 2]
    deleted = 0
    models: list[tuple[Any, Callable[[Any], Any], Callable[[Any], bool]]] = [
        (InboxEvent, lambda r: (r.source_key, r.body), lambda r: False),
        (OutboxMessage, lambda r: (r.to, r.messages), lambda r: r.request_id in request_ids),
        (Job, lambda r: (r.key, r.payload), lambda r: r.payload.get("request_id") in request_ids),
        (Conversation, lambda r: (r.line_user_id, r.data), lambda r: False),
    ]
    for model, content, concerns in models:
        pk = next(iter(model.__table__.primary_key.columns))
        last: Any = None
        doomed: list[Any] = []
        while True:
            q = select(model).order_by(pk).limit(_BATCH)
            if last is not None:
                q = q.where(pk > last)
            rows = (await session.exec(q)).all()
            if not rows:
                break
            for r in rows:
                text = _text(content(r))
                settled = getattr(r, "status", None) not in outbox.WAITING
                if _mentions(text, ids) or (settled and (_mentions(text, words) or concerns(r))):
                    doomed.append(getattr(r, pk.name))
            last = getattr(rows[-1], pk.name)
        for i in range(0, len(doomed), _BATCH):
            result = await session.exec(delete(model).where(pk.in_(doomed[i : i + _BATCH])))
            deleted += int(result.rowcount or 0)
    for s in (await session.exec(select(DashboardSession).where(col(DashboardSession.flash).is_not(None)))).all():
        if _mentions(_text(s.flash), ids + words):
            s.flash = None
            session.add(s)
    return deleted


async def erase_resident(session: AsyncSession, resident: Resident, *, now: datetime) -> Erased:
    from bot.store.retention import anonymise_requests  # retention also erases people who left

    assert resident.id is not None
    open_ = (
        await session.exec(
            select(HelpRequest.id).where(
                col(HelpRequest.resident_id) == resident.id, col(HelpRequest.status).in_((OPEN, CLAIMED))
            )
        )
    ).first()
    standing = (
        await session.exec(
            select(RecurringHelp.id).where(
                col(RecurringHelp.resident_id) == resident.id, col(RecurringHelp.status) == RecurringStatus.ACTIVE
            )
        )
    ).first()
    if open_ is not None or standing is not None:
        raise StillInUse("open requests or a standing arrangement")
    proxies = (await session.exec(select(Proxy).where(col(Proxy.resident_id) == resident.id))).all()
    ids = [resident.line_user_id, *(p.line_user_id for p in proxies)]
    words = [resident.name, resident.address or "", resident.phone or ""]
    words += [w for p in proxies for w in (p.name, p.phone or "")]
    await session.exec(
        update(HelpRequest)
        .where(col(HelpRequest.resident_id) == resident.id, col(HelpRequest.status).in_((DRAFT, HELD)))
        .values(status=CANCELLED, closed_at=now)
    )
    request_ids = [
        i
        for i in (await session.exec(select(HelpRequest.id).where(col(HelpRequest.resident_id) == resident.id))).all()
        if i is not None
    ]
    await anonymise_requests(session, request_ids)
    # Alerts about them when they were not registered yet (no request) carry their LINE ID and words.
    await session.exec(
        update(Alert).where(col(Alert.subject_line_user_id).in_(ids)).values(body=None, subject_line_user_id=None)
    )
    await session.exec(update(HelpRequest).where(col(HelpRequest.resident_id) == resident.id).values(proxy_id=None))
    await session.exec(
        update(RecurringHelp)
        .where(col(RecurringHelp.resident_id) == resident.id)
        .values(
            text="",
            masked="",
            proxy_id=None,
            status=sa.case(
                (col(RecurringHelp.status) == RecurringStatus.PENDING_APPROVAL, RecurringStatus.STOPPED),
                else_=RecurringHelp.status,
            ),
            stopped_at=sa.func.coalesce(RecurringHelp.stopped_at, now),
        )
    )
    deleted = await _delete_mentioning(session, ids=ids, words=words, request_ids=set(request_ids))
    for stmt in (
        delete(Proxy).where(col(Proxy.resident_id) == resident.id),
        delete(MinseiResident).where(col(MinseiResident.resident_id) == resident.id),
        delete(PendingLocation).where(col(PendingLocation.resident_id) == resident.id),
        delete(Checkin).where(col(Checkin.resident_id) == resident.id),
        delete(CheckinPlan).where(col(CheckinPlan.resident_id) == resident.id),
    ):
        deleted += int((await session.exec(stmt)).rowcount or 0)
    resident.line_user_id = f"{ERASED_PREFIX}r{resident.id}"
    resident.name = ERASED_NAME
    resident.town = resident.address = resident.phone = None
    resident.active = False
    resident.followed = False
    resident.deactivated_at = resident.deactivated_at or now
    session.add(resident)
    return Erased(requests=len(request_ids), rows_deleted=deleted, person_id=resident.id)


async def erase_supporter(session: AsyncSession, supporter: Supporter, *, now: datetime) -> Erased:
    assert supporter.id is not None
    busy = (
        await session.exec(
            select(HelpRequest.id).where(
                col(HelpRequest.supporter_id) == supporter.id, col(HelpRequest.status) == CLAIMED
            )
        )
    ).first()
    standing = (
        await session.exec(
            select(RecurringHelp.id).where(
                col(RecurringHelp.supporter_id) == supporter.id, col(RecurringHelp.status) == RecurringStatus.ACTIVE
            )
        )
    ).first()
    if busy is not None or standing is not None:
        raise StillInUse("claimed requests or a standing arrangement")
    line_id, name = supporter.line_user_id, supporter.name
    # The audit trail keeps that a supporter acted, not which one; notes naming them (assigned, released) go.
    await session.exec(update(RequestEvent).where(col(RequestEvent.actor_id) == line_id).values(actor_id=None))
    await session.exec(update(RequestEvent).where(col(RequestEvent.note) == name).values(note=None))
    await session.exec(
        update(District).where(col(District.lead_line_user_id) == line_id).values(lead_line_user_id=None)
    )
    await session.exec(update(Checkin).where(col(Checkin.alerted_to) == line_id).values(alerted_to=None))
    await session.exec(
        update(Alert)
        .where(sa.or_(col(Alert.acknowledged_line_user_id) == line_id, col(Alert.acknowledged_by) == name))
        .values(acknowledged_line_user_id=None, acknowledged_by=None)
    )
    deleted = await _delete_mentioning(session, ids=[line_id], words=[name], request_ids=set())
    supporter.line_user_id = f"{ERASED_PREFIX}s{supporter.id}"
    supporter.name = ERASED_NAME
    # What a coordinator wrote on verifying them, and where and when they are free, describe the person.
    supporter.verify_note = supporter.verified_by = None
    supporter.kinds, supporter.towns, supporter.free = [], [], []
    supporter.active = False
    supporter.followed = None
    supporter.deactivated_at = supporter.deactivated_at or now
    session.add(supporter)
    return Erased(requests=0, rows_deleted=deleted, person_id=supporter.id)


async def erase_by_line_id(session: AsyncSession, *, kind: str, line_user_id: str, now: datetime) -> Erased:
    uid = line_user_id.strip()
    if kind == "resident":
        from bot.store.people import resident_by_ref  # '#id' for a resident with no LINE account

        r = await resident_by_ref(session, uid)
        if r is None:
            raise NotFound(f"no resident {uid!r}")
        return await erase_resident(session, r, now=now)
    x = (await session.exec(select(Supporter).where(col(Supporter.line_user_id) == uid))).first()
    if x is None:
        raise NotFound(f"no supporter {uid!r}")
    return await erase_supporter(session, x, now=now)
