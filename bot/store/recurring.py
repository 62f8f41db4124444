"""Queries on standing arrangements (毎週のお手伝い) and the occurrences they produce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import AlreadyTaken, InvalidInput, NotFound, RequestClosed, StaleButton
from bot.store.models import (
    CLAIMED,
    HelpRequest,
    RecurringHelp,
    RecurringStatus,
    Resident,
    Supporter,
)


def days_of(rec: RecurringHelp) -> list[int]:
    return [int(d) for d in rec.weekdays.split(",") if d]


async def get(session: AsyncSession, recurring_id: int) -> RecurringHelp:
    rec = await session.get(RecurringHelp, recurring_id)
    if rec is None:
        raise NotFound(f"no recurring help #{recurring_id}")
    return rec


async def _move(session: AsyncSession, recurring_id: int, before: str, **values: object) -> bool:
    result = await session.exec(
        update(RecurringHelp)
        .where(col(RecurringHelp.id) == recurring_id, col(RecurringHelp.status) == before)
        .values(**values)
    )
    return bool(result.rowcount)


async def propose(
    session: AsyncSession,
    *,
    resident: Resident,
    category: str,
    days: list[int],
    part: str | None,
    time: str | None,
    text: str,
    masked: str,
    proxy_id: int | None,
    now: datetime,
) -> RecurringHelp:
    assert resident.id is not None
    rec = RecurringHelp(
        resident_id=resident.id,
        district_code=resident.district_code,
        category=category,
        weekdays=",".join(str(d) for d in sorted(set(days))),
        when_part=part,
        when_time=time,
        text=text,
        masked=masked,
        status=RecurringStatus.PROPOSED,
        proxy_id=proxy_id,
        created_at=now,
    )
    session.add(rec)
    await session.flush()
    return rec


async def resident_answer(session: AsyncSession, *, recurring_id: int, resident: Resident, yes: bool) -> RecurringHelp:
    rec = await get(session, recurring_id)
    if rec.resident_id != resident.id:
        raise StaleButton()
    if not await _move(
        session,
        recurring_id,
        RecurringStatus.PROPOSED,
        status=RecurringStatus.PENDING_APPROVAL if yes else RecurringStatus.STOPPED,
    ):
        raise StaleButton()
    await session.refresh(rec)
    return rec


async def approve(session: AsyncSession, *, recurring_id: int, now: datetime) -> RecurringHelp:
    rec = await get(session, recurring_id)
    if not await _move(
        session, recurring_id, RecurringStatus.PENDING_APPROVAL, status=RecurringStatus.ACTIVE, approved_at=now
    ):
        raise InvalidInput(f"recurring help #{recurring_id} is {rec.status}, not waiting for approval")
    await session.refresh(rec)
    return rec


async def stop(session: AsyncSession, *, recurring_id: int, now: datetime) -> RecurringHelp:
    rec = await get(session, recurring_id)
    if rec.status == RecurringStatus.STOPPED:
        raise InvalidInput(f"recurring help #{recurring_id} is already stopped")
    await _move(session, recurring_id, rec.status, status=RecurringStatus.STOPPED, stopped_at=now)
    await session.refresh(rec)
    return rec


async def take(session: AsyncSession, *, recurring_id: int, supporter: Supporter, now: datetime) -> RecurringHelp:
    """The first supporter to press wins; one conditional update, like a request's claim."""
    rec = await get(session, recurring_id)
    result = await session.exec(
        update(RecurringHelp)
        .where(
            col(RecurringHelp.id) == recurring_id,
            col(RecurringHelp.status) == RecurringStatus.ACTIVE,
            col(RecurringHelp.supporter_id).is_(None),
        )
        .values(supporter_id=supporter.id, taken_at=now)
    )
    if not result.rowcount:
        await session.refresh(rec)
        if rec.status != RecurringStatus.ACTIVE:
            raise RequestClosed()
        raise AlreadyTaken()
    await session.refresh(rec)
    return rec


async def create_occurrence(session: AsyncSession, *, rec: RecurringHelp, day: str, now: datetime) -> HelpRequest:
    """One occurrence: a request already taken by the standing supporter."""
    assert rec.id is not None
    req = HelpRequest(
        resident_id=rec.resident_id,
        district_code=rec.district_code,
        category=rec.category,
        status=CLAIMED,
        text=rec.text,
        masked=rec.masked,
        confidence=1.0,
        when_date=day,
        when_time=rec.when_time,
        when_part=rec.when_part,
        supporter_id=rec.supporter_id,
        proxy_id=rec.proxy_id,
        recurring_id=rec.id,
        created_at=now,
        posted_at=now,
        claimed_at=now,
    )
    session.add(req)
    await session.flush()
    return req


async def list_all(session: AsyncSession) -> list[RecurringHelp]:
    return list((await session.exec(select(RecurringHelp).order_by(col(RecurringHelp.id)))).all())


async def held_by(session: AsyncSession, supporter_id: int) -> list[RecurringHelp]:
    """Standing arrangements this supporter took and that still run."""
    rows = await session.exec(
        select(RecurringHelp).where(
            col(RecurringHelp.supporter_id) == supporter_id, col(RecurringHelp.status) == RecurringStatus.ACTIVE
        )
    )
    return list(rows.all())


async def give_back(session: AsyncSession, *, recurring_id: int, supporter_id: int) -> bool:
    """The supporter no longer holds the arrangement (one conditional update: only if they still do)."""
    result = await session.exec(
        update(RecurringHelp)
        .where(col(RecurringHelp.id) == recurring_id, col(RecurringHelp.supporter_id) == supporter_id)
        .values(supporter_id=None, taken_at=None)
    )
    return bool(result.rowcount)
