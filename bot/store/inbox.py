"""Queries on the inbox: webhook events stored once, handled once, in order per source."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.direct import DirectConnection
from bot.store.leases import lease_heads, unleased
from bot.store.models import InboxEvent, InboxStatus


def _insert_new(session: AsyncSession) -> Any:
    """INSERT … ON CONFLICT (event_key) DO NOTHING RETURNING event_key: an event already stored (a
    redelivery) is skipped, and the keys returned are those stored now."""
    table = InboxEvent.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return ins.on_conflict_do_nothing(index_elements=["event_key"]).returning(table.c.event_key)


async def insert_requests(session: AsyncSession, requests: Sequence[list[dict[str, Any]]]) -> list[int]:
    """Store the events of several webhook requests at once; returns, per request, how many of its events
    were new. The same event in two requests of one batch counts as new once.

    One statement executed for many parameter sets: SQLAlchemy's "insertmanyvalues" sends them in pages
    of bounded size (within PostgreSQL's parameter limit) and the statement is compiled once, not once per
    row count as `insert().values(rows)` would be.
    """
    everything = [row for rows in requests for row in rows]
    if not everything:
        return [0 for _ in requests]
    conn = await session.connection()
    return _count_new(requests, (await conn.execute(_insert_new(session), everything)).scalars().all())


def _count_new(requests: Sequence[list[dict[str, Any]]], stored: Iterable[Any]) -> list[int]:
    new_keys = {str(k) for k in stored}
    counts = []
    for rows in requests:
        mine = {r["event_key"] for r in rows}
        counts.append(len(mine & new_keys))
        new_keys -= mine
    return counts


# The same INSERT … ON CONFLICT DO NOTHING RETURNING for the edge's direct connection (bot/store/direct.py),
# the whole batch in one parameter: a JSON array of rows for SQLite (WHERE true: without it SQLite would read
# ON CONFLICT as a join's ON), one array per column for PostgreSQL. Rows keep their order, so events of one
# source keep the order of their ids.
_DIRECT_COLUMNS = ("event_key", "source_key", "body", "redelivery", "received_at", "status", "attempts")
_SQLITE_INSERT_NEW = """
INSERT INTO inbox_event (event_key, source_key, body, redelivery, received_at, status, attempts)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
       json_extract(value, '$[6]')
FROM json_each(?) WHERE true ORDER BY key
ON CONFLICT (event_key) DO NOTHING RETURNING event_key"""
_PG_INSERT_NEW = """
INSERT INTO inbox_event (event_key, source_key, body, redelivery, received_at, status, attempts)
SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bool[], $5::timestamptz[],
                     $6::varchar[], $7::int[])
ON CONFLICT (event_key) DO NOTHING RETURNING event_key"""


async def insert_requests_direct(conn: DirectConnection, requests: Sequence[list[dict[str, Any]]]) -> list[int]:
    """`insert_requests` on the edge's direct connection, in a transaction of its own (committed on return)."""
    everything = [row for rows in requests for row in rows]
    if not everything:
        return [0 for _ in requests]
    if conn.sqlite:
        received = _sqlite_datetime()
        table = [
            [
                r["event_key"],
                r["source_key"],
                r["body"],
                int(r["redelivery"]),
                received(r["received_at"]),
                str(r["status"]),
                r["attempts"],
            ]
            for r in everything
        ]
        stored = [k for (k,) in await conn.sqlite_write(_SQLITE_INSERT_NEW, (json.dumps(table, ensure_ascii=False),))]
    else:
        columns = [[r[c] for r in everything] for c in _DIRECT_COLUMNS]
        columns[5] = [str(v) for v in columns[5]]
        stored = [r[0] for r in await conn.pg_fetch(_PG_INSERT_NEW, *columns)]
    return _count_new(requests, stored)


@cache
def _sqlite_datetime() -> Callable[[datetime], str]:
    """How SQLAlchemy stores `received_at` in SQLite, so rows written directly read back like the others."""
    dialect = aiosqlite.dialect()
    column_type = InboxEvent.__table__.c.received_at.type  # type: ignore[attr-defined]
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    return processor  # type: ignore[no-any-return]


async def insert(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Store one request's events; returns how many were new."""
    return (await insert_requests(session, [rows]))[0]


async def claim_heads(
    session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[InboxEvent]:
    """Lease the oldest waiting event of each source; later events of that source wait their turn."""
    due = or_(col(InboxEvent.next_attempt_at).is_(None), col(InboxEvent.next_attempt_at) <= now)
    return await lease_heads(
        session,
        InboxEvent,
        queue=col(InboxEvent.source_key),
        pending=InboxStatus.PENDING,
        due=due,
        owner=owner,
        now=now,
        lease=lease,
        limit=limit,
    )


class LeaseLost(Exception):
    """Another worker took this event over (our lease ran out): our effects must be rolled back."""


async def finish(
    session: AsyncSession,
    *,
    event_id: int,
    owner: str,
    now: datetime,
    status: InboxStatus = InboxStatus.DONE,
    error: str | None = None,
) -> None:
    """Mark one event handled inside its handler's transaction; LeaseLost if another worker has it now."""
    if not (await finish_many(session, [(event_id, status, error)], owner=owner, now=now))[0]:
        raise LeaseLost(event_id)


async def finish_many(
    session: AsyncSession, items: Sequence[tuple[int, InboxStatus, str | None]], *, owner: str, now: datetime
) -> list[bool]:
    """Mark several events handled at once (`(id, status, error)` each); True for each whose lease we still
    held. For events whose handler wrote nothing: their 'done' is all there is to commit."""
    table = InboxEvent.__table__  # type: ignore[attr-defined]
    conn = await session.connection()
    done: set[int] = set()
    by_outcome: dict[tuple[InboxStatus, str | None], list[int]] = {}
    for event_id, status, error in items:
        by_outcome.setdefault((status, error), []).append(event_id)
    for (status, error), ids in by_outcome.items():
        result = await conn.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c.lease_owner == owner, table.c.status == InboxStatus.PENDING)
            .values(status=status, handled_at=now, lease_owner=None, lease_until=None, error=error)
            .returning(table.c.id)
        )
        done |= {int(i) for i in result.scalars().all()}
    return [event_id in done for event_id, _, _ in items]


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
                col(InboxEvent.status) == InboxStatus.PENDING,
                col(InboxEvent.next_attempt_at).is_not(None),
            )
        )
    ).one()


async def claimable(session: AsyncSession, *, now: datetime) -> bool:
    """Whether some pending event is due and not leased: a read, so a worker with nothing to take does not
    open a write transaction (on SQLite, the one write lock the edge's inbox writes wait for)."""
    row = (
        await session.exec(
            select(col(InboxEvent.id))
            .where(
                col(InboxEvent.status) == InboxStatus.PENDING,
                or_(col(InboxEvent.next_attempt_at).is_(None), col(InboxEvent.next_attempt_at) <= now),
                unleased(InboxEvent, now),
            )
            .limit(1)
        )
    ).first()
    return row is not None


async def pending_count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).where(col(InboxEvent.status) == InboxStatus.PENDING))).one())


async def release_owned(session: AsyncSession, *, owner: str) -> None:
    """Hand back what this process leased but did not finish (graceful shutdown): others take it at once."""
    await session.exec(
        update(InboxEvent)
        .where(col(InboxEvent.lease_owner) == owner, col(InboxEvent.status) == InboxStatus.PENDING)
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
