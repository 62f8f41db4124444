"""Queries on watching over (見守り): residents' check-in plans and each 「お元気ですか？」 sent.

For the coordinators' dashboard: `missed_checkins()` lists check-ins nobody answered in time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Checkin, CheckinPlan, CheckinStatus, Resident


async def plan_for(session: AsyncSession, resident_id: int) -> CheckinPlan | None:
    return (await session.exec(select(CheckinPlan).where(CheckinPlan.resident_id == resident_id))).first()


async def set_plan(
    session: AsyncSession, *, resident_id: int, frequency: str, weekday: int | None, hour: int, now: datetime
) -> CheckinPlan:
    plan = await plan_for(session, resident_id)
    if plan is None:
        plan = CheckinPlan(
            resident_id=resident_id, frequency=frequency, weekday=weekday, hour=hour, created_at=now, updated_at=now
        )
    else:
        plan.frequency, plan.weekday, plan.hour, plan.active, plan.updated_at = frequency, weekday, hour, True, now
    session.add(plan)
    await session.flush()
    return plan


async def stop_plan(session: AsyncSession, *, resident_id: int, now: datetime) -> bool:
    result = await session.exec(
        update(CheckinPlan)
        .where(col(CheckinPlan.resident_id) == resident_id, col(CheckinPlan.active))
        .values(active=False, updated_at=now)
    )
    return bool(result.rowcount)


async def create(session: AsyncSession, *, resident: Resident, now: datetime, deadline: datetime) -> Checkin:
    assert resident.id is not None
    c = Checkin(resident_id=resident.id, district_code=resident.district_code, sent_at=now, deadline_at=deadline)
    session.add(c)
    await session.flush()
    return c


async def open_for_resident(session: AsyncSession, resident_id: int) -> list[Checkin]:
    """Check-ins still waiting for the resident's word (sent, or missed and someone told)."""
    return list(
        (
            await session.exec(
                select(Checkin).where(
                    Checkin.resident_id == resident_id,
                    col(Checkin.status).in_((CheckinStatus.SENT, CheckinStatus.MISSED)),
                )
            )
        ).all()
    )


async def answer(session: AsyncSession, *, checkin_id: int, by: str, now: datetime) -> str | None:
    """Close a check-in; returns the status it had (None if it was already answered). Conditional, so a
    button and a message arriving together close it once."""
    c = await session.get(Checkin, checkin_id)
    if c is None or c.status not in (CheckinStatus.SENT, CheckinStatus.MISSED):
        return None
    before = c.status
    result = await session.exec(
        update(Checkin)
        .where(col(Checkin.id) == checkin_id, col(Checkin.status) == before)
        .values(status=CheckinStatus.ANSWERED, answered_at=now, answered_by=by)
    )
    return before if result.rowcount else None


async def mark_missed(session: AsyncSession, *, checkin_id: int, now: datetime, alerted_to: str | None) -> bool:
    result = await session.exec(
        update(Checkin)
        .where(col(Checkin.id) == checkin_id, col(Checkin.status) == CheckinStatus.SENT)
        .values(status=CheckinStatus.MISSED, missed_at=now, alerted_to=alerted_to)
    )
    return bool(result.rowcount)


async def missed_checkins(
    session: AsyncSession,
    *,
    district_codes: list[str] | None = None,
    since: datetime | None = None,
    include_answered_late: bool = False,
) -> list[tuple[Checkin, Resident]]:
    """Check-ins nobody answered within the district's hours, newest first, with the resident.

    By default only those still unanswered (status missed); with `include_answered_late`, also those
    answered after someone was told (status answered with `missed_at` set). `district_codes` None: all.
    """
    cond: list[ColumnElement[bool]] = [col(Checkin.missed_at).is_not(None)]
    if not include_answered_late:
        cond.append(col(Checkin.status) == CheckinStatus.MISSED)
    if district_codes is not None:
        cond.append(col(Checkin.district_code).in_(district_codes))
    if since is not None:
        cond.append(col(Checkin.sent_at) >= since)
    rows = await session.exec(
        select(Checkin, Resident)
        .join(Resident, col(Checkin.resident_id) == Resident.id)
        .where(*cond)
        .order_by(col(Checkin.sent_at).desc())
    )
    return list(rows.all())
