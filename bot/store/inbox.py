"""Queries on the inbox: webhook events stored once, handled once, in order per source."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.leases import lease_heads
from bot.store.models import InboxEvent


async def insert(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Store events; one already stored (same event_key: a redelivery) is skipped. Returns how many were new."""
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(InboxEvent)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["event_key"])
    result = await session.exec(stmt)
    return int(result.rowcount or 0)


async def insert_returning_keys(session: AsyncSession, rows: list[dict[str, Any]]) -> set[str]:
    """Like `insert`, for a batch gathered from several webhook requests: returns the event keys that were new,
    so each request learns which of its own events were stored now and which were already there."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(InboxEvent)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["event_key"]).returning(col(InboxEvent.event_key))
    result = await session.exec(stmt)
    return {str(k) for k in result.scalars().all()}


async def claim_heads(
    session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[InboxEvent]:
    """Lease the oldest waiting event of each source; later events of that source wait their turn."""
    due = or_(col(InboxEvent.next_attempt_at).is_(None), col(InboxEvent.next_attempt_at) <= now)
    return await lease_heads(
        session, InboxEvent, queue=col(InboxEvent.source_key), due=due, owner=owner, now=now, lease=lease, limit=limit
    )


class LeaseLost(Exception):
    """Another worker took this event over (our lease ran out): our effects must be rolled back."""


async def finish(
    session: AsyncSession, *, event_id: int, owner: str, now: datetime, status: str = "done", error: str | None = None
) -> None:
    result = await session.exec(
        update(InboxEvent)
        .where(
            col(InboxEvent.id) == event_id, col(InboxEvent.lease_owner) == owner, col(InboxEvent.status) == "pending"
        )
        .values(status=status, handled_at=now, lease_owner=None, lease_until=None, error=error)
    )
    if result.rowcount != 1:
        raise LeaseLost(event_id)


async def retry_later(
    session: AsyncSession, *, event_id: int, owner: str, attempts: int, at: datetime, error: str
) -> None:
    await session.exec(
        update(InboxEvent)
        .where(col(InboxEvent.id) == event_id, col(InboxEvent.lease_owner) == owner)
        .values(attempts=attempts, next_attempt_at=at, lease_owner=None, lease_until=None, error=error[:500])
    )


async def next_due(session: AsyncSession) -> datetime | None:
    return (
        await session.exec(
            select(func.min(col(InboxEvent.next_attempt_at))).where(
                col(InboxEvent.status) == "pending",
                col(InboxEvent.next_attempt_at).is_not(None),
            )
        )
    ).one()


async def pending_count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).where(col(InboxEvent.status) == "pending"))).one())


async def release_owned(session: AsyncSession, *, owner: str) -> None:
    """Hand back what this process leased but did not finish (graceful shutdown): others take it at once."""
    await session.exec(
        update(InboxEvent)
        .where(col(InboxEvent.lease_owner) == owner, col(InboxEvent.status) == "pending")
        .values(lease_owner=None, lease_until=None)
    )


async def recent_from(session: AsyncSession, *, source_key: str, since: datetime, up_to_id: int) -> int:
    """How many events this source sent from `since` up to this one (the flood guard's count)."""
    return int(
        (
            await session.exec(
                select(func.count()).where(
                    col(InboxEvent.source_key) == source_key,
                    col(InboxEvent.received_at) >= since,
                    col(InboxEvent.id) <= up_to_id,
                )
            )
        ).one()
    )
