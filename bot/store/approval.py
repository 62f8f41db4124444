"""Approval of newcomers: a resident who registered on LINE is pending until a coordinator decides.

The decision is one change here plus a job (`DECIDED_JOB`) that the server runs at once: the held requests
are posted (or closed) and the resident told, whether the decision came from the CLI or the dashboard.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.job_payloads import DecidedPayload
from bot.store import jobs
from bot.store.errors import InvalidInput, NotFound
from bot.store.models import APPROVED, DECLINED, PENDING, Resident

DECIDED_JOB = "resident_decided"


async def decide(session: AsyncSession, *, resident: Resident, approve: bool, by: str, now: datetime) -> bool:
    """Approve or decline; False when the resident already stands so (nothing happens twice).

    A declined resident may still be approved later (a mistake undone); an approved one is not declined
    here: their requests are already with supporters (removing a resident is deletion).
    """
    assert resident.id is not None
    target = APPROVED if approve else DECLINED
    if resident.approval == target:
        return False
    if resident.approval == APPROVED:
        raise InvalidInput("this resident is already approved")
    resident.approval = target
    resident.decided_at = now
    resident.decided_by = by.strip()[:100] or None
    session.add(resident)
    stamp = int(now.timestamp() * 1000)
    await jobs.schedule(
        session,
        key=f"decided:{resident.id}:{stamp}",
        kind=DECIDED_JOB,
        due_at=now,
        payload=DecidedPayload(resident_id=resident.id, approved=approve, user=resident.line_user_id),
    )
    return True


async def decide_by_line_id(session: AsyncSession, *, line_user_id: str, approve: bool, by: str, now: datetime) -> bool:
    uid = line_user_id.strip()
    r = (await session.exec(select(Resident).where(col(Resident.line_user_id) == uid))).first()
    if r is None:
        raise NotFound(f"no resident {uid!r}")
    return await decide(session, resident=r, approve=approve, by=by, now=now)


async def pending(session: AsyncSession, scope: frozenset[str] | None) -> list[Resident]:
    """Residents waiting for a decision, oldest first; `scope` the coordinator's districts (None: all)."""
    q = select(Resident).where(col(Resident.approval) == PENDING, col(Resident.active))
    if scope is not None:
        q = q.where(col(Resident.district_code).in_(scope))
    return list((await session.exec(q.order_by(col(Resident.created_at)))).all())
