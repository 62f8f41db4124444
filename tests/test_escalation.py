"""Escalation with an injectable clock: each step once, at the right time, in quiet hours, across a restart,
and with two server processes sharing one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import col, select

from bot.app import create_app
from bot.clock import JST, FileClock, ManualClock
from bot.config import Settings
from bot.emulator import EmulatorServer
from bot.services import SERVICES
from bot.store.db import Database
from bot.store.models import HelpRequest, Job, RequestEvent
from tests.conftest import (
    SECRET,
    TOKEN,
    Bot,
    World,
    actions,
    all_text,
    build_world,
    find_action,
    make_settings,
    settled,
    settled_db,
)

# 10:00 in Kanazawa on a weekday: well outside the default quiet hours (21:00–07:00).
MORNING = datetime(2026, 12, 2, 10, 0, tzinfo=JST).astimezone(UTC)
EVENING = datetime(2026, 12, 2, 20, 30, tzinfo=JST).astimezone(UTC)
REMINDER = "まだ引き受け手がいません"
ALERT = "【未対応】"


async def start(emu: EmulatorServer, settings: Settings, clock: ManualClock) -> Bot:
    app = create_app(settings, clock=clock)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    emu.webhook_url = f"http://127.0.0.1:{port}/callback"
    return Bot(url=f"http://127.0.0.1:{port}", services=app[SERVICES], runner=runner)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING)


@pytest.fixture
async def cbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start(emu, make_settings(emu, db_url, scheduler_interval_seconds=0.2), clock)
    yield b
    await b.runner.cleanup()


async def settle(bot: Bot, clock: ManualClock) -> None:
    """Let the scheduler run whatever is due by the clock, and the sender deliver it."""
    await settled(bot)


async def advance(bot: Bot, clock: ManualClock, to: datetime) -> None:
    clock.set(to)
    await settle(bot, clock)


def count(emu: EmulatorServer, chat: str, words: str) -> int:
    return sum(1 for m in emu.messages_to(chat) if words in all_text(m))


async def confirm(emu: EmulatorServer, resident: str, words: str, group: str) -> dict:
    """The resident writes, answers 「いつでもいい」 if asked when, and presses はい; returns the group's post."""
    seen = len(emu.messages_to(resident))
    posts = len(emu.messages_to(group))
    await emu.send_text(resident, words)
    for _ in range(6):
        msgs = await emu.wait_for_messages(resident, seen + 1)
        fresh, seen = msgs[seen:], len(msgs)
        if yes := [a for m in fresh for a in actions(m) if a.get("label", "").startswith("はい")]:
            await emu.send_postback(resident, yes[-1]["data"])
            await emu.wait_for_messages(resident, seen + 1)  # 「お願いしました」: nothing of this one left in flight
            return (await emu.wait_for_messages(group, posts + 1))[-1]
        if anytime := [a for m in fresh for a in actions(m) if "いつでも" in a.get("label", "")]:
            await emu.send_postback(resident, anytime[-1]["data"])
    raise AssertionError(f"no confirmation came: {emu.messages_to(resident)[-3:]}")


async def post_request(emu: EmulatorServer, w: World, words: str = "ゴミ出しを手伝ってほしい") -> dict:
    return await confirm(emu, w.resident, words, w.group)


async def timeline(bot: Bot) -> list[str]:
    async with bot.db.session() as s:
        return [e.action for e in (await s.exec(select(RequestEvent).order_by(col(RequestEvent.id)))).all()]


async def test_reminder_then_alert_each_once_at_the_right_time(
    cbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    w = await build_world(cbot, emu)
    await post_request(emu, w)
    await advance(cbot, clock, MORNING + timedelta(minutes=59))
    assert count(emu, w.group, REMINDER) == 0
    await advance(cbot, clock, MORNING + timedelta(minutes=61))
    assert count(emu, w.group, REMINDER) == 1
    # The reminder carries the take button again, and no personal data.
    reminder = emu.messages_to(w.group)[-2:]
    assert find_action(reminder, "引き受け")
    assert w.resident_name not in str(reminder) and w.resident_phone not in str(reminder)
    assert count(emu, w.coordinators, ALERT) == 0
    await advance(cbot, clock, MORNING + timedelta(minutes=179))
    assert count(emu, w.coordinators, ALERT) == 0
    await advance(cbot, clock, MORNING + timedelta(minutes=181))
    assert count(emu, w.coordinators, ALERT) == 1
    assert "/dashboard/requests/" in all_text(emu.messages_to(w.coordinators)[-1])
    await advance(cbot, clock, MORNING + timedelta(days=3))
    assert count(emu, w.group, REMINDER) == 1 and count(emu, w.coordinators, ALERT) == 1
    async with cbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        assert req.escalation_level == 2
    assert (await timeline(cbot))[-2:] == ["reminded", "alerted"]


async def test_quiet_hours_hold_the_reminder_till_morning_not_the_alert(
    cbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    clock.set(EVENING)
    w = await build_world(cbot, emu)
    await post_request(emu, w)
    await advance(cbot, clock, EVENING + timedelta(minutes=61))  # 21:31: quiet
    assert count(emu, w.group, REMINDER) == 0
    await advance(cbot, clock, EVENING + timedelta(minutes=181))  # 23:31: coordinators still hear
    assert count(emu, w.coordinators, ALERT) == 1
    morning = datetime(2026, 12, 3, 7, 0, tzinfo=JST).astimezone(UTC)
    await advance(cbot, clock, morning - timedelta(minutes=1))
    assert count(emu, w.group, REMINDER) == 0
    await advance(cbot, clock, morning + timedelta(seconds=1))
    assert count(emu, w.group, REMINDER) == 1
    await advance(cbot, clock, morning + timedelta(hours=5))
    assert count(emu, w.group, REMINDER) == 1


async def test_a_claimed_request_gets_no_reminder_but_a_stale_claim_is_chased(
    cbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    w = await build_world(cbot, emu)
    post = await post_request(emu, w)
    clock.set(MORNING + timedelta(minutes=10))
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)
    await advance(cbot, clock, MORNING + timedelta(hours=5))
    assert count(emu, w.group, REMINDER) == 0 and count(emu, w.coordinators, ALERT) == 0
    # 48 hours after the claim (10:10 two days later, not quiet): the supporter is asked, once.
    await advance(cbot, clock, MORNING + timedelta(minutes=10, hours=48, seconds=1))
    asked = [m for m in emu.messages_to(w.supporters[0]) if "いかがでしょうか" in all_text(m)]
    assert len(asked) == 1 and find_action(asked, "完了")
    assert count(emu, w.coordinators, "【要確認】") == 0
    await advance(cbot, clock, MORNING + timedelta(minutes=10, hours=60, seconds=2))
    assert count(emu, w.coordinators, "【要確認】") == 1
    assert w.supporter_names[0] in all_text(emu.messages_to(w.coordinators)[-1])
    await advance(cbot, clock, MORNING + timedelta(days=10))
    assert count(emu, w.coordinators, "【要確認】") == 1
    assert len([m for m in emu.messages_to(w.supporters[0]) if "いかがでしょうか" in all_text(m)]) == 1
    assert (await timeline(cbot))[-2:] == ["stale_asked", "stale_alerted"]


async def test_done_before_the_reminder_gets_nothing_and_unresolved_lists_what_is_open(
    cbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    w = await build_world(cbot, emu)
    post = await post_request(emu, w)
    await post_request(emu, w, "買い物に行ってもらえんけ")
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = await emu.wait_for_messages(w.supporters[0], 1)
    await emu.send_postback(w.supporters[0], find_action(details, "完了")["data"])
    await emu.wait_for_messages(w.resident, 6)
    await advance(cbot, clock, MORNING + timedelta(minutes=61))
    assert count(emu, w.group, REMINDER) == 1  # only the second, still-open request
    assert "#2" in all_text(emu.messages_to(w.group)[-2]) or "#2" in all_text(emu.messages_to(w.group)[-1])
    # 「未解決」 in the coordinators' group lists what is open: the second request, not the first.
    await emu.send_text(w.supporters[1], "未解決", group_id=w.coordinators)
    listing = all_text((await emu.wait_for_messages(w.coordinators, 1))[-1])
    assert "未解決 1件" in listing and "買い物" in listing and "ゴミ出し" not in listing


async def test_escalation_survives_a_restart(emu: EmulatorServer, db_url: str) -> None:
    clock = ManualClock(MORNING)
    settings = make_settings(emu, db_url, scheduler_interval_seconds=0.2)
    first = await start(emu, settings, clock)
    w = await build_world(first, emu)
    await post_request(emu, w)
    await first.runner.cleanup()  # stopped before anything was due
    later = ManualClock(MORNING + timedelta(minutes=90))
    second = await start(emu, settings, later)
    try:
        await settle(second, later)
        assert count(emu, w.group, REMINDER) == 1
        await advance(second, later, MORNING + timedelta(hours=4))
        assert count(emu, w.group, REMINDER) == 1 and count(emu, w.coordinators, ALERT) == 1
    finally:
        await second.runner.cleanup()


# --- Two server processes on one PostgreSQL ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(timeout * 10)):
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}")
            try:
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("server did not become ready")


def write_clock(path: Path, when: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(when.isoformat())
    os.replace(tmp, path)


async def test_two_processes_on_postgresql_remind_and_alert_once(
    emu: EmulatorServer, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes share one PostgreSQL, not one SQLite file")
    clock_file = tmp_path / "clock"
    write_clock(clock_file, MORNING)
    env = {
        **os.environ,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": emu.url,
        "DATABASE_URL": db_url,
        "SASAEAI_CLOCK": f"file:{clock_file}",
        "MESSAGE_MERGE_SECONDS": "0",
        "SCHEDULER_INTERVAL_SECONDS": "0.1",
        "LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(p)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    db = Database(db_url)
    try:
        await asyncio.gather(
            *(wait_healthy(f"http://127.0.0.1:{p}", proc) for p, proc in zip(ports, procs, strict=True))
        )
        emu.webhook_url = f"http://127.0.0.1:{ports[0]}/callback"
        w = await build_world(Bot(url="", services=_Only(db, FileClock(clock_file)), runner=None), emu)  # type: ignore[arg-type]
        await post_request(emu, w)
        # The test reads the servers' clock file too, so "due" means the same thing here and there.
        files_clock = FileClock(clock_file)
        write_clock(clock_file, MORNING + timedelta(minutes=61))
        await settled_db(db, files_clock)
        assert count(emu, w.group, REMINDER) == 1
        write_clock(clock_file, MORNING + timedelta(minutes=181))
        await settled_db(db, files_clock)
        assert count(emu, w.coordinators, ALERT) == 1
        write_clock(clock_file, MORNING + timedelta(hours=8))
        await settled_db(db, files_clock)
        assert count(emu, w.group, REMINDER) == 1 and count(emu, w.coordinators, ALERT) == 1
        async with db.session() as s:
            owners = {j.lease_owner for j in (await s.exec(select(Job))).all()}
            assert (await s.exec(select(HelpRequest))).one().escalation_level == 2
        assert owners == {None}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        await db.dispose()


class _Only:
    """Just enough of Services for build_world (the database, and the clock that stamps the rows)."""

    def __init__(self, db: Database, clock: FileClock) -> None:
        self.db = db
        self.clock = clock
