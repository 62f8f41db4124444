"""Queries on the outbox: messages decided inside a transaction, sent after it commits.

Each chat is a queue: its messages leave one call at a time, in the order written. Across chats, the
chat holding the most urgent waiting message goes first (bot/store/priority.py), so 119 guidance never
waits behind a backlog of group posts; a chat's urgent message pulls its older ones along rather than
overtaking them. Consecutive messages to one group that wait together share one call (up to LINE's
five messages): the merge is fixed in the database before the call, so a retry sends exactly the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.leases import unleased
from bot.store.models import NO_LINE_PREFIX, OutboxMessage, OutboxStatus, ReplyState
from bot.store.priority import Priority, is_group_chat, priority_of

MAX_MESSAGES_PER_CALL = 5  # LINE's limit for one reply or push
# A reply is free only while its token lasts, so a fresh one may go before older messages of its priority,
# but by a bounded lead: ranked strictly first, fresh replies arriving faster than the sender's free slots
# held a resident's push back for the whole morning (soak, PostgreSQL: "a supporter is coming" waited 96 s
# and counting while replies written after it went out).
FRESH_REPLY_LEAD = timedelta(seconds=10)


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
    priority: Priority | None = None,
) -> list[OutboxMessage]:
    """Queue messages for `to`, in as many rows as LINE's five-per-call limit needs.

    Only the first row may use the reply token: a token answers one call. Nothing is queued for a resident
    with no LINE account: their proxy is told instead by the flow (it pushes to the request's proxy). The
    priority follows from the purpose and the chat unless the caller knows better (a reply carrying 119 guidance).
    """
    rows: list[OutboxMessage] = []
    if to.startswith(NO_LINE_PREFIX):
        return rows
    prio = int(priority if priority is not None else priority_of(purpose, to))
    for i in range(0, len(messages), MAX_MESSAGES_PER_CALL):
        row = OutboxMessage(
            retry_key=str(uuid.uuid4()),
            to=to,
            messages=messages[i : i + MAX_MESSAGES_PER_CALL],
            reply_token=reply_token if i == 0 else None,
            reply_deadline=reply_deadline if i == 0 else None,
            purpose=purpose,
            priority=prio,
            request_id=request_id,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    return rows


@dataclass
class Delivery:
    """One call to LINE: a leased row, and the rows merged into it (their messages follow its own)."""

    row: OutboxMessage
    merged: list[OutboxMessage] = field(default_factory=list)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [m for r in (self.row, *self.merged) for m in r.messages]


async def claim_heads(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    busy: Collection[str] = (),
) -> list[Delivery]:
    """Lease the oldest waiting message of up to `limit` chats, the most urgent chats first.

    A chat counts as urgent as its most urgent waiting message; among equals, the chat waiting longest,
    a fresh reply token counting as FRESH_REPLY_LEAD older (a reply is free only while it lasts). The heads
    are found by grouping all waiting rows by chat over a partial index that holds only them: no window of
    the oldest rows, which starved the chats behind it once a backlog grew past it. A chat whose head is leased or not yet due
    (a retry backing off) waits whole: its later messages never overtake the head. `busy`: chats this
    process has a call in flight to; their heads are skipped even if that call outlived its lease, or the
    same message would be sent twice side by side.
    """
    m = OutboxMessage
    heads = (
        select(
            col(m.to).label("to"),
            func.min(col(m.id)).label("head"),
            func.min(col(m.priority)).label("prio"),
        )
        .where(col(m.status) == OutboxStatus.PENDING)
        .group_by(col(m.to))
        .subquery()
    )
    free = unleased(m, now)
    fresh = case((and_(col(m.reply_token).is_not(None), col(m.reply_deadline) > now), 0), else_=1)
    query = (
        select(col(m.id), heads.c.prio, fresh.label("fresh"), col(m.created_at))
        .join(heads, col(m.id) == heads.c.head)
        .where(col(m.next_attempt_at) <= now, free)
    )
    if busy:
        query = query.where(col(m.to).not_in(list(busy)))
    # The first `limit` in the combined order are among the first `limit` fresh-first and the first `limit`
    # oldest-first (each row ahead of one of them in its list is ahead of it in the combined order too), so
    # two short reads find them without a dialect's date arithmetic in SQL. With no fresh token among the
    # fresh-first ones, no priority they reach holds one, and that read is already the oldest-first one.
    by_token = (
        await session.exec(query.order_by(heads.c.prio, fresh, col(m.created_at), col(m.id)).limit(limit))
    ).all()
    if not by_token:
        return []
    candidates = {r[0]: r for r in by_token}
    if any(r[2] == 0 for r in by_token):
        by_age = query.order_by(heads.c.prio, col(m.created_at), col(m.id)).limit(limit)
        candidates |= {r[0]: r for r in (await session.exec(by_age)).all()}
    ids = [r[0] for r in sorted(candidates.values(), key=_claim_order)[:limit]]
    # The conditions repeated here are what give a row to exactly one worker: one that leased it (or
    # finished it) since our read makes the row fail them, and it is simply not ours.
    leased = await session.exec(
        update(m)
        .where(and_(col(m.id).in_(ids), col(m.status) == OutboxStatus.PENDING, free))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(m)
        .execution_options(synchronize_session=False)
    )
    order = {row_id: i for i, row_id in enumerate(ids)}
    rows = sorted(leased.scalars().all(), key=lambda r: order[r.id or 0])
    return await _merge_followers(session, rows, now=now)


def _claim_order(head: tuple[int | None, int, int, datetime]) -> tuple[int, datetime, int]:
    """(id, prio, fresh, created_at): most urgent first; then the longest waiting, a fresh reply token
    counting as FRESH_REPLY_LEAD older."""
    row_id, prio, fresh, created_at = head
    return (prio, created_at - (FRESH_REPLY_LEAD if fresh == 0 else timedelta(0)), row_id or 0)


def _mergeable(row: OutboxMessage) -> bool:
    """What can share a call: a message to a group that was never tried.

    Replies in a group (the answer to a supporter's tap) take part too: as the carrier, its reply takes the
    posts behind it along for free; behind a post, its message travels in that call and its token is left
    unused. When replies could not take part, every tap in a busy group cut the run of posts short, and on a
    morning of claims most calls carried one message: the groups' queue grew without end (soak, two
    workers: 12,744 posts waiting after 15 minutes). A resident's 1:1 answer is never merged: it leaves alone.
    """
    return is_group_chat(row.to) and row.attempts == 0 and row.reply_state == ReplyState.UNTRIED


async def _merge_followers(session: AsyncSession, rows: list[OutboxMessage], *, now: datetime) -> list[Delivery]:
    """Give each leased group post the posts waiting right after it in its group, up to five messages.

    A carrier is sealed (merged_into = its own id) in this transaction, before any call: a row that may
    already have gone out under its retry key (a crash after the call) must never gain messages, or LINE
    would refuse the retry as a duplicate and the new ones would be lost.

    A follower another worker holds the lease of is on its way already, and is never taken along. It
    happens: ids are handed out when rows are written, not when they commit, so a later post can be
    visible, be its group's head and be leased before an earlier one commits; that earlier one is then the
    head, and the later one right behind it (soak, two workers, 2026-12-06: one group post sent twice, 23
    ms apart). The merge re-checks the lease in its UPDATE, and only what it changed travels.
    """
    m = OutboxMessage
    free = unleased(m, now)
    out = [Delivery(r) for r in rows]
    carriers = {d.row.to: d for d in out if d.row.merged_into is None and _mergeable(d.row)}
    sealed = [d for d in out if d.row.merged_into is not None]
    if carriers:
        ranked = (
            select(m, func.row_number().over(partition_by=col(m.to), order_by=col(m.id)).label("n"))
            .where(col(m.status) == OutboxStatus.PENDING, col(m.to).in_(list(carriers)))
            .subquery()
        )
        followers = (
            await session.exec(
                select(m, free.label("free"))
                .join(ranked, col(m.id) == ranked.c.id)
                .where(ranked.c.n <= MAX_MESSAGES_PER_CALL)
                .order_by(col(m.id))
            )
        ).all()
        taken: dict[int, list[int]] = {}
        stopped: set[str] = set()
        for f, is_free in followers:
            d = carriers[f.to]
            if f.id == d.row.id or f.to in stopped or (f.id or 0) < (d.row.id or 0):
                continue
            if not is_free or not _mergeable(f) or len(d.messages) + len(f.messages) > MAX_MESSAGES_PER_CALL:
                stopped.add(f.to)  # only a run right behind the carrier: nothing overtakes what stays
                continue
            d.merged.append(f)
            taken.setdefault(d.row.id or 0, []).append(f.id or 0)
        merged: set[int] = set()
        for carrier_id, merged_ids in taken.items():
            result = await session.exec(
                update(m)
                .where(col(m.id).in_(merged_ids), col(m.status) == OutboxStatus.PENDING, free)
                .values(status=OutboxStatus.MERGED, merged_into=carrier_id)
                .returning(col(m.id))
                .execution_options(synchronize_session=False)
            )
            merged |= {int(i) for i in result.scalars().all()}
        for d in carriers.values():  # a follower leased since we read it stays out of the call
            d.merged = [f for f in d.merged if f.id in merged]
        await session.exec(
            update(m)
            .where(col(m.id).in_([d.row.id for d in carriers.values()]))
            .values(merged_into=col(m.id))
            .execution_options(synchronize_session=False)
        )
        for d in carriers.values():
            d.row.merged_into = d.row.id
    for d in sealed:
        d.merged = list(
            (
                await session.exec(
                    select(m)
                    .where(col(m.merged_into) == d.row.id, col(m.status) == OutboxStatus.MERGED)
                    .order_by(col(m.id))
                )
            ).all()
        )
    return out


# (id, values, carries): `carries` when rows were merged into it, which then share a final outcome.
Update = tuple[int, dict[str, Any], bool]


async def update_leased(session: AsyncSession, items: Sequence[Update], *, owner: str) -> list[bool]:
    """Apply each update to a message this process still holds the lease of; True where it did.

    A final outcome (sent or failed) is also the outcome of the rows merged into that message.
    """
    out = []
    for row_id, values, carries in items:
        result = await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.lease_owner) == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        done = result.rowcount == 1
        if done and carries and values.get("status") in (OutboxStatus.SENT, OutboxStatus.FAILED):
            fields = ("status", "sent_at", "via", "last_error", "attempts")
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.merged_into) == row_id, col(OutboxMessage.status) == OutboxStatus.MERGED)
                .values(**{k: v for k, v in values.items() if k in fields})
                .execution_options(synchronize_session=False)
            )
        out.append(done)
    return out


async def next_due(session: AsyncSession) -> datetime | None:
    return (
        await session.exec(
            select(func.min(col(OutboxMessage.next_attempt_at))).where(
                col(OutboxMessage.status) == OutboxStatus.PENDING
            )
        )
    ).one()


WAITING = (OutboxStatus.PENDING, OutboxStatus.MERGED)


async def depth(session: AsyncSession) -> int:
    """Messages still to go out (those merged into a waiting call included)."""
    return int((await session.exec(select(func.count()).where(col(OutboxMessage.status).in_(WAITING)))).one())


async def release_owned(session: AsyncSession, *, owner: str) -> None:
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.lease_owner) == owner, col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(lease_owner=None, lease_until=None)
    )
