"""Queries on help requests: their life from draft to done, each change recorded on the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.nlp.types import SAFETY_LABELS, Analysis
from bot.store.errors import AlreadyTaken, DomainError, NotFound, NotYours, RequestClosed, StaleButton
from bot.store.models import (
    APPROVED,
    CANCELLED,
    CLAIMED,
    DONE,
    DRAFT,
    HELD,
    OPEN,
    HelpRequest,
    RequestEvent,
    Resident,
    Supporter,
)


def record(
    session: AsyncSession,
    *,
    request_id: int,
    at: datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    note: str | None = None,
) -> None:
    session.add(
        RequestEvent(request_id=request_id, at=at, actor_kind=actor_kind, actor_id=actor_id, action=action, note=note)
    )


async def create(
    session: AsyncSession, *, resident: Resident, text: str, analysis: Analysis, status: str, now: datetime
) -> HelpRequest:
    assert resident.id is not None
    when = analysis.when
    req = HelpRequest(
        resident_id=resident.id,
        district_code=resident.district_code,
        category=analysis.category,
        status=status,
        text=text,
        masked=analysis.masked,
        confidence=analysis.confidence,
        scores=dict(analysis.scores),
        cues=list(analysis.cues),
        when_date=when.date if when else None,
        when_time=when.time if when else None,
        when_part=when.part if when else None,
        when_text=when.text if when else None,
        urgent=analysis.urgent,
        created_at=now,
        posted_at=now if status == OPEN else None,
    )
    session.add(req)
    await session.flush()
    assert req.id is not None
    record(
        session,
        request_id=req.id,
        at=now,
        actor_kind="resident",
        actor_id=resident.line_user_id,
        action="created",
        note=analysis.category,
    )
    return req


async def get(session: AsyncSession, request_id: int) -> HelpRequest:
    req = await session.get(HelpRequest, request_id)
    if req is None:
        raise NotFound(f"request {request_id}")
    return req


async def transition(
    session: AsyncSession,
    request_id: int,
    *,
    from_states: tuple[str, ...],
    values: dict[str, Any],
    version: int | None = None,
    supporter_id: int | None = None,
) -> bool:
    """The one conditional UPDATE on a help request, and its one version rule: every change raises
    `version` by one, and happens only while the request is in one of `from_states` and, when the caller
    decided on a copy it read earlier (a dashboard page, a job re-reading the row), still at that `version`
    (and, for a supporter's own change, still theirs). The check and the change are one statement, so two
    racing callers cannot both win (no read-then-write), on SQLite and PostgreSQL alike."""
    cond = [col(HelpRequest.id) == request_id, col(HelpRequest.status).in_(from_states)]
    if version is not None:
        cond.append(col(HelpRequest.version) == version)
    if supporter_id is not None:
        cond.append(col(HelpRequest.supporter_id) == supporter_id)
    # RETURNING the row with populate_existing: a copy of it already loaded in this session (the caller's
    # `req`) holds the new values at once, with no SELECT to refresh it.
    result = await session.exec(
        update(HelpRequest)
        .where(*cond)
        .values(**values, version=col(HelpRequest.version) + 1)
        .returning(HelpRequest)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.scalars().first() is not None


async def confirm(session: AsyncSession, *, request_id: int, resident: Resident, now: datetime) -> HelpRequest:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    # A newcomer's request waits for a coordinator's approval: kept, not posted.
    values: dict[str, Any] = {"status": OPEN, "posted_at": now} if resident.approval == APPROVED else {"status": HELD}
    if not await transition(session, request_id, from_states=(DRAFT,), values=values):
        raise StaleButton()
    record(
        session,
        request_id=request_id,
        at=now,
        actor_kind="resident",
        actor_id=resident.line_user_id,
        action="confirmed" if values["status"] == OPEN else "held",
    )
    return req


async def held_for(session: AsyncSession, resident_id: int) -> list[HelpRequest]:
    rows = await session.exec(
        select(HelpRequest)
        .where(col(HelpRequest.resident_id) == resident_id, col(HelpRequest.status) == HELD)
        .order_by(col(HelpRequest.id))
    )
    return list(rows.all())


async def unhold(session: AsyncSession, *, request_id: int, approve: bool, by: str | None, now: datetime) -> bool:
    """A held request after the coordinators' decision: open (posted now) or cancelled. False if it was not held."""
    values: dict[str, Any] = {"status": OPEN, "posted_at": now} if approve else {"status": CANCELLED, "closed_at": now}
    if not await transition(session, request_id, from_states=(HELD,), values=values):
        return False
    action = "approved" if approve else "not_approved"
    actor = (by or "")[:64] or None
    record(session, request_id=request_id, at=now, actor_kind="coordinator", actor_id=actor, action=action)
    return True


async def mark_nudged(session: AsyncSession, *, request_id: int, now: datetime) -> bool:
    """Once per request: the best-suited supporters are asked 1:1 only the first time it goes unclaimed."""
    result = await session.exec(
        update(HelpRequest)
        .where(col(HelpRequest.id) == request_id, col(HelpRequest.status) == OPEN, col(HelpRequest.nudged_at).is_(None))
        .values(nudged_at=now)
    )
    return bool(result.rowcount)


async def set_category(session: AsyncSession, *, request_id: int, resident: Resident, category: str) -> HelpRequest:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    if not await transition(session, request_id, from_states=(DRAFT,), values={"category": category}):
        raise StaleButton()
    return req


async def drop_draft(session: AsyncSession, *, request_id: int, resident: Resident, now: datetime, action: str) -> None:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    if not await transition(session, request_id, from_states=(DRAFT,), values={"status": CANCELLED, "closed_at": now}):
        raise StaleButton()
    record(session, request_id=request_id, at=now, actor_kind="resident", actor_id=resident.line_user_id, action=action)


@dataclass(frozen=True)
class Actor:
    """Who changed a request, as its timeline names them."""

    kind: Literal["resident", "supporter", "coordinator", "system"]
    id: str | None

    @staticmethod
    def supporter(sup: Supporter) -> Actor:
        return Actor("supporter", sup.line_user_id)

    @staticmethod
    def resident(res: Resident) -> Actor:
        return Actor("resident", res.line_user_id)

    @staticmethod
    def coordinator(login: str) -> Actor:
        return Actor("coordinator", login)

    @property
    def is_coordinator(self) -> bool:
        return self.kind == "coordinator"


SYSTEM = Actor("system", None)


def _record_by(
    session: AsyncSession, req: HelpRequest, by: Actor, now: datetime, action: str, note: str | None
) -> None:
    assert req.id is not None
    record(session, request_id=req.id, at=now, actor_kind=by.kind, actor_id=by.id, action=action, note=note)


async def _refused(session: AsyncSession, req: HelpRequest) -> DomainError:
    """Why a conditional change found the request changed: closed meanwhile, or taken/changed by someone else."""
    await session.refresh(req)
    return RequestClosed() if req.status in (DONE, CANCELLED) else AlreadyTaken()


async def _change_or_raise(
    session: AsyncSession,
    req: HelpRequest,
    by: Actor,
    *,
    from_states: tuple[str, ...],
    values: dict[str, Any],
    version: int | None,
    supporter: Supporter | None = None,
) -> None:
    """A release, completion or cancellation as one `transition`: a supporter's only while the request is still
    theirs. Refused, a coordinator hears why; anyone else, who was checked just before, that it is closed."""
    assert req.id is not None
    if not await transition(
        session,
        req.id,
        from_states=from_states,
        values=values,
        version=version,
        supporter_id=None if by.is_coordinator or supporter is None else supporter.id,
    ):
        raise await _refused(session, req) if by.is_coordinator else RequestClosed()


async def claim(
    session: AsyncSession,
    *,
    request_id: int,
    supporter: Supporter,
    now: datetime,
    by: Actor,
    version: int | None = None,
) -> HelpRequest:
    """A supporter takes an open request from the group, or a coordinator assigns (or reassigns) it."""
    req = await get(session, request_id)
    if not await transition(
        session,
        request_id,
        from_states=(OPEN, CLAIMED) if by.is_coordinator else (OPEN,),
        values={"status": CLAIMED, "supporter_id": supporter.id, "claimed_at": now},
        version=version,
    ):
        raise await _refused(session, req)
    if by.is_coordinator:
        _record_by(session, req, by, now, "assigned", supporter.name)
    else:
        _record_by(session, req, by, now, "claimed", None)
    return req


async def _check_claimer(session: AsyncSession, req: HelpRequest, by: Actor, supporter: Supporter | None) -> None:
    """A supporter may only change the request they took; a coordinator any request of their districts."""
    if by.is_coordinator:
        return
    if req.status in (DONE, CANCELLED):
        raise RequestClosed()
    if supporter is None or req.status != CLAIMED or req.supporter_id != supporter.id:
        raise NotYours()


async def release(
    session: AsyncSession,
    *,
    request_id: int,
    now: datetime,
    by: Actor,
    supporter: Supporter | None = None,
    version: int | None = None,
) -> tuple[HelpRequest, int | None]:
    """Give a claimed request back to the group; returns it and the id of the supporter who had it."""
    req = await get(session, request_id)
    await _check_claimer(session, req, by, supporter)
    had = req.supporter_id
    await _change_or_raise(
        session,
        req,
        by,
        from_states=(CLAIMED,),
        values={"status": OPEN, "supporter_id": None, "claimed_at": None, "posted_at": now},
        version=version,
        supporter=supporter,
    )
    note = None
    if by.is_coordinator and had is not None:
        before = await session.get(Supporter, had)
        note = before.name if before else None
    _record_by(session, req, by, now, "released", note)
    return req, had


async def complete(
    session: AsyncSession,
    *,
    request_id: int,
    now: datetime,
    by: Actor,
    supporter: Supporter | None = None,
    version: int | None = None,
    note: str | None = None,
) -> HelpRequest:
    """Done: by the supporter who took it, or by a coordinator (an emergency or consultation is 'handled')."""
    req = await get(session, request_id)
    await _check_claimer(session, req, by, supporter)
    await _change_or_raise(
        session,
        req,
        by,
        from_states=(OPEN, CLAIMED) if by.is_coordinator else (CLAIMED,),
        values={"status": DONE, "done_at": now, "closed_at": now},
        version=version,
        supporter=supporter,
    )
    action = "handled" if by.is_coordinator and req.category in SAFETY_LABELS else "done"
    _record_by(session, req, by, now, action, note)
    return req


async def cancel(
    session: AsyncSession,
    *,
    request_id: int,
    now: datetime,
    by: Actor,
    resident: Resident | None = None,
    version: int | None = None,
    note: str | None = None,
) -> tuple[HelpRequest, str]:
    """Cancel, by the resident who asked or by a coordinator; returns the request and its former status
    (whom to tell depends on it)."""
    req = await get(session, request_id)
    if not by.is_coordinator and (resident is None or req.resident_id != resident.id):
        raise NotYours()
    before = req.status
    allowed = (OPEN, CLAIMED) if by.is_coordinator else (DRAFT, HELD, OPEN, CLAIMED)
    await _change_or_raise(
        session,
        req,
        by,
        from_states=(before,) if before in allowed else (),
        values={"status": CANCELLED, "closed_at": now},
        version=version,
    )
    _record_by(session, req, by, now, "cancelled", note)
    return req, before


async def repost(
    session: AsyncSession, *, request_id: int, now: datetime, by: Actor, version: int | None = None
) -> HelpRequest:
    """Post an open request to its group again: the escalation chain starts over."""
    req = await get(session, request_id)
    if not await transition(
        session, request_id, from_states=(OPEN,), values={"posted_at": now, "escalation_level": 0}, version=version
    ):
        raise await _refused(session, req)
    _record_by(session, req, by, now, "reposted", None)
    return req


async def escalate(
    session: AsyncSession, req: HelpRequest, *, now: datetime, action: str, note: str | None = None
) -> bool:
    """One escalation step (reminder, alert, stale question): only if the request is still as the job read it.
    False when it changed meanwhile. The conditional UPDATE also locks the row (PostgreSQL), so a claim racing
    this step waits for it."""
    assert req.id is not None
    if not await transition(
        session,
        req.id,
        from_states=(req.status,),
        values={"escalation_level": req.escalation_level + 1},
        version=req.version,
    ):
        return False
    _record_by(session, req, SYSTEM, now, action, note)
    return True


async def open_for_resident(session: AsyncSession, resident_id: int) -> list[tuple[HelpRequest, Supporter | None]]:
    """The resident's open help requests. Emergencies and consultations are the coordinators' to follow
    up: they are not "looking for a supporter" and must not be cancellable as if they were."""
    rows = (
        await session.exec(
            select(HelpRequest, Supporter)
            .join(Supporter, col(HelpRequest.supporter_id) == col(Supporter.id), isouter=True)
            .where(
                col(HelpRequest.resident_id) == resident_id,
                col(HelpRequest.status).in_((HELD, OPEN, CLAIMED)),
                col(HelpRequest.category).not_in(SAFETY_LABELS),
            )
            .order_by(col(HelpRequest.created_at))
        )
    ).all()
    return list(rows)


async def pending_draft(session: AsyncSession, resident_id: int) -> HelpRequest | None:
    return (
        await session.exec(
            select(HelpRequest)
            .where(col(HelpRequest.resident_id) == resident_id, col(HelpRequest.status) == DRAFT)
            .order_by(col(HelpRequest.id).desc())
        )
    ).first()


async def supporter_counts(session: AsyncSession, supporter_id: int, month_start: datetime) -> tuple[int, int]:
    done = (
        await session.exec(
            select(col(HelpRequest.done_at)).where(
                col(HelpRequest.supporter_id) == supporter_id, col(HelpRequest.status) == DONE
            )
        )
    ).all()
    return sum(1 for d in done if d is not None and d >= month_start), len(done)


async def set_when(
    session: AsyncSession,
    *,
    request_id: int,
    resident: Resident,
    when_date: str | None,
    when_text: str | None,
    when_time: str | None = None,
    when_part: str | None = None,
) -> HelpRequest:
    """The resident's answer to 「いつごろ」 on a draft."""
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    values = {"when_date": when_date, "when_time": when_time, "when_part": when_part, "when_text": when_text}
    if not await transition(session, request_id, from_states=(DRAFT,), values=values):
        raise StaleButton()
    return req


async def set_location(session: AsyncSession, *, request_id: int, lat: float, lng: float, label: str | None) -> None:
    await session.exec(
        update(HelpRequest)
        .where(col(HelpRequest.id) == request_id)
        .values(location_lat=lat, location_lng=lng, location_label=label)
    )


async def latest_active(session: AsyncSession, resident_id: int, since: datetime) -> HelpRequest | None:
    """The resident's most recent draft, open or claimed request made since `since`."""
    return (
        await session.exec(
            select(HelpRequest)
            .where(
                col(HelpRequest.resident_id) == resident_id,
                col(HelpRequest.status).in_((DRAFT, OPEN, CLAIMED)),
                col(HelpRequest.created_at) >= since,
            )
            .order_by(col(HelpRequest.id).desc())
        )
    ).first()


async def recently_done_unthanked(session: AsyncSession, resident_id: int, since: datetime) -> HelpRequest | None:
    """The last request done for this resident since `since` whose thanks were not passed on yet."""
    return (
        await session.exec(
            select(HelpRequest)
            .where(
                col(HelpRequest.resident_id) == resident_id,
                col(HelpRequest.status) == DONE,
                col(HelpRequest.done_at) >= since,
                col(HelpRequest.thanked_at).is_(None),
                col(HelpRequest.supporter_id).is_not(None),
            )
            .order_by(col(HelpRequest.done_at).desc())
        )
    ).first()


async def mark_thanked(session: AsyncSession, *, request_id: int, now: datetime) -> bool:
    """Once per request, even if two thanks race."""
    result = await session.exec(
        update(HelpRequest)
        .where(col(HelpRequest.id) == request_id, col(HelpRequest.thanked_at).is_(None))
        .values(thanked_at=now)
    )
    return bool(result.rowcount)
