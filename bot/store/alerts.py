"""Queries on alerts to coordinators: kept, acknowledged once, repeated once per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Alert


async def create(
    session: AsyncSession,
    *,
    kind: str,
    request_id: int | None,
    district_code: str | None,
    routed: bool,
    body: str,
    subject_line_user_id: str | None,
    now: datetime,
) -> Alert:
    alert = Alert(
        kind=kind,
        request_id=request_id,
        district_code=district_code,
        routed=routed,
        body=body,
        subject_line_user_id=subject_line_user_id,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    return alert


async def acknowledge(
    session: AsyncSession,
    *,
    alert_id: int,
    by: str,
    now: datetime,
    line_user_id: str | None = None,
    coordinator_id: int | None = None,
) -> bool:
    """Record who acts on the alert; False when someone already did (the first press wins, races included)."""
    result = await session.exec(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.acknowledged_at).is_(None))
        .values(
            acknowledged_by=by[:100],
            acknowledged_line_user_id=line_user_id,
            acknowledged_coordinator_id=coordinator_id,
            acknowledged_at=now,
        )
    )
    return bool(result.rowcount)


async def open_for_request(session: AsyncSession, request_id: int) -> list[Alert]:
    return list(
        (
            await session.exec(
                select(Alert)
                .where(col(Alert.request_id) == request_id, col(Alert.acknowledged_at).is_(None))
                .order_by(col(Alert.id))
            )
        ).all()
    )


async def step(session: AsyncSession, *, alert_id: int, repeat: int, now: datetime) -> bool:
    """Count repeat number `repeat` once: False if it was counted already or the alert was acknowledged."""
    result = await session.exec(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.repeats) == repeat - 1, col(Alert.acknowledged_at).is_(None))
        .values(repeats=repeat, escalated_at=func.coalesce(col(Alert.escalated_at), now))
    )
    return bool(result.rowcount)


async def unacknowledged(session: AsyncSession, scope: frozenset[str] | None) -> list[Alert]:
    """Alerts nobody has taken yet, newest first; `scope`: only these districts (None: all)."""
    q = select(Alert).where(col(Alert.acknowledged_at).is_(None)).order_by(col(Alert.id).desc())
    if scope is not None:
        q = q.where(col(Alert.district_code).in_(scope))
    return list((await session.exec(q)).all())
