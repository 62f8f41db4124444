"""Queries on the outbox: messages decided inside a transaction, sent after it commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.leases import lease_heads
from bot.store.models import NO_LINE_PREFIX, OutboxMessage

MAX_MESSAGES_PER_CALL = 5  # LINE's limit for one reply or push


def add(
    session: AsyncSession,
    *,
    to: str,
    messages: list[dict[str, Any]],
    now: datetime,
    reply_token: str | None = None,
    reply_deadline: datetime | None = None,
    purpose: str = "",
    request_id: int | None = None,
) -> list[OutboxMessage]:
    """Queue messages for `to`, in as many rows as LINE's five-per-call limit needs.

    Only the first row may use the reply token: a token answers one call. Nothing is queued for a resident
    with no LINE account: their proxy is told instead by the flow (it pushes to the request's proxy).
    """
    rows: list[OutboxMessage] = []
    if to.startswith(NO_LINE_PREFIX):
        return rows
    for i in range(0, len(messages), MAX_MESSAGES_PER_CALL):
        row = OutboxMessage(
            retry_key=str(uuid.uuid4()),
            to=to,
            messages=messages[i : i + MAX_MESSAGES_PER_CALL],
            reply_token=reply_token if i == 0 else None,
            reply_deadline=reply_deadline if i == 0 else None,
            purpose=purpose,
            request_id=request_id,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    return rows


async def claim_heads(
    session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Lease the oldest due message of each recipient (messages to one chat keep their order)."""
    due = col(OutboxMessage.next_attempt_at) <= now
    return await lease_heads(
        session, OutboxMessage, queue=col(OutboxMessage.to), due=due, owner=owner, now=now, lease=lease, limit=limit
    )


async def update_leased(
    session: AsyncSession, items: Sequence[tuple[int, dict[str, Any]]], *, owner: str
) -> list[bool]:
    """Apply each `(id, values)` to a message this process still holds the lease of; True where it did."""
    out = []
    for row_id, values in items:
        result = await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.lease_owner) == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        out.append(result.rowcount == 1)
    return out


async def next_due(session: AsyncSession) -> datetime | None:
    return (
        await session.exec(
            select(func.min(col(OutboxMessage.next_attempt_at))).where(col(OutboxMessage.status) == "pending")
        )
    ).one()


async def depth(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).where(col(OutboxMessage.status) == "pending"))).one())


async def release_owned(session: AsyncSession, *, owner: str) -> None:
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.lease_owner) == owner, col(OutboxMessage.status) == "pending")
        .values(lease_owner=None, lease_until=None)
    )
