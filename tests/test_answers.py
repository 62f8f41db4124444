"""Residents answer in their own words at every step: a confirmation, a date, a correction, a cancellation,
「だれがくるん？」, thanks — each read against what the bot is waiting for before anything else. And the
relay: the supporter who took a request and its resident talk through the bot, both ways."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot import messages as M
from bot.clock import JST
from bot.emulator import EmulatorServer
from bot.store import retention
from bot.store.models import HelpRequest, OutboxMessage, RelayMessage, RequestEvent
from tests.conftest import Bot, World, actions, all_text, find_action


def local_today() -> datetime:
    return datetime.now(UTC).astimezone(JST)


async def say(emu: EmulatorServer, user: str, words: str) -> list[dict[str, Any]]:
    n = len(emu.messages_to(user))
    await emu.send_text(user, words)
    return (await emu.wait_for_messages(user, n + 1))[n:]


async def press(emu: EmulatorServer, user: str, action: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    n = len(emu.messages_to(user))
    await emu.send_postback(user, action["data"], **kw)
    return (await emu.wait_for_messages(user, n + 1))[n:]


async def settled(bot: Bot) -> None:
    """Every webhook event handled and every message sent (inbox and outbox drained)."""
    from bot.store.models import InboxEvent

    for _ in range(300):
        async with bot.db.session() as s:
            inbox = (await s.exec(select(InboxEvent).where(InboxEvent.status == "pending"))).all()
            outbox = (await s.exec(select(OutboxMessage).where(OutboxMessage.status == "pending"))).all()
        if not inbox and not outbox:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not settle")


async def posted(bot: Bot, emu: EmulatorServer, w: World, words: str) -> dict[str, Any]:
    """A request made in words, confirmed with a typed はい; returns the group's post."""
    first = (await say(emu, w.resident, words))[-1]
    if any(a.get("label") == "いつでもいい" for a in actions(first)):
        first = (await say(emu, w.resident, "いつでもいいわ"))[-1]
    assert find_action([first], "はい")
    n = len(emu.messages_to(w.group))
    await say(emu, w.resident, "たのむわ")
    return (await emu.wait_for_messages(w.group, n + 1))[-1]


async def claimed_by(bot: Bot, emu: EmulatorServer, w: World, post: dict[str, Any], who: int = 0) -> None:
    n = len(emu.messages_to(w.supporters[who]))
    await emu.send_postback(w.supporters[who], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[who], n + 1)
    await settled(bot)


# --- A confirmation answered in words ------------------------------------------------------------------


async def test_yes_in_its_many_forms_confirms(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    for i, yes in enumerate(["そうです", "たのむわ", "お願い", "はい、お願いします"]):
        confirm = (await say(emu, w.resident, "明日の朝、電球を替えてほしい"))[-1]
        assert find_action([confirm], "はい")
        reply = (await say(emu, w.resident, yes))[-1]
        assert "サポーターさんにお願いしました" in all_text(reply), yes
        await emu.wait_for_messages(w.group, i + 1)
    async with bot.db.session() as s:
        assert {r.status for r in (await s.exec(select(HelpRequest))).all()} == {"open"}


async def test_a_corrected_date_leads_to_a_new_confirmation_and_the_group_sees_that_date(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    confirm = (await say(emu, w.resident, "明日の朝、電球を替えてほしい"))[-1]
    tomorrow = (local_today() + timedelta(days=1)).date()
    assert f"明日、{tomorrow.day}日" in all_text(confirm)
    again = (await say(emu, w.resident, "ちがう、あさってや"))[-1]
    day = (local_today() + timedelta(days=2)).date()
    # The date said back the way the resident said it, and a new question.
    assert f"あさって、{day.day}日" in all_text(again) and find_action([again], "はい")
    assert "こんにちは" not in all_text(again)
    await press(emu, w.resident, find_action([again], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    assert M.format_date(day) in all_text(post)
    assert M.format_date(day) in post["altText"]  # the notification line carries the date
    async with bot.db.session() as s:
        reqs = (await s.exec(select(HelpRequest))).all()
    assert len(reqs) == 1 and reqs[0].when_date == day.isoformat() and reqs[0].category == "repair"


async def test_a_date_asked_for_in_words_changes_the_draft(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await say(emu, w.resident, "明日の朝、電球を替えてほしい")
    again = (await say(emu, w.resident, "あさってにして"))[-1]
    day = (local_today() + timedelta(days=2)).date()
    assert f"{day.day}日" in all_text(again) and find_action([again], "はい")
    async with bot.db.session() as s:
        reqs = (await s.exec(select(HelpRequest))).all()
    assert len(reqs) == 1 and reqs[0].status == "draft" and reqs[0].when_date == day.isoformat()


async def test_a_corrected_kind_leads_to_a_new_confirmation(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await say(emu, w.resident, "明日の朝、電球を替えてほしい")
    again = (await say(emu, w.resident, "ちがう、雪すかしや"))[-1]
    assert "雪" in all_text(again) and find_action([again], "はい")
    async with bot.db.session() as s:
        reqs = (await s.exec(select(HelpRequest))).all()
    assert len(reqs) == 1 and reqs[0].category == "snow" and reqs[0].when_date is not None


async def test_no_in_words_declines_and_the_greeting_never_answers_a_question(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await say(emu, w.resident, "明日の朝、電球を替えてほしい")
    # Small talk while the bot waits for はい／いいえ: the question is asked again, not the greeting.
    again = await say(emu, w.resident, "こんにちは")
    assert M.GREETING_REPLY not in "".join(all_text(m) for m in again)
    assert find_action(again, "はい")
    declined = (await say(emu, w.resident, "いいえ"))[-1]
    assert "お願いはしていません" in all_text(declined)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "cancelled"


async def test_any_day_in_words_answers_when(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    ask = (await say(emu, w.resident, "ゴミ出しを手伝ってほしい"))[-1]
    assert "いつごろ" in all_text(ask)
    confirm = (await say(emu, w.resident, "いつでもいいわ"))[-1]
    assert "いつでもよい" in all_text(confirm) and find_action([confirm], "はい")
    assert M.GREETING_REPLY not in all_text(confirm)


# --- Cancelling in words ------------------------------------------------------------------------------


async def test_a_cancellation_in_words_asks_once_and_then_a_claim_gives_the_supporter_nothing(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    post = await posted(bot, emu, w, "買い物をお願いできますか。牛乳とパン")
    question = (await say(emu, w.resident, "やっぱりいいです"))[-1]
    assert "取りやめますか" in all_text(question) and find_action([question], "はい")
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"  # not before the answer
    done = (await say(emu, w.resident, "はい"))[-1]
    assert "取りやめました" in all_text(done)
    assert "取りやめ" in all_text((await emu.wait_for_messages(w.group, 2))[-1])
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    answer = (await emu.wait_for_messages(w.supporters[0], 1))[-1]
    await settled(bot)
    seen = "".join(all_text(m) for m in emu.messages_to(w.supporters[0]))
    assert "終わっています" in all_text(answer)
    assert w.resident_name not in seen and w.resident_address not in seen and w.resident_phone not in seen
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "cancelled"


async def test_a_cancellation_in_words_can_be_taken_back(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await posted(bot, emu, w, "買い物をお願いできますか。牛乳とパン")
    await say(emu, w.resident, "キャンセルします")
    kept = (await say(emu, w.resident, "いいえ"))[-1]
    assert "続けます" in all_text(kept)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"


# --- Questions about the request: answered from its state, never an alarm -------------------------------


async def test_who_is_coming_is_answered_from_the_request_never_with_an_alarm(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    post = await posted(bot, emu, w, "明日の朝、電球を替えてほしい")
    before = (await say(emu, w.resident, "だれがくるん？"))[-1]
    assert "まだ決まっていません" in all_text(before)
    assert "119" not in all_text(before)
    still = (await say(emu, w.resident, "まだだれもおらんが？"))[-1]
    assert "探しています" in all_text(still)
    await claimed_by(bot, emu, w, post)
    after = (await say(emu, w.resident, "だれがくるん？"))[-1]
    assert f"{w.supporter_names[0]}さん" in all_text(after) and "119" not in all_text(after)
    when = (await say(emu, w.resident, "いつくるん？"))[-1]
    tomorrow = (local_today() + timedelta(days=1)).date()
    assert f"{tomorrow.day}日" in all_text(when)
    await settled(bot)
    assert emu.messages_to(w.coordinators) == []  # no alarm, ever
    async with bot.db.session() as s:
        cats = [r.category for r in (await s.exec(select(HelpRequest))).all()]
    assert cats == ["repair"]


# --- The relay between supporter and resident -----------------------------------------------------------


async def test_a_relay_both_ways_until_done_and_purged_with_the_request(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    post = await posted(bot, emu, w, "明日の朝、電球を替えてほしい")
    await claimed_by(bot, emu, w, post)
    coming = [m for m in emu.messages_to(w.resident) if "来てくれます" in all_text(m)]
    assert coming and "ここで話せます" in all_text(coming[-1])
    group_before = len(emu.messages_to(w.group))

    n = len(emu.messages_to(w.resident))
    ack = (await say(emu, w.supporters[0], "明日10時に伺います。よろしくお願いします"))[-1]
    assert "送りました" in all_text(ack)
    got = (await emu.wait_for_messages(w.resident, n + 1))[-1]
    assert w.supporter_names[0] in all_text(got) and "明日10時に伺います" in all_text(got)

    m = len(emu.messages_to(w.supporters[0]))
    told = (await say(emu, w.resident, "玄関は裏にまわってください"))[-1]
    assert f"{w.supporter_names[0]}さんにお伝えしました" in all_text(told)
    back = (await emu.wait_for_messages(w.supporters[0], m + 1))[-1]
    assert "玄関は裏にまわってください" in all_text(back) and w.resident_name in all_text(back)

    await settled(bot)
    assert len(emu.messages_to(w.group)) == group_before  # nothing to the group
    async with bot.db.session() as s:
        rows = (await s.exec(select(RelayMessage))).all()
    assert [r.sender for r in rows] == ["supporter", "resident"]

    # Done: the relay ends.
    details = [x for x in emu.messages_to(w.supporters[0]) if any(a.get("label") == "完了" for a in actions(x))]
    await press(emu, w.supporters[0], find_action(details, "完了"))
    after = (await say(emu, w.supporters[0], "おつかれさまでした"))[-1]
    assert M.SUPPORTER_HELLO in all_text(after)

    # The relayed words are purged with the request (what `sasaeai purge` runs, with a cut-off after now).
    async with bot.db.session() as s:
        report = await retention.purge(s, before=datetime.now(UTC) + timedelta(seconds=1))
    assert report.requests == 1
    async with bot.db.session() as s:
        assert (await s.exec(select(RelayMessage))).all() == []
        assert (await s.exec(select(HelpRequest))).one().text == ""
        notes = [e.note for e in (await s.exec(select(RequestEvent))).all()]
    assert all(n is None for n in notes)


async def test_a_new_request_while_one_is_taken_is_not_relayed(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    post = await posted(bot, emu, w, "明日の朝、電球を替えてほしい")
    await claimed_by(bot, emu, w, post)
    m = len(emu.messages_to(w.supporters[0]))
    ask = (await say(emu, w.resident, "雪すかしもお願いしたい"))[-1]
    assert "雪" in all_text(ask)
    await settled(bot)
    assert len(emu.messages_to(w.supporters[0])) == m


async def test_contact_is_promised_only_when_there_is_a_way(bot: Bot, emu: EmulatorServer, world: World) -> None:
    """K02 has no supporters' group: a resident with no phone on record is not told 「お電話します」."""
    from bot.store import people
    from tests.conftest import uid

    who = uid(777)
    async with bot.db.session() as s:
        await people.add_resident(
            s, line_user_id=who, district_code="K02", name="本多うめ", town="本多町", now=datetime.now(UTC)
        )
    emu.add_user(who, "本多うめ")
    confirm = (await say(emu, who, "明日の朝、電球を替えてほしい"))[-1]
    told = all_text((await press(emu, who, find_action([confirm], "はい")))[-1])
    assert "ここでお知らせします" in told and "電話" not in told and "ご連絡" not in told


async def test_the_kind_of_help_typed_instead_of_pressed(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    pick = (await say(emu, w.resident, "困っとるげん、手伝ってほしい"))[-1]
    assert "どんなお手伝い" in all_text(pick)
    ask = (await say(emu, w.resident, "雪すかし"))[-1]
    assert "雪" in all_text(ask) and "いつごろ" in all_text(ask)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.category == "snow" and req.text == "困っとるげん、手伝ってほしい"  # her first words are kept


async def test_who_is_coming_from_someone_not_registered_is_no_alarm(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    from tests.conftest import uid

    who = uid(778)
    emu.add_user(who, "だれか")
    reply = (await say(emu, who, "だれがくるん？"))[-1]
    assert "119" not in all_text(reply) and "町の名前" in all_text(reply)
    await settled(bot)
    assert emu.messages_to(world.coordinators) == []


async def test_a_corrected_time_or_part_of_day_keeps_the_day(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await say(emu, w.resident, "あさっての朝、電球を替えてほしい")
    day = (local_today() + timedelta(days=2)).date()
    at_ten = (await say(emu, w.resident, "ちがう、10時にして"))[-1]
    assert f"あさって、{day.day}日（" in all_text(at_ten) and "午前10時" in all_text(at_ten)
    evening = (await say(emu, w.resident, "ちがう、夕方がいい"))[-1]
    assert f"あさって、{day.day}日（" in all_text(evening) and "夕方" in all_text(evening)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert (req.when_date, req.when_time, req.when_part) == (day.isoformat(), None, "evening")


async def test_the_old_cards_yes_after_a_correction_asks_again(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    first = (await say(emu, w.resident, "明日の朝、電球を替えてほしい"))[-1]
    await say(emu, w.resident, "ちがう、あさってや")
    again = (await press(emu, w.resident, find_action([first], "はい")))[-1]  # the card that said 明日
    day = (local_today() + timedelta(days=2)).date()
    assert "もう一度" in all_text(again) and f"あさって、{day.day}日" in all_text(again)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "draft"
    await press(emu, w.resident, find_action([again], "はい"))
    assert M.format_date(day) in all_text((await emu.wait_for_messages(w.group, 1))[0])
