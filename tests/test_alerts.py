"""Issue 13: district coordinators' groups, alerts that are kept and acknowledged (「対応します」), repeated and
escalated when nobody answers, with an injectable clock; through the webhook on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.clock import JST, ManualClock
from bot.emulator import EmulatorServer
from bot.store import jobs, people
from bot.store.models import Alert, Job, RequestEvent
from tests.conftest import (
    Bot,
    World,
    actions,
    all_text,
    build_world,
    find_action,
    gid,
    make_settings,
    settled,
    start_bot,
    uid,
    wait_text,
)
from tests.test_safety import POSSIBLE_JOB, _possible

MORNING = datetime(2026, 12, 2, 10, 0, tzinfo=JST).astimezone(UTC)
ACK_SECONDS = 600
EMERGENCY = "ころんでたてない　たすけて"
K01_COORDS = gid(3)  # 長町's own coordinators' group
COORDINATOR, COORDINATOR_NAME = uid(301), "小林"
OTHER_COORDINATOR, OTHER_NAME = uid(302), "中村"
CITY_COORDINATOR, CITY_NAME = uid(303), "市の森"
K02_RESIDENT, K02_NAME, K02_ADDRESS, K02_PHONE = uid(110), "北村とし子", "金沢市菊川1丁目2-3", "076-999-0001"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING)


@pytest.fixture
async def abot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    # the stand-in for the analyzer's "not sure" (tests.test_safety) is one of this bot's jobs
    b = await start_bot(
        emu, make_settings(emu, db_url, scheduler_interval_seconds=0.2), clock=clock, jobs={POSSIBLE_JOB: _possible}
    )
    yield b
    await b.runner.cleanup()


async def city(bot: Bot, emu: EmulatorServer) -> World:
    """Two districts: 長町 (K01) with its own coordinators' group, 菊川 (K02) without; one city-wide group."""
    w = await build_world(bot, emu)
    now = bot.services.clock.now()
    async with bot.db.session() as s:
        await people.bind_coordinators(s, group_id=K01_COORDS, districts=["K01"], now=now)
        await people.add_resident(
            s,
            line_user_id=K02_RESIDENT,
            district_code="K02",
            name=K02_NAME,
            town="菊川",
            address=K02_ADDRESS,
            phone=K02_PHONE,
            now=now,
        )
    emu.add_user(K02_RESIDENT, K02_NAME)
    for u, name in ((COORDINATOR, COORDINATOR_NAME), (OTHER_COORDINATOR, OTHER_NAME), (CITY_COORDINATOR, CITY_NAME)):
        emu.add_user(u, name)
    emu.add_group(K01_COORDS, "長町の担当者", members=[COORDINATOR, OTHER_COORDINATOR])
    emu.add_group(w.coordinators, "市の担当者", members=[CITY_COORDINATOR])
    return w


@pytest.fixture
async def cworld(abot: Bot, emu: EmulatorServer) -> World:
    return await city(abot, emu)


def readable(message: dict[str, Any]) -> str:
    """What a person sees: the texts, then the buttons as [label → where]."""
    if message.get("type") == "text":
        return str(message["text"])
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                lines.append(node["text"])
            elif node.get("type") == "button":
                a = node["action"]
                lines.append(f"[{a['label']}" + (f" → {a['uri']}]" if "uri" in a else "]"))
                return
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message.get("contents"))
    return "\n".join(lines)


def texts(emu: EmulatorServer, chat: str) -> list[str]:
    return [all_text(m) for m in emu.messages_to(chat)]


async def advance(bot: Bot, clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)
    await settled(bot)


async def test_a_districts_alerts_go_only_to_its_own_group_and_the_rest_to_the_city_wide_group(
    abot: Bot, emu: EmulatorServer, cworld: World
) -> None:
    w = cworld
    await emu.send_text(w.resident, EMERGENCY)
    alert = await wait_text(emu, K01_COORDS, "【緊急】長町地区")
    await emu.send_text(K02_RESIDENT, EMERGENCY)
    await wait_text(emu, w.coordinators, "【緊急】菊川地区")
    await settled(abot)
    # 長町's group got 長町's alert only; the city-wide group only 菊川's (a district without a group).
    k01 = "\n".join(texts(emu, K01_COORDS))
    for secret in (K02_NAME, K02_ADDRESS, K02_PHONE, "菊川"):
        assert secret not in k01
    city_wide = "\n".join(texts(emu, w.coordinators))
    for secret in (w.resident_name, w.resident_address, w.resident_phone):
        assert secret not in city_wide
    assert emu.messages_to(w.group) == []  # never to volunteers
    # The alert says when, where, and has a phone link, a dashboard link and 「対応します」.
    said = all_text(alert)
    assert "12月2日 10:00" in said and "場所：長町" in said and w.resident_address in said
    uris = [a["uri"] for a in actions(alert) if a["type"] == "uri"]
    assert "tel:0761234567" in uris and any(u.endswith("/dashboard/requests/1") for u in uris)
    assert "対応" in find_action([alert], "対応")["label"]

    # 「未解決」 in a district's coordinators' group lists its districts only; the city-wide group all of them.
    await emu.send_text(COORDINATOR, "未解決", group_id=K01_COORDS)
    listed = all_text(await wait_text(emu, K01_COORDS, "【未解決"))
    assert "長町" in listed and "菊川" not in listed and "1件" in listed
    await emu.send_text(CITY_COORDINATOR, "未解決", group_id=w.coordinators)
    listed = all_text(await wait_text(emu, w.coordinators, "【未解決"))
    assert "長町" in listed and "菊川" in listed


async def test_pressing_taiou_records_who_tells_the_group_and_stops_the_repeats(
    abot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    await emu.send_text(w.resident, EMERGENCY)
    alert = await wait_text(emu, K01_COORDS, "【緊急】")
    button = find_action([alert], "対応")
    await emu.send_postback(COORDINATOR, button["data"], group_id=K01_COORDS)
    await wait_text(emu, K01_COORDS, f"{COORDINATOR_NAME}さんが対応します")
    await emu.send_postback(OTHER_COORDINATOR, button["data"], group_id=K01_COORDS)
    await wait_text(emu, K01_COORDS, f"すでに{COORDINATOR_NAME}さんが対応しています")
    # A group that does not serve 長町 cannot take it.
    await emu.send_postback(w.supporters[0], button["data"], group_id=w.group)
    await settled(abot)
    async with abot.db.session() as s:
        a = (await s.exec(select(Alert))).one()
        assert a.acknowledged_by == COORDINATOR_NAME and a.acknowledged_line_user_id == COORDINATOR
        assert a.acknowledged_at is not None and a.kind == "emergency" and a.district_code == "K01"
        timeline = [e.action for e in (await s.exec(select(RequestEvent).order_by(col(RequestEvent.id)))).all()]
    assert timeline.count("alert_ack") == 1
    before_k01, before_city = len(emu.messages_to(K01_COORDS)), len(emu.messages_to(w.coordinators))
    await advance(abot, clock, ACK_SECONDS * 4)
    assert len(emu.messages_to(K01_COORDS)) == before_k01 and len(emu.messages_to(w.coordinators)) == before_city
    print("\n--- district group, emergency ---\n" + readable(alert))
    print("--- district group, after 対応 ---\n" + "\n".join(readable(m) for m in emu.messages_to(K01_COORDS)[1:]))


async def test_nobody_answers_repeated_in_the_district_and_escalated_once_per_period(
    abot: Bot, emu: EmulatorServer, cworld: World, clock: ManualClock
) -> None:
    w = cworld
    await emu.send_text(w.resident, EMERGENCY)
    await wait_text(emu, K01_COORDS, "【緊急】")
    await settled(abot)
    assert emu.messages_to(w.coordinators) == []
    await advance(abot, clock, ACK_SECONDS - 5)
    assert len(emu.messages_to(K01_COORDS)) == 1  # not before its time
    await advance(abot, clock, 5)
    k01, city_wide = texts(emu, K01_COORDS), texts(emu, w.coordinators)
    assert len(k01) == 2 and "【再通知】10分" in k01[1] and w.resident_address in k01[1]
    assert len(city_wide) == 1 and "【未対応の通知・長町地区】" in city_wide[0] and w.resident_address in city_wide[0]
    escalated = emu.messages_to(w.coordinators)[0]
    await advance(abot, clock, ACK_SECONDS)
    assert len(emu.messages_to(K01_COORDS)) == 3 and len(emu.messages_to(w.coordinators)) == 2
    await advance(abot, clock, ACK_SECONDS * 10)
    assert len(emu.messages_to(K01_COORDS)) == 4 and len(emu.messages_to(w.coordinators)) == 3  # at most 3 rounds
    async with abot.db.session() as s:
        a = (await s.exec(select(Alert))).one()
        assert a.repeats == 3 and a.escalated_at is not None and a.acknowledged_at is None
    # The city-wide group may take it; the district's group hears who did.
    await emu.send_postback(CITY_COORDINATOR, find_action([escalated], "対応")["data"], group_id=w.coordinators)
    await wait_text(emu, w.coordinators, f"{CITY_NAME}さんが対応します")
    await wait_text(emu, K01_COORDS, f"{CITY_NAME}さんが対応します")
    print("\n--- city-wide group, nobody pressed 対応 ---\n" + readable(escalated))


async def test_an_alert_with_no_group_is_kept_and_serve_names_the_districts(
    abot: Bot, emu: EmulatorServer, cworld: World, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    w = cworld
    async with abot.db.session() as s:
        await people.unbind_group(s, group_id=w.coordinators, now=abot.services.clock.now())
    await emu.send_text(K02_RESIDENT, EMERGENCY)
    await settled(abot)
    async with abot.db.session() as s:
        a = (await s.exec(select(Alert))).one()
        assert a.routed is False and a.district_code == "K02" and a.acknowledged_at is None
        assert (await s.exec(select(Job).where(col(Job.kind) == "alert_ack"))).all()
    assert emu.messages_to(K01_COORDS) == []
    caplog.set_level(logging.WARNING, logger="bot.app")
    second = await start_bot(emu, make_settings(emu, db_url))
    try:
        said = "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.app")
    finally:
        await second.runner.cleanup()
    assert "district(s) K02 (菊川) and no city-wide" in said  # 長町 has a group of its own: not named
    assert "no city-wide coordinators' group" in said


async def test_a_possible_emergency_alert_carries_the_button_too(abot: Bot, emu: EmulatorServer, cworld: World) -> None:
    w = cworld
    async with abot.db.session() as s:
        await jobs.schedule(
            s,
            key=f"{POSSIBLE_JOB}:{w.resident}",
            kind=POSSIBLE_JOB,
            due_at=abot.services.clock.now(),
            payload={"user": w.resident, "text": "電球が切れて、なんか胸がどきどきする"},  # type: ignore[arg-type]
        )
    abot.services.wake_scheduler()
    alert = await wait_text(emu, K01_COORDS, "【緊急の可能性】")
    assert find_action([alert], "対応")
    async with abot.db.session() as s:
        assert (await s.exec(select(Alert))).one().kind == "possible"


async def test_the_repeat_survives_a_restart_and_runs_once(emu: EmulatorServer, db_url: str) -> None:
    clock = ManualClock(MORNING)
    settings = make_settings(emu, db_url, scheduler_interval_seconds=0.2)
    first = await start_bot(emu, settings, clock=clock)
    try:
        w = await city(first, emu)
        await emu.send_text(w.resident, EMERGENCY)
        await wait_text(emu, K01_COORDS, "【緊急】")
        await settled(first)
    finally:
        await first.runner.cleanup()  # stopped before the repeat was due
    clock.advance(ACK_SECONDS + 1)
    for _ in range(2):  # started twice after the due time: the repeat is sent by the first start only
        again = await start_bot(emu, settings, clock=clock)
        try:
            await settled(again)
        finally:
            await again.runner.cleanup()
    assert sum("【再通知】" in t for t in texts(emu, K01_COORDS)) == 1
    assert sum("【未対応の通知" in t for t in texts(emu, w.coordinators)) == 1
