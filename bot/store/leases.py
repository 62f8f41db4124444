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

# The first look takes a few times `limit` of the oldest pending rows (most of them are heads when many
# queues wait); each further look, needed only when queues with long backlogs fill the front, takes twice
# as many, up to MAX_WINDOW, and a claim stops after MAX_LOOKS.
MIN_WINDOW = 64
MAX_WINDOW = 1024
MAX_LOOKS = 8


def unleased(model: type[SQLModel], now: datetime) -> ColumnElement[bool]:
    """No worker holds the row: never leased, or its lease ran out (the condition every lease is taken on)."""
    lease_until = col(model.lease_until)  # type: ignore[attr-defined]
    return or_(lease_until.is_(None), lease_until < now)


async def lease_heads(
    session: AsyncSession,
    model: type[Row],
    *,
    queue: Any,
    pending: str,
    due: ColumnElement[bool],
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Row]:
    """Lease up to `limit` rows, each the oldest pending row of its queue, that are due and not leased.
    `pending` is the status a waiting row has in `model`.

    The heads are found by reading the oldest pending rows in id order, a window at a time: within such a
    prefix, a queue's first row is its head. A queue whose head is leased or not yet due is skipped whole.
    Done in Python rather than as "no earlier pending row of the same queue" in SQL: PostgreSQL plans that
    from statistics, and with few pending rows in them (the quiet night before a snowy morning) it chose
    plans that compared every waiting row with every other, 0.4 s a claim with 5,000 waiting, so a burst
    stalled the very worker meant to drain it. Reading a window costs the same whatever the plan.
    """
    rid, status = col(model.id), col(model.status)  # type: ignore[attr-defined]
    free = unleased(model, now)
    seen: set[Any] = set()
    ids: list[int] = []
    after = 0
    size = max(MIN_WINDOW, 4 * limit)
    for _ in range(MAX_LOOKS):
        window = (
            await session.exec(
                select(rid, queue, free.label("free"), due.label("due"))
                .where(status == pending, rid > after)
                .order_by(rid)
                .limit(size)
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
        if len(ids) == limit or len(window) < size:
            break
        after = window[-1][0]
        size = min(MAX_WINDOW, size * 2)
    if not ids:
        return []
    # The conditions repeated here are what give a row to exactly one worker: one that leased it (or
    # finished it) since our read makes the row fail them, and it is simply not ours.
    leased = await session.exec(
        update(model)
        .where(and_(rid.in_(ids), status == pending, free))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    return sorted(leased.scalars().all(), key=lambda r: r.id)
