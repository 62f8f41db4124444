"""Recurring help: 「毎週月曜と木曜の燃えるごみ」 becomes a standing arrangement, approved by a coordinator,
taken by one supporter, with each next occurrence made by a job (ManualClock) and assigned to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.emulator import EmulatorServer
from bot.flows.recurring import weekdays
from bot.store.models import HelpRequest, Job, RecurringHelp, Supporter
from tests.conftest import Bot, World, actions, all_text, build_world, find_action, make_settings, settled, start_bot
from tests.test_checkin import go, texts_to, wait_for
from tests.test_conversation import cli

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Kanazawa
WED_17_JST = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # notice for Thursday's occurrence


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def rbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url), clock=clock)
    yield b
    await b.runner.cleanup()


@pytest.fixture
async def rworld(rbot: Bot, emu: EmulatorServer) -> World:
    return await build_world(rbot, emu)


def test_weekdays_are_read_from_plain_words() -> None:
    assert weekdays("毎週月曜と木曜の燃えるごみ") == [0, 3]
    assert weekdays("まいしゅう かようびに ごみだしを") == [1]
    assert weekdays("毎週月・木に買い物を") == [0, 3]
    assert weekdays("毎週土日に犬の散歩を") == [5, 6]
    assert weekdays("月曜にごみを出してほしい") == []  # once, not every week
    assert weekdays("毎週お願いしたい") == []


async def test_standing_arrangement_from_words_to_the_next_occurrence(
    rbot: Bot, emu: EmulatorServer, rworld: World, clock: ManualClock
) -> None:
    w = rworld
    await emu.send_text(w.resident, "毎週月曜と木曜の燃えるごみを出してほしい")
    ask = await wait_for(emu, w.resident, "毎週のお願い")
    assert "毎週月曜と木曜のゴミ出し" in all_text(ask)
    await emu.send_postback(w.resident, find_action([ask], "はい")["data"])
    await wait_for(emu, w.resident, "担当者に伝えました")
    pending = all_text(await wait_for(emu, w.coordinators, "承認待ち"))
    assert "/dashboard/recurring/1" in pending and w.resident_name in pending
    assert "sasaeai" not in pending  # coordinators approve on the dashboard, not in a shell
    await settled(rbot)
    assert emu.messages_to(w.group) == []  # nothing for supporters before a coordinator approves

    assert "approved" in (await cli(rbot, "recurring", "approve", "1") or "")
    rbot.services.wake_scheduler()
    post = await wait_for(emu, w.group, "毎週のお手伝い")
    assert "毎週月曜と木曜" in all_text(post) and w.resident_name not in all_text(post)
    await wait_for(emu, w.resident, "担当者が確認しました")

    claim = find_action([post], "引き受け")["data"]
    await asyncio.gather(*(emu.send_postback(s, claim, group_id=w.group) for s in w.supporters))
    await wait_for(emu, w.group, "引き受けました")
    await until_one_winner(emu, w)
    winner = w.supporters[0] if await texts_to(emu, w.supporters[0], "毎週のお手伝い#R1を") else w.supporters[1]
    name = w.supporter_names[w.supporters.index(winner)]
    assert w.resident_address in all_text(await wait_for(emu, winner, "毎週のお手伝い#R1を"))
    await wait_for(emu, w.resident, f"{name}さんが来てくれます")

    # Thursday's occurrence is announced on Wednesday at 17:00, already assigned to the standing supporter.
    await go(rbot, clock, WED_17_JST - timedelta(minutes=1))
    await settled(rbot)
    assert await texts_to(emu, winner, "次の回") == []
    await go(rbot, clock, WED_17_JST + timedelta(seconds=1))
    notice = await wait_for(emu, winner, "次の回")
    assert "12月3日（木）" in all_text(notice)
    await wait_for(emu, w.resident, "いつもの")
    async with rbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        assert req.status == "claimed" and req.when_date == "2026-12-03" and req.recurring_id == 1
        nxt = (await s.exec(select(Job).where(Job.kind == "recur", col(Job.status) == "pending"))).one()
        assert nxt.payload["day"] == "2026-12-07"  # then Monday
    await emu.send_postback(winner, find_action([notice], "完了")["data"])
    await wait_for(emu, w.resident, "終わりました")

    # Stopped: the next notice makes nothing.
    await cli(rbot, "recurring", "stop", "1")
    await go(rbot, clock, datetime(2026, 12, 6, 8, 0, 1, tzinfo=UTC))
    await settled(rbot)
    async with rbot.db.session() as s:
        assert len((await s.exec(select(HelpRequest))).all()) == 1
        assert (await s.exec(select(RecurringHelp))).one().status == "stopped"


async def until_one_winner(emu: EmulatorServer, w: World) -> None:
    for _ in range(250):
        won = [s for s in w.supporters if await texts_to(emu, s, "毎週のお手伝い#R1を")]
        lost = [s for s in w.supporters if await texts_to(emu, s, "ほかの方が先に")]
        if len(won) + len(lost) == 2:
            assert len(won) == 1 and len(lost) == 1
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the race for the standing arrangement did not settle")


async def test_resident_can_say_no(rbot: Bot, emu: EmulatorServer, rworld: World) -> None:
    await emu.send_text(rworld.resident, "毎週水曜に買い物をお願いしたい")
    ask = await wait_for(emu, rworld.resident, "毎週のお願い")
    await emu.send_postback(rworld.resident, find_action([ask], "いいえ")["data"])
    await wait_for(emu, rworld.resident, "お願いはしていません")
    await settled(rbot)
    assert emu.messages_to(rworld.coordinators) == []
    async with rbot.db.session() as s:
        assert (await s.exec(select(RecurringHelp))).one().status == "stopped"


async def test_a_standing_supporter_who_blocks_the_bot_gives_the_arrangement_back(
    rbot: Bot, emu: EmulatorServer, rworld: World
) -> None:
    """Issue 13, no stuck states: a standing arrangement is not left with someone who can no longer come."""
    w = rworld
    await emu.send_text(w.resident, "毎週月曜と木曜の燃えるごみを出してほしい")
    ask = await wait_for(emu, w.resident, "毎週のお願い")
    await emu.send_postback(w.resident, find_action([ask], "はい")["data"])
    await wait_for(emu, w.coordinators, "承認待ち")
    await cli(rbot, "recurring", "approve", "1")
    rbot.services.wake_scheduler()
    post = await wait_for(emu, w.group, "毎週のお手伝い")
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await wait_for(emu, w.supporters[0], "毎週のお手伝い#R1を")
    await settled(rbot)
    await emu.send_unfollow(w.supporters[0])
    told = all_text(await wait_for(emu, w.coordinators, "毎週のお手伝い\n"))
    assert "【担当の解除】" in told and w.supporter_names[0] in told and "/dashboard/recurring/1" in told
    await settled(rbot)
    again = [m for m in emu.messages_to(w.group) if any("引き受け" in a.get("label", "") for a in actions(m))]
    assert len(again) == 2  # posted again for someone else to take
    await emu.send_postback(w.supporters[1], find_action([again[-1]], "引き受け")["data"], group_id=w.group)
    await wait_for(emu, w.supporters[1], "毎週のお手伝い#R1を")
    async with rbot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == w.supporters[1]))).one()
        assert (await s.exec(select(RecurringHelp))).one().supporter_id == sup.id
