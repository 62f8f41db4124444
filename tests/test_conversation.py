"""Conversation with residents: asking when, non-text messages, thanks, a supporter's activity, and the
CLI that sets district contacts. Real server, emulator and database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot import messages as M
from bot.cli import _with_db, build_parser
from bot.cli_conversation import run as cli_run
from bot.clock import JST
from bot.emulator import EmulatorServer
from bot.store.models import District, HelpRequest, RequestEvent
from tests.conftest import Bot, World, actions, all_text, find_action, settled


async def cli(bot: Bot, *argv: str) -> str | None:
    # The bot's own clock: a ManualClock test scheduling "now" by the wall clock made a job that was never due
    # (test_standing_arrangement… failed once the real date passed the test's).
    return await cli_run(
        build_parser().parse_args(list(argv)), bot.services.settings, bot.services.clock.now(), _with_db
    )


async def say(emu: EmulatorServer, user: str, words: str) -> list[dict[str, Any]]:
    n = len(emu.messages_to(user))
    await emu.send_text(user, words)
    return (await emu.wait_for_messages(user, n + 1))[n:]


async def press(emu: EmulatorServer, user: str, action: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    n = len(emu.messages_to(user))
    await emu.send_postback(user, action["data"], **kw)
    return (await emu.wait_for_messages(user, n + 1))[n:]


async def wait_text(emu: EmulatorServer, user: str, needle: str, count: int = 1) -> None:
    """Wait until `count` messages to `user` contain `needle` (replies and pushes may come in any order)."""
    for _ in range(250):
        if sum(needle in all_text(m) for m in emu.messages_to(user)) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{user} did not get {count} messages with {needle!r}")


def local_today() -> datetime:
    return datetime.now(UTC).astimezone(JST)


# --- When is missing ---------------------------------------------------------------------------------


async def test_no_day_named_asks_once_with_quick_replies_and_a_date_picker(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    ask = (await say(emu, w.resident, "ゴミ出しを手伝ってほしい"))[0]
    assert "ゴミ出し" in all_text(ask) and "いつごろ" in all_text(ask)
    labels = [a["label"] for a in actions(ask)]
    assert labels[:4] == ["今日", "明日", "今週中", "いつでもいい"]
    picker = find_action([ask], "日にちを選ぶ")
    assert picker["type"] == "datetimepicker" and picker["mode"] == "date"
    assert picker["min"] == local_today().date().isoformat()

    confirm = (await press(emu, w.resident, find_action([ask], "明日")))[0]
    tomorrow = (local_today() + timedelta(days=1)).date()
    assert M.format_date(tomorrow) in all_text(confirm) and find_action([confirm], "はい")
    await press(emu, w.resident, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    assert M.format_date(tomorrow) in all_text(post)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.when_date == tomorrow.isoformat() and req.status == "open"


async def test_the_date_picker_answer_is_used_and_a_past_date_is_refused(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    ask = (await say(emu, w.resident, "買い物をお願いしたい"))[0]
    picker = find_action([ask], "日にちを選ぶ")
    past = (local_today() - timedelta(days=3)).date().isoformat()
    again = await press(emu, w.resident, picker, params={"date": past})
    assert "選べません" in all_text(again[0]) and find_action(again, "日にちを選ぶ")
    day = (local_today() + timedelta(days=5)).date()
    confirm = (await press(emu, w.resident, picker, params={"date": day.isoformat()}))[0]
    assert M.format_date(day) in all_text(confirm)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().when_date == day.isoformat()


async def test_a_typed_answer_counts_and_this_week_is_kept_as_words(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await say(emu, w.resident, "草むしりを手伝ってほしい")
    confirm = (await say(emu, w.resident, "今週中"))[0]
    assert "今週中" in all_text(confirm) and find_action([confirm], "はい")
    await press(emu, w.resident, find_action([confirm], "はい"))
    assert "今週中" in all_text((await emu.wait_for_messages(w.group, 1))[0])
    async with bot.db.session() as s:
        reqs = (await s.exec(select(HelpRequest))).all()
    assert len(reqs) == 1 and reqs[0].when_text == "今週中" and reqs[0].category == "garden"


async def test_a_short_typed_day_and_part_answer_the_question(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await say(emu, w.resident, "ゴミ出しを手伝ってほしい")
    confirm = (await say(emu, w.resident, "あさっての朝"))[0]
    day = (local_today() + timedelta(days=2)).date()
    # Said back the way the resident said it.
    assert (
        f"あさって、{day.day}日" in all_text(confirm) and "朝" in all_text(confirm) and find_action([confirm], "はい")
    )
    async with bot.db.session() as s:
        reqs = (await s.exec(select(HelpRequest))).all()
    assert len(reqs) == 1 and reqs[0].when_date == day.isoformat() and reqs[0].when_part == "morning"
    # A new request typed in place of an answer is read as the new request.
    ask = (await say(emu, w.resident, "買い物をお願いしたい"))[0]
    assert "いつごろ" in all_text(ask)
    again = (await say(emu, w.resident, "明日の雪すかしをお願い"))[0]
    assert "雪" in all_text(again)
    async with bot.db.session() as s:
        snow = (await s.exec(select(HelpRequest).where(HelpRequest.category == "snow"))).one()
    assert snow.status == "draft" and snow.when_date is not None


async def test_a_request_with_a_day_is_not_asked_again(bot: Bot, emu: EmulatorServer, world: World) -> None:
    confirm = (await say(emu, world.resident, "明日の朝、電球を替えてほしい"))[0]
    assert "いつごろ" not in all_text(confirm) and find_action([confirm], "はい")


# --- Non-text ----------------------------------------------------------------------------------------


async def test_media_gets_a_call_button_to_the_district_contact(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    assert await cli(bot, "district", "set", w.district, "--contact-phone", "076-220-0000") == "district K01 updated"
    for send in (emu.send_image, emu.send_audio, emu.send_video):
        n = len(emu.messages_to(w.resident))
        await send(w.resident)
        reply = (await emu.wait_for_messages(w.resident, n + 1))[-1]
        assert "tel:0762200000" in [a.get("uri") for a in actions(reply)]
        assert "ごめんなさい" in all_text(reply)
    n = len(emu.messages_to(w.resident))
    await emu.send_sticker(w.resident)
    assert "スタンプ" in all_text((await emu.wait_for_messages(w.resident, n + 1))[-1])


async def test_district_set_updates_contacts_and_checkin_settings(bot: Bot, emu: EmulatorServer, world: World) -> None:
    lead = world.supporters[0]
    await cli(bot, "district", "set", "K01", "--consult-name", "長町包括", "--consult-phone", "076-1", "--lead", lead)
    await cli(bot, "district", "set", "K01", "--checkin-hours", "5")
    async with bot.db.session() as s:
        d = await s.get(District, "K01")
    assert d is not None and d.consult_name == "長町包括" and d.consult_phone == "076-1"
    assert d.lead_line_user_id == lead and d.checkin_alert_hours == 5


async def test_a_location_is_where_help_is_needed_for_the_supporter_only(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    n = len(emu.messages_to(w.resident))
    await emu.send_location(w.resident, latitude=36.5651, longitude=136.6498, address="石川県金沢市長町2丁目")
    assert "覚えておきます" in all_text((await emu.wait_for_messages(w.resident, n + 1))[-1])
    confirm = (await say(emu, w.resident, "明日、雪すかしをお願いしたい"))[0]
    await press(emu, w.resident, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    assert "36.56" not in all_text(post) and "maps" not in all_text(post) and "2丁目" not in all_text(post)
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = all_text((await emu.wait_for_messages(w.supporters[0], 1))[0])
    assert "https://www.google.com/maps/search/?api=1&query=36.565100,136.649800" in details
    assert "石川県金沢市長町2丁目" in details
    # A second location after the claim goes straight to the supporter.
    await emu.send_location(w.resident, latitude=36.5700, longitude=136.6500)
    pushed = all_text((await emu.wait_for_messages(w.supporters[0], 2))[-1])
    assert "36.570000,136.650000" in pushed
    await settled(bot)
    assert not any("maps" in all_text(m) for m in emu.messages_to(w.group))


# --- Thanks and activity -------------------------------------------------------------------------------


async def finish_a_request(bot: Bot, emu: EmulatorServer, w: World, words: str, helper: int = 0) -> None:
    done_before = sum("終わりました" in all_text(m) for m in emu.messages_to(w.resident))
    confirm = (await say(emu, w.resident, words))[-1]
    if "いつごろ" in all_text(confirm):
        confirm = (await press(emu, w.resident, find_action([confirm], "いつでも")))[0]
    g = len(emu.messages_to(w.group))
    await press(emu, w.resident, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, g + 1))[-1]
    sup = w.supporters[helper]
    n = len(emu.messages_to(sup))
    await emu.send_postback(sup, find_action([post], "引き受け")["data"], group_id=w.group)
    details = (await emu.wait_for_messages(sup, n + 1))[-1]
    thanked_before = sum("おつかれさま" in all_text(m) for m in emu.messages_to(sup))
    await emu.send_postback(sup, find_action([details], "完了")["data"])
    await wait_text(emu, w.resident, "終わりました", count=done_before + 1)
    await wait_text(emu, sup, "おつかれさま", count=thanked_before + 1)


async def test_thanks_after_done_reach_the_supporter_once(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await finish_a_request(bot, emu, w, "明日、電球を替えてほしい")
    n = len(emu.messages_to(w.supporters[0]))
    reply = all_text((await say(emu, w.resident, "あんやと"))[0])
    assert w.supporter_names[0] in reply and "お伝えしました" in reply
    thanked = all_text((await emu.wait_for_messages(w.supporters[0], n + 1))[-1])
    assert "お礼が届きました" in thanked and "「あんやと」" in thanked and w.resident_name in thanked
    # Thanked once: a second thanks gets a plain kind answer and nothing more reaches the supporter.
    again = all_text((await say(emu, w.resident, "ほんとうにきのどくな"))[0])
    assert "どういたしまして" in again
    await settled(bot)
    assert len(emu.messages_to(w.supporters[0])) == n + 1
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().thanked_at is not None
        assert len((await s.exec(select(RequestEvent).where(RequestEvent.action == "thanked"))).all()) == 1


async def test_a_sticker_after_done_is_thanks_too(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await finish_a_request(bot, emu, w, "明日、ゴミ出しをお願いしたい", helper=1)
    n = len(emu.messages_to(w.supporters[1]))
    r = len(emu.messages_to(w.resident))
    await emu.send_sticker(w.resident)
    assert "お伝えしました" in all_text((await emu.wait_for_messages(w.resident, r + 1))[-1])
    assert "スタンプでお礼" in all_text((await emu.wait_for_messages(w.supporters[1], n + 1))[-1])
    assert emu.messages_to(w.supporters[0]) == []


async def test_thanks_without_a_done_request_are_just_answered(bot: Bot, emu: EmulatorServer, world: World) -> None:
    assert "どういたしまして" in all_text((await say(emu, world.resident, "ありがとう"))[0])
    await settled(bot)
    for s in world.supporters:
        assert emu.messages_to(s) == []


async def test_a_supporter_asks_for_their_activity(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    before = all_text((await say(emu, w.supporters[0], "活動"))[0])
    assert "今月のお手伝いは0件" in before
    await finish_a_request(bot, emu, w, "明日、電球を替えてほしい")
    await finish_a_request(bot, emu, w, "明日、ゴミ出しをお願いしたい")
    after = all_text((await say(emu, w.supporters[0], "わたしの活動"))[0])
    assert w.supporter_names[0] in after and "今月のお手伝いは2件" in after and "これまでに2件" in after
    other = all_text((await say(emu, w.supporters[1], "今月の活動"))[0])
    assert "今月のお手伝いは0件" in other
