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
    table = model.__table__  # type: ignore[attr-defined]
    earlier = table.alias("earlier")
    rid, status, lease_until = col(model.id), col(model.status), col(model.lease_until)  # type: ignore[attr-defined]
    head = (
        ~select(earlier.c.id)
        .where(earlier.c[queue.key] == queue, earlier.c.status == "pending", earlier.c.id < rid)
        .exists()
    )
    free = or_(lease_until.is_(None), lease_until < now)
    ids = (await session.exec(select(rid).where(status == "pending", due, free, head).order_by(rid).limit(limit))).all()
    if not ids:
        return []
    until = now + lease
    await session.exec(
        update(model).where(and_(rid.in_(ids), status == "pending", free)).values(lease_owner=owner, lease_until=until)
    )
    rows = await session.exec(
        select(model)
        .where(rid.in_(ids), col(model.lease_owner) == owner, lease_until == until)  # type: ignore[attr-defined]
        .order_by(rid)
    )
    return list(rows.all())
