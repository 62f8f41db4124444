"""Queries on help requests: their life from draft to done, each change recorded on the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.nlp.types import SAFETY_LABELS, Analysis
from bot.store.errors import AlreadyTaken, NotFound, NotYours, RequestClosed, StaleButton
from bot.store.models import CANCELLED, CLAIMED, DONE, DRAFT, OPEN, HelpRequest, RequestEvent, Resident, Supporter


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


async def _transition(
    session: AsyncSession, request_id: int, *, from_states: tuple[str, ...], values: dict[str, Any], extra: Any = None
) -> bool:
    """A conditional UPDATE: the state check and the change are one statement, so two racing
    callers cannot both succeed (no read-then-write), on SQLite and PostgreSQL alike."""
    cond = [col(HelpRequest.id) == request_id, col(HelpRequest.status).in_(from_states)]
    if extra is not None:
        cond.append(extra)
    result = await session.exec(update(HelpRequest).where(*cond).values(**values, version=col(HelpRequest.version) + 1))
    return bool(result.rowcount)


async def confirm(session: AsyncSession, *, request_id: int, resident: Resident, now: datetime) -> HelpRequest:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    if not await _transition(session, request_id, from_states=(DRAFT,), values={"status": OPEN, "posted_at": now}):
        raise StaleButton()
    record(
        session,
        request_id=request_id,
        at=now,
        actor_kind="resident",
        actor_id=resident.line_user_id,
        action="confirmed",
    )
    await session.refresh(req)
    return req


async def set_category(session: AsyncSession, *, request_id: int, resident: Resident, category: str) -> HelpRequest:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    if not await _transition(session, request_id, from_states=(DRAFT,), values={"category": category}):
        raise StaleButton()
    await session.refresh(req)
    return req


async def drop_draft(session: AsyncSession, *, request_id: int, resident: Resident, now: datetime, action: str) -> None:
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    if not await _transition(session, request_id, from_states=(DRAFT,), values={"status": CANCELLED, "closed_at": now}):
        raise StaleButton()
    record(session, request_id=request_id, at=now, actor_kind="resident", actor_id=resident.line_user_id, action=action)


async def claim(session: AsyncSession, *, request_id: int, supporter: Supporter, now: datetime) -> HelpRequest:
    req = await get(session, request_id)
    if not await _transition(
        session,
        request_id,
        from_states=(OPEN,),
        values={"status": CLAIMED, "supporter_id": supporter.id, "claimed_at": now},
    ):
        await session.refresh(req)
        if req.status in (DONE, CANCELLED):
            raise RequestClosed()
        raise AlreadyTaken()
    record(
        session,
        request_id=request_id,
        at=now,
        actor_kind="supporter",
        actor_id=supporter.line_user_id,
        action="claimed",
    )
    await session.refresh(req)
    return req


async def _by_claimer(session: AsyncSession, request_id: int, supporter: Supporter) -> HelpRequest:
    req = await get(session, request_id)
    if req.status in (DONE, CANCELLED):
        raise RequestClosed()
    if req.status != CLAIMED or req.supporter_id != supporter.id:
        raise NotYours()
    return req


async def _by_claimer_transition(
    session: AsyncSession, *, request_id: int, supporter: Supporter, now: datetime, values: dict[str, Any], action: str
) -> HelpRequest:
    """A change only the supporter who took the request may make, recorded on its timeline."""
    req = await _by_claimer(session, request_id, supporter)
    if not await _transition(
        session, request_id, from_states=(CLAIMED,), values=values, extra=col(HelpRequest.supporter_id) == supporter.id
    ):
        raise RequestClosed()
    record(
        session, request_id=request_id, at=now, actor_kind="supporter", actor_id=supporter.line_user_id, action=action
    )
    await session.refresh(req)
    return req


async def complete(session: AsyncSession, *, request_id: int, supporter: Supporter, now: datetime) -> HelpRequest:
    return await _by_claimer_transition(
        session,
        request_id=request_id,
        supporter=supporter,
        now=now,
        values={"status": DONE, "done_at": now, "closed_at": now},
        action="done",
    )


async def release(session: AsyncSession, *, request_id: int, supporter: Supporter, now: datetime) -> HelpRequest:
    return await _by_claimer_transition(
        session,
        request_id=request_id,
        supporter=supporter,
        now=now,
        values={"status": OPEN, "supporter_id": None, "claimed_at": None, "posted_at": now},
        action="released",
    )


async def release_unfinishable(
    session: AsyncSession, *, request_id: int, supporter: Supporter, reason: str, now: datetime
) -> HelpRequest:
    """Take a request back from a supporter who cannot finish it (left the group, blocked the bot, suspended):
    open again, posted anew. The system acts, so the timeline says why rather than who."""
    req = await get(session, request_id)
    if not await _transition(
        session,
        request_id,
        from_states=(CLAIMED,),
        values={"status": OPEN, "supporter_id": None, "claimed_at": None, "posted_at": now},
        extra=col(HelpRequest.supporter_id) == supporter.id,
    ):
        raise RequestClosed()
    record(
        session, request_id=request_id, at=now, actor_kind="system", actor_id=None, action="auto_released", note=reason
    )
    await session.refresh(req)
    return req


async def cancel_by_resident(
    session: AsyncSession, *, request_id: int, resident: Resident, now: datetime
) -> tuple[HelpRequest, str]:
    """Cancel; returns the request as it was before, and its former status (whom to tell depends on it)."""
    req = await get(session, request_id)
    if req.resident_id != resident.id:
        raise NotYours()
    before = req.status
    if not await _transition(
        session,
        request_id,
        from_states=(before,) if before in (DRAFT, OPEN, CLAIMED) else (),
        values={"status": CANCELLED, "closed_at": now},
    ):
        raise RequestClosed()
    record(
        session,
        request_id=request_id,
        at=now,
        actor_kind="resident",
        actor_id=resident.line_user_id,
        action="cancelled",
    )
    return req, before


async def open_for_resident(session: AsyncSession, resident_id: int) -> list[tuple[HelpRequest, Supporter | None]]:
    """The resident's open help requests. Emergencies and consultations are the coordinators' to follow
    up: they are not "looking for a supporter" and must not be cancellable as if they were."""
    rows = (
        await session.exec(
            select(HelpRequest, Supporter)
            .join(Supporter, col(HelpRequest.supporter_id) == col(Supporter.id), isouter=True)
            .where(
                col(HelpRequest.resident_id) == resident_id,
                col(HelpRequest.status).in_((OPEN, CLAIMED)),
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
    if not await _transition(session, request_id, from_states=(DRAFT,), values=values):
        raise StaleButton()
    await session.refresh(req)
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
