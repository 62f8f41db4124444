"""Queries on alerts to coordinators: kept, acknowledged once, repeated once per period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import people
from bot.store.models import CANCELLED, DONE, Alert, District, HelpRequest, LineGroup


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
    # An alert whose request was finished (handled on the dashboard, say) no longer waits for anyone.
    q = (
        select(Alert)
        .join(HelpRequest, col(HelpRequest.id) == col(Alert.request_id), isouter=True)
        .where(
            col(Alert.acknowledged_at).is_(None),
            or_(col(Alert.request_id).is_(None), col(HelpRequest.status).not_in((DONE, CANCELLED))),
        )
        .order_by(col(Alert.id).desc())
    )
    if scope is not None:
        q = q.where(col(Alert.district_code).in_(scope))
    return list((await session.exec(q)).all())


@dataclass(frozen=True)
class Routing:
    """What the dashboard shows in red: where coordinators would not hear of an alert on LINE."""

    unrouted: list[District]  # districts whose alerts reach no coordinators' group at all
    no_city_wide: bool  # no city-wide group: unanswered alerts are not escalated
    removed: list[tuple[LineGroup, str]]  # groups the bot was removed from, with whose they were
    unacknowledged: list[tuple[Alert, str]]  # alerts nobody answered 「対応します」 to, with the district's name


async def routing(session: AsyncSession, scope: frozenset[str] | None) -> Routing:
    missing, city_wide = await people.unrouted_districts(session)
    names = {d.code: d.name for d in (await session.exec(select(District))).all()}
    removed: list[tuple[LineGroup, str]] = []
    for g in (
        await session.exec(
            select(LineGroup).where(col(LineGroup.removed_at).is_not(None), col(LineGroup.active).is_(False))
        )
    ).all():
        served = [g.district_code] if g.district_code else await people.group_districts(session, g.group_id)
        if scope is None or any(c in scope for c in served):
            removed.append((g, "・".join(names.get(c, c) for c in served)))  # "": the city-wide group
    return Routing(
        unrouted=[] if city_wide else [d for d in missing if scope is None or d.code in scope],
        no_city_wide=not city_wide,
        removed=removed,
        unacknowledged=[(a, names.get(a.district_code or "", "")) for a in await unacknowledged(session, scope)],
    )
