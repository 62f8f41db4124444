"""SIGKILL at random moments during a burst: every acknowledged event handled once, every decided
notification sent once. The server runs as a real subprocess; LINE is the emulator; counts are printed."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sqlmodel import select

from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store import people
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import HelpRequest, InboxEvent, OutboxMessage
from tests.conftest import gid, uid
from tests.robustness.process import ServerProcess, deliver_until_acknowledged

RESIDENTS = [uid(1000 + i) for i in range(12)]
GROUP, COORD = gid(10), gid(11)


async def seed(db_url: str) -> None:
    db = Database(db_url)
    await upgrade(db.engine)
    now = SystemClock().now()
    async with db.session() as s:
        await people.add_district(s, code="K01", name="長町", towns=["長町"], now=now)
        await people.bind_group(s, group_id=GROUP, district_code="K01", now=now)
        await people.bind_group(s, group_id=COORD, district_code=None, now=now)
        for i, r in enumerate(RESIDENTS):
            await people.add_resident(s, line_user_id=r, district_code="K01", name=f"住民{i}", now=now)
    await db.dispose()


async def drained(db_url: str, timeout: float = 90) -> tuple[list[InboxEvent], list[OutboxMessage], int]:
    db = Database(db_url)
    try:
        for _ in range(int(timeout * 5)):
            async with db.session() as s:
                inbox = list((await s.exec(select(InboxEvent))).all())
                outbox = list((await s.exec(select(OutboxMessage))).all())
                requests = len((await s.exec(select(HelpRequest))).all())
            if all(e.status != "pending" for e in inbox) and all(o.status != "pending" for o in outbox):
                return inbox, outbox, requests
            await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    raise AssertionError("work never drained after the crashes")


async def test_sigkill_during_a_burst_loses_and_doubles_nothing(
    db_url: str, emu: EmulatorServer, tmp_path: Path
) -> None:
    rng = random.Random(20261128)
    await seed(db_url)
    for r in RESIDENTS:
        emu.add_user(r, "住民")
    server = ServerProcess(db_url=db_url, line_url=emu.url, log=tmp_path / "server.log")
    emu.webhook_url = server.url + "/callback"
    await server.start()
    events = [emu.events.text(RESIDENTS[i % len(RESIDENTS)], f"ゴミ出しを手伝ってほしい（{i}）") for i in range(48)]
    kills = 0

    async def killer() -> None:
        nonlocal kills
        for _ in range(3):
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            server.kill()
            kills += 1
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            await server.start()

    async def burst() -> None:
        # Several residents at once, each resident's messages in order (as LINE delivers them).
        async def one_resident(k: int) -> None:
            for e in events[k :: len(RESIDENTS)]:
                await deliver_until_acknowledged(emu, e)

        await asyncio.gather(*(one_resident(k) for k in range(len(RESIDENTS))))

    try:
        await asyncio.gather(killer(), burst())
        inbox, outbox, requests = await drained(db_url)
    finally:
        server.stop()
    sent = len(events)
    acknowledged = len({e["webhookEventId"] for e in events})
    handled = sum(1 for e in inbox if e.status == "done")
    delivered = sum(len(emu.messages_to(r)) for r in RESIDENTS)
    keys = [d.retry_key for d in emu.deliveries if d.retry_key]
    print(
        f"\nSIGKILL x{kills} ({server.starts} starts): events sent {sent}, acknowledged {acknowledged}, "
        f"stored {len(inbox)}, handled {handled}, requests {requests}, notifications decided {len(outbox)}, "
        f"delivered {delivered}, duplicates {delivered - len(outbox) + len(keys) - len(set(keys))}"
    )
    assert kills == 3
    assert len(inbox) == acknowledged == handled == sent
    assert requests == sent  # each message understood exactly once
    assert all(o.status == "sent" for o in outbox)
    doubled = [(d.to[-4:], d.via, d.seq) for d in emu.deliveries if d.to in RESIDENTS]
    assert delivered == len(outbox) == sent, f"none lost, none doubled: {doubled}"  # one confirmation each
    assert len(keys) == len(set(keys))
    for r in RESIDENTS:
        texts = [str(m) for m in emu.messages_to(r)]
        assert len(texts) == len(events[RESIDENTS.index(r) :: len(RESIDENTS)])
