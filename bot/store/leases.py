"""Leasing the head of each queue in a table (inbox events per source, outbox messages per chat).

Only the oldest pending row of a queue is offered, so a queue's rows go one at a time and in order;
different queues go side by side. The conditional UPDATE gives each row to one worker even when
several processes race for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)

# How many of the oldest pending rows one look takes, and how many looks one claim may take.
WINDOW = 512
MAX_WINDOWS = 8


async def lease_heads(
    session: AsyncSession,
    model: type[Row],
    *,
    queue: Any,
    due: ColumnElement[bool],
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Row]:
    """Lease up to `limit` rows, each the oldest pending row of its queue, that are due and not leased.

    The heads are found by reading the oldest pending rows in id order, a window at a time: within such a
    prefix, a queue's first row is its head. A queue whose head is leased or not yet due is skipped whole.
    Done in Python rather than as "no earlier pending row of the same queue" in SQL: PostgreSQL plans that
    from statistics, and with few pending rows in them (the quiet night before a snowy morning) it chose
    plans that compared every waiting row with every other, 0.4 s a claim with 5,000 waiting, so a burst
    stalled the very worker meant to drain it. Reading a window costs the same whatever the plan.
    """
    rid, status, lease_until = col(model.id), col(model.status), col(model.lease_until)  # type: ignore[attr-defined]
    free = or_(lease_until.is_(None), lease_until < now)
    seen: set[Any] = set()
    ids: list[int] = []
    after = 0
    for _ in range(MAX_WINDOWS):
        window = (
            await session.exec(
                select(rid, queue, free.label("free"), due.label("due"))
                .where(status == "pending", rid > after)
                .order_by(rid)
                .limit(WINDOW)
            )
        ).all()
        for row_id, key, is_free, is_due in window:
            if key in seen:
                continue  # not the head of its queue
            seen.add(key)
            if is_free and is_due:
                ids.append(row_id)
                if len(ids) == limit:
                    break
        if len(ids) == limit or len(window) < WINDOW:
            break
        after = window[-1][0]
    if not ids:
        return []
    # The conditions repeated here are what give a row to exactly one worker: one that leased it (or
    # finished it) since our read makes the row fail them, and it is simply not ours.
    leased = await session.exec(
        update(model)
        .where(and_(rid.in_(ids), status == "pending", free))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    return sorted(leased.scalars().all(), key=lambda r: r.id)
