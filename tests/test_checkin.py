"""Watching over (見守り) with a ManualClock: opt in, the morning question, answers by button or by any
message, a quiet alert when nobody answers in time (never to the district group), and stopping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.emulator import EmulatorServer
from bot.store import checkins
from bot.store.models import Checkin, District
from tests.conftest import Bot, World, all_text, build_world, find_action, make_settings, settled, start_bot

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Kanazawa
EIGHT_JST = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # Wednesday 08:00 in Kanazawa


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def cbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url), clock=clock)
    yield b
    await b.runner.cleanup()


@pytest.fixture
async def cworld(cbot: Bot, emu: EmulatorServer) -> World:
    return await build_world(cbot, emu)


async def until(predicate: Any, what: str) -> None:
    for _ in range(250):
        if await predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def texts_to(emu: EmulatorServer, chat: str, needle: str) -> list[dict[str, Any]]:
    return [m for m in emu.messages_to(chat) if needle in all_text(m)]


async def wait_for(emu: EmulatorServer, chat: str, needle: str, count: int = 1) -> dict[str, Any]:
    async def got() -> bool:
        return len(await texts_to(emu, chat, needle)) >= count

    await until(got, f"{count}× {needle!r} to {chat}")
    return (await texts_to(emu, chat, needle))[-1]


async def go(bot: Bot, clock: ManualClock, when: datetime) -> None:
    clock.set(when)
    bot.services.wake_scheduler()


async def opt_in(emu: EmulatorServer, w: World, frequency: str = "毎日", hour: str = "午前8時") -> str:
    await emu.send_text(w.resident, "見守りをお願いします")
    ask = await wait_for(emu, w.resident, "お声かけ")
    await emu.send_postback(w.resident, find_action([ask], frequency)["data"])
    hours = await wait_for(emu, w.resident, "何時ごろ")
    await emu.send_postback(w.resident, find_action([hours], hour)["data"])
    return all_text(await wait_for(emu, w.resident, "お送りします"))


async def test_daily_checkin_answered_with_the_button(
    cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    started = await opt_in(emu, w)
    assert "毎日、午前8時" in started and "見守りをやめる" in started
    await go(cbot, clock, EIGHT_JST - timedelta(minutes=1))
    await settled(cbot)
    assert await texts_to(emu, w.resident, "。お元気ですか？") == []
    await go(cbot, clock, EIGHT_JST + timedelta(seconds=1))
    question = await wait_for(emu, w.resident, "。お元気ですか？")
    assert "おはようございます。お元気ですか？" in all_text(question)
    button = find_action([question], "元気です")
    await emu.send_postback(w.resident, button["data"])
    await wait_for(emu, w.resident, "お返事ありがとうございます")
    async with cbot.db.session() as s:
        c = (await s.exec(select(Checkin))).one()
    assert c.status == "answered" and c.answered_by == "button"
    # Three hours later nobody is told anything; the next morning brings the next question.
    await go(cbot, clock, EIGHT_JST + timedelta(hours=4))
    await settled(cbot)
    assert emu.messages_to(w.coordinators) == [] and emu.messages_to(w.group) == []
    await go(cbot, clock, EIGHT_JST + timedelta(days=1, seconds=1))
    await wait_for(emu, w.resident, "。お元気ですか？", count=2)


async def test_no_answer_tells_the_coordinators_quietly_and_a_late_word_closes_it(
    cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    await opt_in(emu, w)
    await go(cbot, clock, EIGHT_JST + timedelta(seconds=1))
    await wait_for(emu, w.resident, "。お元気ですか？")
    await go(cbot, clock, EIGHT_JST + timedelta(hours=2, minutes=59))
    await settled(cbot)
    assert emu.messages_to(w.coordinators) == []
    await go(cbot, clock, EIGHT_JST + timedelta(hours=3, seconds=2))
    alert = all_text(await wait_for(emu, w.coordinators, "見守り"))
    assert w.resident_name in alert and w.resident_phone in alert and "3時間" in alert
    await settled(cbot)
    assert emu.messages_to(w.group) == []  # never the whole group
    for who in w.supporters:
        assert emu.messages_to(who) == []
    async with cbot.db.session() as s:
        missed = await checkins.missed_checkins(s, district_codes=[w.district])
        assert [(c.status, r.name) for c, r in missed] == [("missed", w.resident_name)]
        assert await checkins.missed_checkins(s, district_codes=["K02"]) == []
    # Any message answers it, even hours later; whoever was told hears so.
    await emu.send_text(w.resident, "げんきやよ")
    await wait_for(emu, w.coordinators, "お返事がありました")
    async with cbot.db.session() as s:
        c = (await s.exec(select(Checkin))).one()
        assert c.status == "answered" and c.answered_by == "message" and c.missed_at is not None
        assert await checkins.missed_checkins(s) == []
        assert len(await checkins.missed_checkins(s, include_answered_late=True)) == 1


async def test_the_district_lead_is_told_one_to_one_when_configured(
    cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    lead = w.supporters[1]
    async with cbot.db.session() as s:
        d = await s.get(District, w.district)
        assert d is not None
        d.lead_line_user_id, d.checkin_alert_hours = lead, 2
        s.add(d)
    await opt_in(emu, w, "週に1回", "午前10時")
    # Weekly, on the weekday of opting in (Tuesday): the next Tuesday 10:00 JST.
    due = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    await go(cbot, clock, due - timedelta(days=1))
    await settled(cbot)
    assert await texts_to(emu, w.resident, "。お元気ですか？") == []
    await go(cbot, clock, due + timedelta(seconds=1))
    await wait_for(emu, w.resident, "。お元気ですか？")
    await go(cbot, clock, due + timedelta(hours=2, seconds=2))
    alert = all_text(await wait_for(emu, lead, "見守り"))
    assert w.resident_name in alert and "2時間" in alert
    await settled(cbot)
    assert emu.messages_to(w.coordinators) == [] and emu.messages_to(w.group) == []
    assert emu.messages_to(w.supporters[0]) == []


async def test_stopping_ends_the_questions(cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock) -> None:
    w = cworld
    await opt_in(emu, w)
    await emu.send_text(w.resident, "見守りをやめる")
    await wait_for(emu, w.resident, "やめました")
    await go(cbot, clock, EIGHT_JST + timedelta(seconds=1))
    await settled(cbot)
    assert await texts_to(emu, w.resident, "。お元気ですか？") == []
    async with cbot.db.session() as s:
        assert (await s.exec(select(Checkin))).all() == []


async def test_pressing_any_other_button_is_an_answer_too(
    cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    await opt_in(emu, w)
    await go(cbot, clock, EIGHT_JST + timedelta(seconds=1))
    await wait_for(emu, w.resident, "。お元気ですか？")
    # An older quick reply (「毎日」 from opting in) pressed now: the resident is there.
    freq = await wait_for(emu, w.resident, "お声かけ")
    await emu.send_postback(w.resident, find_action([freq], "毎日")["data"])
    await wait_for(emu, w.resident, "何時ごろ", count=2)
    async with cbot.db.session() as s:
        c = (await s.exec(select(Checkin))).one()
    assert c.status == "answered" and c.answered_by == "postback"
    await go(cbot, clock, EIGHT_JST + timedelta(hours=4))
    await settled(cbot)
    assert emu.messages_to(w.coordinators) == []


async def test_a_seven_oclock_checkin_never_arrives_at_nineteen(
    cbot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    """Regression: a check-in set for 7時 arrived at 19時 (the simulator's clock had jumped past it) and the
    alert said 「19時の「お元気ですか？」に…」. A check-in found due that late is skipped, and the words say
    the plan's hour as people say it."""
    from bot.store.models import Job

    w = cworld
    assert "午前7時" in await opt_in(emu, w, hour="午前7時")
    seven = EIGHT_JST - timedelta(hours=1)  # Wednesday 07:00 in Kanazawa
    await go(cbot, clock, seven + timedelta(hours=12))  # the clock jumps to 19:00

    async def skipped() -> bool:
        async with cbot.db.session() as s:
            rows = (await s.exec(select(Job).where(Job.kind == "checkin"))).all()
        done = [r for r in rows if r.status == "done"]
        pending = [r for r in rows if r.status == "pending"]
        return len(done) == 1 and len(pending) == 1 and pending[0].due_at == seven + timedelta(days=1)

    await until(skipped, "the late check-in skipped and the next one planned")
    async with cbot.db.session() as s:
        assert (await s.exec(select(Checkin))).all() == []
    assert await texts_to(emu, w.resident, "。お元気ですか？") == []
    await go(cbot, clock, seven + timedelta(days=1, seconds=1))
    question = await wait_for(emu, w.resident, "。お元気ですか？")
    assert "おはようございます" in all_text(question)
    await go(cbot, clock, seven + timedelta(days=1, hours=3, seconds=2))
    alert = all_text(await wait_for(emu, w.coordinators, "見守り"))
    assert "午前7時" in alert and "19時" not in alert
