"""Fragments within MESSAGE_MERGE_SECONDS are read as one message; an emergency never waits.
Time is a ManualClock: the window closes only when the test moves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.emulator import EmulatorServer
from bot.store.models import HelpRequest, Job
from tests.conftest import Bot, World, all_text, build_world, make_settings, settled, start_bot

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Kanazawa


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def mbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url, message_merge_seconds=8), clock=clock)
    yield b
    await b.runner.cleanup()


@pytest.fixture
async def mworld(mbot: Bot, emu: EmulatorServer) -> World:
    return await build_world(mbot, emu)


async def move(bot: Bot, clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)
    bot.services.wake_scheduler()


async def test_default_merge_window_is_eight_seconds() -> None:
    assert Settings(_env_file=None).message_merge_seconds == 8  # type: ignore[call-arg]


async def test_four_fragments_make_one_request(
    mbot: Bot, emu: EmulatorServer, mworld: World, clock: ManualClock
) -> None:
    w = mworld
    for i, words in enumerate(["こんにちは", "田中です", "だいどころの", "でんきがつかん"]):
        await emu.send_text(w.resident, words)
        await settled(mbot, handled=i + 1)
        await move(mbot, clock, 3)  # each fragment comes 3 s after the last: within the window
    # 3 s after the last fragment the window is still open: nothing said yet.
    await settled(mbot, handled=4)
    assert emu.messages_to(w.resident) == []
    await move(mbot, clock, 5.5)  # now 8.5 s after the last one
    confirm = (await emu.wait_for_messages(w.resident, 1))[0]
    assert "電球" in all_text(confirm) and "お手伝いですね" in all_text(confirm)
    await settled(mbot)
    assert len(emu.messages_to(w.resident)) == 1
    async with mbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.category == "repair" and req.status == "draft"
    assert req.text == "こんにちは\n田中です\nだいどころの\nでんきがつかん"


async def test_window_is_honoured_to_the_second(
    mbot: Bot, emu: EmulatorServer, mworld: World, clock: ManualClock
) -> None:
    await emu.send_text(mworld.resident, "ゴミ出しを手伝ってほしい")
    await settled(mbot, handled=1)
    async with mbot.db.session() as s:
        job = (await s.exec(select(Job).where(Job.kind == "merge"))).one()
    assert job.due_at == datetime.fromtimestamp(START.timestamp() + 8, UTC)
    await move(mbot, clock, 7.5)
    await settled(mbot)
    assert emu.messages_to(mworld.resident) == []
    await move(mbot, clock, 1)
    assert "ゴミ出し" in all_text((await emu.wait_for_messages(mworld.resident, 1))[0])


async def test_a_gap_longer_than_the_window_makes_two_messages(
    mbot: Bot, emu: EmulatorServer, mworld: World, clock: ManualClock
) -> None:
    w = mworld
    await emu.send_text(w.resident, "こんにちは")
    await settled(mbot, handled=1)
    await move(mbot, clock, 9)
    greeting = all_text((await emu.wait_for_messages(w.resident, 1))[0])
    assert "こんにちは" in greeting and "お手伝いですね" not in greeting
    await move(mbot, clock, 20)
    await emu.send_text(w.resident, "雪すかしをお願いしたいがや")
    await settled(mbot, handled=2)
    await move(mbot, clock, 9)
    confirm = all_text((await emu.wait_for_messages(w.resident, 2))[1])
    assert "雪" in confirm and "お手伝いですね" in confirm
    async with mbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.text == "雪すかしをお願いしたいがや" and req.category == "snow"


async def test_an_emergency_fragment_acts_at_once_with_what_came_before(
    mbot: Bot, emu: EmulatorServer, mworld: World, clock: ManualClock
) -> None:
    w = mworld
    await emu.send_text(w.resident, "たなかです")
    await emu.send_text(w.resident, "こんにちは")
    await emu.send_text(w.resident, "ころんでたてない")
    # No clock move: the emergency answer must not wait for the window.
    reply = (await emu.wait_for_messages(w.resident, 1))[0]
    assert "119" in all_text(reply)
    alert = all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    assert "たなかです" in alert and "こんにちは" in alert and "ころんでたてない" in alert
    async with mbot.db.session() as s:
        pending = (await s.exec(select(Job).where(Job.kind == "merge", col(Job.status) == "pending"))).all()
    assert pending == []
    await move(mbot, clock, 10)
    await settled(mbot)
    assert len(emu.messages_to(w.resident)) == 1  # nothing more: the fragments were not read twice
    assert emu.messages_to(w.group) == []


async def test_a_proxys_fragments_are_merged_for_their_resident(
    mbot: Bot, emu: EmulatorServer, mworld: World, clock: ManualClock
) -> None:
    from tests.conftest import uid
    from tests.test_conversation import cli

    w = mworld
    proxy = uid(301)
    await cli(mbot, "proxy", "add", proxy, "--resident", w.resident, "--relation", "民生委員", "--name", "北村")
    emu.add_user(proxy, "きたむら")
    await emu.send_text(proxy, "金沢さんの家の")
    await emu.send_text(proxy, "草むしりをおねがいしたい")
    await settled(mbot, handled=2)
    await move(mbot, clock, 9)
    ask = all_text((await emu.wait_for_messages(proxy, 1))[0])
    assert "草むしり" in ask and "いつごろ" in ask
    async with mbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.text == "金沢さんの家の\n草むしりをおねがいしたい" and req.proxy_id is not None
    assert emu.messages_to(w.resident) == []
