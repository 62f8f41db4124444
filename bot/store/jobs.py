"""Queries on scheduled jobs: kept in the database so they survive restarts and run once across processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.job_payloads import JobPayload
from bot.store.leases import unleased
from bot.store.models import Job, JobStatus


async def schedule(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    due_at: datetime,
    payload: JobPayload | None = None,
    replace: bool = False,
) -> None:
    """Add a job once per key. With `replace`, a pending job of that key moves to the new time
    (a merge window that restarts with each new fragment)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Job)
    stmt = ins.values(key=key, kind=kind, due_at=due_at, payload=payload or {}, status=JobStatus.PENDING, attempts=0)
    if replace:
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "due_at": due_at,
                "payload": payload or {},
                "status": JobStatus.PENDING,
                "lease_owner": None,
                "lease_until": None,
                "done_at": None,
            },
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
    await session.exec(stmt)


async def cancel(session: AsyncSession, *, key: str, now: datetime | None = None) -> None:
    """Cancel a pending job. With `now`, a job being run right now (leased) is left alone: a job that
    cancels its own key (the merge window clearing its fragments) must still be able to finish."""
    cond: list[ColumnElement[bool]] = [col(Job.key) == key, col(Job.status) == JobStatus.PENDING]
    if now is not None:
        cond.append(unleased(Job, now))
    await session.exec(update(Job).where(*cond).values(status=JobStatus.CANCELLED))


async def claim_due(session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int) -> list[Job]:
    free = unleased(Job, now)
    ids = (
        await session.exec(
            select(col(Job.id))
            .where(col(Job.status) == JobStatus.PENDING, col(Job.due_at) <= now, free)
            .order_by(col(Job.due_at))
            .limit(limit)
        )
    ).all()
    if not ids:
        return []
    # One conditional UPDATE … RETURNING leases them and reads them back: a job leased by another worker since
    # the read above fails the conditions and is simply not returned.
    leased = await session.exec(
        update(Job)
        .where(and_(col(Job.id).in_(ids), col(Job.status) == JobStatus.PENDING, free))
        .values(lease_owner=owner, lease_until=now + lease, attempts=col(Job.attempts) + 1)
        .returning(Job)
        .execution_options(synchronize_session=False)
    )
    return sorted(leased.scalars().all(), key=lambda j: (j.due_at, j.id or 0))


class JobLeaseLost(Exception):
    pass


async def finish(session: AsyncSession, *, job_id: int, owner: str, now: datetime, due_at: datetime) -> None:
    """Mark done — unless the job was rescheduled meanwhile (its due time moved), then leave it pending."""
    result = await session.exec(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.lease_owner) == owner,
            col(Job.status) == JobStatus.PENDING,
            col(Job.due_at) == due_at,
        )
        .values(status=JobStatus.DONE, done_at=now, lease_owner=None, lease_until=None)
    )
    if result.rowcount != 1:
        raise JobLeaseLost(job_id)


async def release(session: AsyncSession, *, job_id: int, owner: str, retry_at: datetime) -> None:
    await session.exec(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == owner)
        .values(lease_owner=None, lease_until=None, due_at=retry_at)
    )


async def fail(session: AsyncSession, *, job_id: int, owner: str, now: datetime) -> None:
    """Give up on a job for good: it stays, marked failed, for the coordinators' page (never retried)."""
    await session.exec(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == owner, col(Job.status) == JobStatus.PENDING)
        .values(status=JobStatus.FAILED, done_at=now, lease_owner=None, lease_until=None)
    )


async def next_due(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.min(col(Job.due_at))).where(col(Job.status) == JobStatus.PENDING))).one()


async def release_owned(session: AsyncSession, *, owner: str) -> None:
    await session.exec(
        update(Job)
        .where(col(Job.lease_owner) == owner, col(Job.status) == JobStatus.PENDING)
        .values(lease_owner=None, lease_until=None)
    )
