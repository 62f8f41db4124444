"""SIGTERM: the server finishes or hands back in-flight work and exits cleanly; nothing is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.emulator import EmulatorServer
from bot.store.db import Database
from bot.store.models import InboxEvent, OutboxMessage
from tests.robustness.process import ServerProcess, deliver_until_acknowledged
from tests.robustness.test_crash import RESIDENTS, seed


async def test_sigterm_finishes_or_hands_back_work(db_url: str, emu: EmulatorServer, tmp_path: Path) -> None:
    await seed(db_url)
    for r in RESIDENTS:
        emu.add_user(r, "住民")
    server = ServerProcess(db_url=db_url, line_url=emu.url, log=tmp_path / "server.log", LEASE_SECONDS="300")
    emu.webhook_url = server.url + "/callback"
    await server.start()
    events = [emu.events.text(r, "明日ゴミ出しを手伝ってほしい") for r in RESIDENTS]
    try:
        await asyncio.gather(*(deliver_until_acknowledged(emu, e) for e in events))
        code = await asyncio.to_thread(server.terminate)  # at once, while the burst is being handled
        assert code == 0, server.log.read_text()[-2000:]
        log = server.log.read_text()
        assert "Traceback" not in log, log[-3000:]
        db = Database(db_url)
        async with db.session() as s:
            held: list[Any] = [e for e in (await s.exec(select(InboxEvent))).all() if e.lease_owner is not None]
            held += [o for o in (await s.exec(select(OutboxMessage))).all() if o.lease_owner is not None]
        await db.dispose()
        assert held == [], "leases must be handed back, not left to expire (LEASE_SECONDS=300 here)"
        await server.start()  # the next process takes what is left at once
        for _ in range(150):
            if all(len(emu.messages_to(r)) == 1 for r in RESIDENTS):
                break
            await asyncio.sleep(0.2)
    finally:
        server.stop()
    assert [len(emu.messages_to(r)) for r in RESIDENTS] == [1] * len(RESIDENTS)
