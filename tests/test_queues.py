"""The inbox as a queue per source, on a real database: heads only, in order, each to one worker, and
the group commit that stores and finishes events in shared transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.store import inbox, leases
from bot.store.batch import GroupCommit, in_session
from bot.store.db import Database
from bot.store.direct import DirectConnection
from bot.store.migrate import upgrade
from bot.store.models import InboxEvent, InboxStatus

NOW = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    d = Database(db_url)
    await upgrade(d.engine)
    yield d
    await d.dispose()


def event(key: str, source: str) -> dict[str, Any]:
    return {
        "event_key": key,
        "source_key": source,
        "body": "{}",
        "redelivery": False,
        "received_at": NOW,
        "status": "pending",
        "attempts": 0,
    }


async def claim(db: Database, owner: str, limit: int = 50) -> list[InboxEvent]:
    async with db.session() as s:
        return await inbox.claim_heads(s, owner=owner, now=NOW, lease=LEASE, limit=limit)


async def finish(db: Database, owner: str, rows: list[InboxEvent]) -> None:
    async with db.session() as s:
        done = await inbox.finish_many(s, [(r.id or 0, InboxStatus.DONE, None) for r in rows], owner=owner, now=NOW)
    assert all(done)


async def test_only_each_sources_oldest_event_is_offered_and_in_order(db: Database) -> None:
    async with db.session() as s:
        await inbox.insert(s, [event(f"e{i}", f"U{i % 3}") for i in range(9)])
    order: dict[str, list[str]] = {}
    for _ in range(3):
        rows = await claim(db, "w1")
        assert sorted(r.source_key for r in rows) == ["U0", "U1", "U2"]  # one per source at a time
        assert await claim(db, "w2") == []  # every head is leased: nothing for another worker
        for r in rows:
            order.setdefault(r.source_key, []).append(r.event_key)
        await finish(db, "w1", rows)
    assert order == {"U0": ["e0", "e3", "e6"], "U1": ["e1", "e4", "e7"], "U2": ["e2", "e5", "e8"]}
    assert await claim(db, "w1") == []


async def test_a_source_with_a_long_backlog_does_not_hide_the_others(db: Database) -> None:
    # Regression: heads are found by reading the oldest pending rows a window at a time; one chatty source
    # filling the first windows must not starve a source whose only event comes after them.
    chatty = [event(f"c{i}", "Uchatty") for i in range(leases.MIN_WINDOW + leases.MAX_WINDOW + 5)]
    async with db.session() as s:
        await inbox.insert(s, [*chatty, event("quiet", "Uquiet")])
    first = await claim(db, "w1")
    assert [r.event_key for r in first] == ["c0", "quiet"]
    second = await claim(db, "w2")
    assert second == []  # both heads leased by w1


async def test_racing_workers_never_share_an_event(db: Database) -> None:
    async with db.session() as s:
        await inbox.insert(s, [event(f"e{i}", f"U{i % 40}") for i in range(200)])
    seen: list[str] = []

    async def worker(name: str) -> None:
        while True:
            rows = await claim(db, name, limit=4)
            if not rows:
                async with db.session() as s:
                    if await inbox.pending_count(s) == 0:
                        return
                await asyncio.sleep(0.01)
                continue
            seen.extend(r.event_key for r in rows)
            await finish(db, name, rows)

    await asyncio.wait_for(asyncio.gather(*(worker(f"w{i}") for i in range(4))), timeout=60)
    assert sorted(seen) == sorted(f"e{i}" for i in range(200))  # each once: none lost, none doubled


async def test_finishing_after_losing_the_lease_changes_nothing(db: Database) -> None:
    async with db.session() as s:
        await inbox.insert(s, [event("e0", "U0")])
    rows = await claim(db, "w1")
    async with db.session() as s:
        assert await inbox.finish_many(
            s, [(rows[0].id or 0, InboxStatus.DONE, None)], owner="someone else", now=NOW
        ) == [False]
        status = (await s.exec(select(InboxEvent.status).where(col(InboxEvent.id) == rows[0].id))).one()
    assert status == "pending"


@pytest.mark.parametrize("linger", [0.0, 0.2])
async def test_a_lingering_group_commit_gathers_writes_that_arrive_one_after_another(
    db: Database, linger: float
) -> None:
    """On SQLite a write runs without yielding to the loop (bot/store/db.py), so without a linger each
    item that arrives on its own is a transaction of its own; handling's writers wait a little for company."""
    batches: list[int] = []

    async def write(s: Any, items: Any) -> list[int]:
        batches.append(len(items))
        return [0] * len(items)

    writer: GroupCommit[int, int] = GroupCommit(in_session(db, write), name="test-linger", linger=linger)
    writer.start()
    try:
        pending = []
        for i in range(5):
            pending.append(asyncio.create_task(writer.submit(i)))
            await asyncio.sleep(0.005)  # each arrives once the previous one is already being written
        await asyncio.gather(*pending)
    finally:
        await writer.stop()
    if linger:
        assert batches == [5]
    else:
        assert len(batches) > 1 and sum(batches) == 5


@pytest.fixture(params=["session", "direct"])
async def inbox_commit(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[Any]:
    """Both ways the edge stores events: through a session, or the driver's own connection (the default)."""
    if request.param == "session":
        yield in_session(db, inbox.insert_requests)
        return
    direct = DirectConnection(db)
    yield partial(inbox.insert_requests_direct, direct)
    await direct.close()


async def test_group_commit_counts_each_requests_new_events_once(db: Database, inbox_commit: Any) -> None:
    writer: GroupCommit[list[dict[str, Any]], int] = GroupCommit(inbox_commit, name="test-writer")
    writer.start()
    try:
        # Submitted together, so they share a batch: the event in both requests is new for one of them only.
        counts = await asyncio.gather(
            writer.submit([event("a", "U1"), event("shared", "U1")]),
            writer.submit([event("shared", "U1"), event("b", "U2")]),
            writer.submit([event("a", "U1")]),
        )
        assert sum(counts) == 3 and counts[2] == 0
        assert await writer.submit([event("b", "U2")]) == 0  # a redelivery, later: already stored
    finally:
        await writer.stop()
    assert await writer.submit([event("c", "U3")]) == 1  # stopped: written on its own
    async with db.session() as s:
        assert await inbox.pending_count(s) == 4


async def test_events_stored_directly_read_back_as_those_stored_through_a_session(db: Database) -> None:
    """The direct INSERT (bot/store/direct.py) writes the columns itself: times, flags and statuses must come
    back from the ORM exactly as a session would have stored them, and in the order they arrived."""
    direct = DirectConnection(db)
    when = datetime(2026, 12, 5, 8, 30, 15, 123456, tzinfo=UTC)
    try:
        rows = [
            {**event(f"d{i}", "Uorder"), "received_at": when, "redelivery": i == 1, "body": '{"text":"雪かき"}'}
            for i in range(5)
        ]
        assert await inbox.insert_requests_direct(direct, [rows[:3], rows[3:], rows[:1]]) == [3, 2, 0]
        async with db.session() as s:
            await inbox.insert(s, [{**event("s0", "Uorder"), "received_at": when, "body": '{"text":"雪かき"}'}])
    finally:
        await direct.close()
    async with db.read() as s:
        stored = list((await s.exec(select(InboxEvent).order_by(col(InboxEvent.id)))).all())
    assert [r.event_key for r in stored] == ["d0", "d1", "d2", "d3", "d4", "s0"]
    assert {r.received_at for r in stored} == {when}
    assert [r.redelivery for r in stored] == [False, True, False, False, False, False]
    assert {(r.status, r.attempts, r.body, r.lease_owner) for r in stored} == {
        ("pending", 0, '{"text":"雪かき"}', None)
    }
    rows_claimed = await claim(db, "w1")
    assert [r.event_key for r in rows_claimed] == ["d0"]  # one source: its oldest first


async def test_the_direct_writer_reconnects_after_its_connection_broke(db: Database) -> None:
    """A kept PostgreSQL connection dies with a restart; the next batch opens a fresh one instead of failing.

    The server's notice reaches the idle connection at a moment of its own: a batch may come while asyncpg is
    still taking it in, or after the connection closed. Both happen here, several times each.
    """
    direct = DirectConnection(db)
    rounds = 40
    try:
        assert await inbox.insert_requests_direct(direct, [[event("r0", "U1")]]) == [1]
        for i in range(1, rounds + 1):
            if not db.sqlite:
                assert direct._pg is not None
                pid = direct._pg.get_server_pid()
                async with db.session() as s:  # what a restart does to every backend: ends it
                    await (await s.connection()).execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                    )
                if i % 2 == 0:  # let the backend go away entirely first
                    await _wait_backend_gone(db, pid)
            assert await inbox.insert_requests_direct(direct, [[event(f"r{i}", "U1")]]) == [1]
    finally:
        await direct.close()
    async with db.read() as s:
        assert await inbox.pending_count(s) == rounds + 1


async def _wait_backend_gone(db: Database, pid: int) -> None:
    async def gone() -> bool:
        async with db.read() as s:
            found = await (await s.connection()).execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
            return found.scalar_one() == 0

    async with asyncio.timeout(10):
        while not await gone():
            await asyncio.sleep(0.01)
