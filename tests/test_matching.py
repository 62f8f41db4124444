"""Matching: supporters say in their own words what they can do, where and when; the group post names the
best-suited with LINE mentions (text v2, validated by the emulator against LINE's OpenAPI); still unclaimed
after the first reminder, the best-suited are asked 1:1, once; figures compare time to claim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot import matching
from bot.clock import ManualClock
from bot.emulator import EmulatorServer
from bot.nlp import skills
from bot.nlp.towns import Town
from bot.store import dashboard, supporters
from bot.store.models import HelpRequest, RequestEvent, Supporter
from tests.conftest import Bot, World, all_text, build_world, find_action, make_settings, settled
from tests.test_answers import say
from tests.test_escalation import MORNING, REMINDER, advance, count, post_request, start


@pytest.mark.parametrize(
    ("words", "kinds"),
    [
        ("買い物と ごみ出しなら", ["garbage", "shopping"]),
        ("かいものとゆきすかし", ["shopping", "snow"]),
        ("電球の交換とか、スマホの使い方なら教えられます", ["repair", "device"]),
        ("病院の付き添いと話し相手", ["escort", "companionship"]),
        ("なんでもやります", list(skills.KIND_WORDS)),
        ("よろしく", []),
    ],
)
def test_help_kinds_in_a_supporters_own_words(words: str, kinds: list[str]) -> None:
    assert skills.kinds(words) == kinds


@pytest.mark.parametrize(
    ("words", "slots"),
    [
        ("平日の午前", ["weekday_morning"]),
        ("土日ならいつでも", ["weekend_morning", "weekend_afternoon", "weekend_evening"]),
        ("夕方", ["weekday_evening", "weekend_evening"]),
        ("いつでも", list(skills.SLOTS)),
        ("わからん", []),
    ],
)
def test_free_time_in_a_supporters_own_words(words: str, slots: list[str]) -> None:
    assert skills.free(words) == slots


def test_towns_by_name_reading_or_anywhere() -> None:
    towns = [Town(1, "長町", "ながまち"), Town(2, "中央通町", "ちゅうおうどおりまち")]
    assert skills.towns("長町と中央通町", "", towns) == ["長町", "中央通町"]
    assert skills.towns("ちゅうおうどおりまちなら", "ちゅうおうどおりまちなら", towns) == ["中央通町"]
    assert skills.towns("地区の中ならどこでも", "", towns) == ["長町", "中央通町"]


def test_ranking_puts_kind_then_town_then_time_then_load() -> None:
    def sup(i: int, kinds: list[str], towns: list[str], free: list[str]) -> Supporter:
        return Supporter(
            id=i,
            line_user_id=f"U{i}",
            district_code="K01",
            name=f"s{i}",
            created_at=MORNING,
            kinds=kinds,
            towns=towns,
            free=free,
        )

    a = sup(1, ["shopping"], [], [])
    b = sup(2, ["shopping"], ["長町"], ["weekday_morning"])
    c = sup(3, ["garbage"], ["長町"], ["weekday_morning"])
    d = sup(4, ["shopping"], ["長町"], ["weekday_morning"])
    ranked = matching.rank([a, b, c, d], {2: 1}, category="shopping", town="長町", slot="weekday_morning")
    assert [x.supporter.id for x in ranked] == [4, 2, 1, 3]  # 4 and 2 alike but 2 already has one in hand
    assert [x.supporter.id for x in matching.suited(ranked)] == [4, 2, 1]
    assert (ranked[0].kind, ranked[0].town, ranked[0].free, ranked[1].load) == (True, True, True, 1)


async def test_a_supporter_records_what_they_can_do_by_answering_the_bot(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    me = world.supporters[0]
    assert "できるお手伝い" in all_text((await say(emu, me, "できること"))[-1])
    again = all_text((await say(emu, me, "よろしく"))[-1])
    assert "わかりませんでした" in again
    assert "行ける町" in all_text((await say(emu, me, "買い物と ごみ出しなら"))[-1])
    assert "空いている" in all_text((await say(emu, me, "ながまちなら"))[-1])
    saved = all_text((await say(emu, me, "平日の午前"))[-1])
    assert "買い物・お使い" in saved and "ゴミ出し" in saved and "長町" in saved and "平日の午前" in saved
    async with bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(col(Supporter.line_user_id) == me))).one()
    assert (sup.kinds, sup.towns, sup.free) == (["garbage", "shopping"], ["長町"], ["weekday_morning"])
    # Halfway, 「やめる」 keeps what was there.
    await say(emu, me, "できること")
    assert "今のまま" in all_text((await say(emu, me, "やめる"))[-1])
    async with bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(col(Supporter.line_user_id) == me))).one()
    assert sup.kinds == ["garbage", "shopping"]


async def profile(bot: Bot, line_id: str, kinds: list[str], towns: list[str], free: list[str]) -> None:
    async with bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(col(Supporter.line_user_id) == line_id))).one()
        await supporters.set_profile(s, supporter=sup, kinds=kinds, towns=towns, free=free)


async def test_the_group_post_mentions_the_best_suited(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await profile(bot, w.supporters[1], ["shopping"], ["長町"], list(skills.SLOTS))
    await profile(bot, w.supporters[0], ["garbage"], ["長町"], list(skills.SLOTS))
    post = await post_request(emu, w, "買い物をお願いしたいがや。牛乳とパン")
    assert find_action([post], "引き受け")
    await settled(bot)
    mention = next(m for m in emu.messages_to(w.group) if m["type"] == "textV2")
    assert mention["text"].startswith("{s0}さん") and "依頼#1" in mention["text"]
    assert mention["substitution"] == {
        "s0": {"type": "mention", "mentionee": {"type": "user", "userId": w.supporters[1]}}
    }
    # A request nobody said they can do names nobody.
    before = len(emu.messages_to(w.group))
    await post_request(emu, w, "雪すかしお願いしたいがや")
    await settled(bot)
    assert [m["type"] for m in emu.messages_to(w.group)[before:]] == ["flex"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING)


@pytest.fixture
async def cbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start(emu, make_settings(emu, db_url, scheduler_interval_seconds=0.2), clock)
    yield b
    await b.runner.cleanup()


async def test_unclaimed_after_the_first_reminder_the_best_suited_are_nudged_once(
    cbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    w = await build_world(cbot, emu, n_supporters=3)
    await profile(cbot, w.supporters[0], ["garbage"], ["長町"], ["weekday_morning"])
    await profile(cbot, w.supporters[1], ["garbage"], [], [])
    post = await post_request(emu, w)  # ゴミ出し, anytime
    await advance(cbot, clock, MORNING + timedelta(minutes=59))
    assert all("お声をかけました" not in all_text(m) for s in w.supporters for m in emu.messages_to(s))
    await advance(cbot, clock, MORNING + timedelta(minutes=61))
    assert count(emu, w.group, REMINDER) == 1
    assert count(emu, w.supporters[0], "お声をかけました") == 1
    assert count(emu, w.supporters[1], "お声をかけました") == 1
    assert count(emu, w.supporters[2], "お声をかけました") == 0  # said nothing about ゴミ出し
    nudge = all_text(emu.messages_to(w.supporters[0])[-1])
    assert "依頼#1" in nudge and w.resident_name not in nudge and w.resident_address not in nudge
    await advance(cbot, clock, MORNING + timedelta(days=2))
    assert count(emu, w.supporters[0], "お声をかけました") == 1  # once
    # The nudged supporter takes it from the group: the figures count it as claimed after a nudge.
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await settled(cbot)
    async with cbot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        events = (await s.exec(select(RequestEvent.action).order_by(col(RequestEvent.id)))).all()
        f = await dashboard.figures(s, scope=None, start=MORNING - timedelta(days=1), end=MORNING + timedelta(days=3))
    assert req.status == "claimed" and req.nudged_at is not None
    assert "nudged" in events and events.index("nudged") > events.index("reminded")
    assert (f.nudged.claimed, f.not_nudged.requests) == (1, 0)
    assert f.nudged.median_claim_minutes == pytest.approx(48 * 60, abs=1.0)


async def test_suggestions_order_with_why(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await profile(bot, w.supporters[1], ["shopping"], ["長町"], list(skills.SLOTS))
    await post_request(emu, w, "買い物をお願いしたいがや。牛乳とパン")
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        ranked = await supporters.suggestions(s, req, now=bot.services.clock.now())
    assert [x.supporter.line_user_id for x in ranked] == [w.supporters[1], w.supporters[0]]
    assert (ranked[0].kind, ranked[0].town, ranked[0].free) == (True, True, True)
