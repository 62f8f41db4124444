"""Registration a resident can finish alone: the town in hiragana, katakana, with dialect around it or a
typo; address and phone (each skippable); a short notice of who sees what, agreed to; and family or a
民生委員 registering on the resident's behalf."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.emulator import EmulatorServer
from bot.store import approval
from bot.store.models import Resident
from tests.conftest import Bot, World, actions, all_text, find_action, settled, uid
from tests.test_answers import claimed_by, posted, press, say


async def follow(emu: EmulatorServer, who: str) -> dict[str, Any]:
    emu.add_user(who, "新しい人")
    await emu.send_follow(who)
    return (await emu.wait_for_messages(who, 1))[0]


async def finish(emu: EmulatorServer, who: str, name: str, address: str | None, phone: str | None) -> str:
    asked = (await say(emu, who, name))[-1]
    assert "住所" in all_text(asked)
    asked = (await (say(emu, who, address) if address else press(emu, who, find_action([asked], "とばす"))))[-1]
    assert "電話番号" in all_text(asked)
    asked = (await (say(emu, who, phone) if phone else press(emu, who, find_action([asked], "とばす"))))[-1]
    if "あなたのお名前" in all_text(asked):
        asked = (await say(emu, who, "金沢一郎"))[-1]
    assert "次の人だけが見ます" in all_text(asked)
    return all_text((await say(emu, who, "はい"))[-1])


async def test_a_registration_in_hiragana_with_dialect_around_it(bot: Bot, emu: EmulatorServer, world: World) -> None:
    who = uid(901)
    welcome = await follow(emu, who)
    assert "ながまち" in all_text(welcome)  # the example also in hiragana
    confirm = (await say(emu, who, "ながまちにすんどります"))[-1]
    assert "長町" in all_text(confirm) and find_action([confirm], "はい")
    asked = (await say(emu, who, "はい"))[-1]  # typed, not pressed
    assert "お名前" in all_text(asked)
    done = await finish(emu, who, "北村とし子です", "金沢市長町1-2-3", "076-111-2222")
    assert "北村とし子さん、登録できました" in done
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == who))).one()
    assert (r.name, r.town, r.district_code, r.address, r.phone) == (
        "北村とし子",
        "長町",
        "K01",
        "金沢市長町1-2-3",
        "076-111-2222",
    )
    assert r.agreed_at is not None


async def test_katakana_and_a_typo_find_the_town(bot: Bot, emu: EmulatorServer, world: World) -> None:
    who = uid(902)
    await follow(emu, who)
    confirm = (await say(emu, who, "ホンダマチ"))[-1]
    assert "本多町" in all_text(confirm) and "菊川地区" in all_text(confirm)
    await say(emu, who, "いいえ")
    # A typo: the closest towns as buttons, and a way out.
    pick = (await say(emu, who, "ながまっち"))[-1]
    labels = [a["label"] for a in actions(pick)]
    assert any("長町" in label for label in labels) and "このなかにない" in labels
    asked = (await press(emu, who, find_action([pick], "長町")))[-1]
    assert "お名前" in all_text(asked)


async def test_nothing_is_kept_without_agreeing(bot: Bot, emu: EmulatorServer, world: World) -> None:
    who = uid(903)
    await follow(emu, who)
    await say(emu, who, "長町")
    await say(emu, who, "はい")
    await say(emu, who, "北村とし子")
    await say(emu, who, "なし")
    asked = (await say(emu, who, "なし"))[-1]
    assert "次の人だけが見ます" in all_text(asked)
    no = (await press(emu, who, find_action([asked], "いいえ")))[-1]
    assert "登録はしていません" in all_text(no)
    async with bot.db.session() as s:
        assert (await s.exec(select(Resident).where(Resident.line_user_id == who))).first() is None


async def test_family_registers_on_the_residents_behalf(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    who = uid(904)
    welcome = await follow(emu, who)
    relation = (await press(emu, who, find_action([welcome], "代わり")))[-1]
    town = (await press(emu, who, find_action([relation], "家族")))[-1]
    assert "ご本人" in all_text(town)
    await say(emu, who, "ちゅうおうどおりまち")
    asked = (await say(emu, who, "はい"))[-1]
    assert "ご本人のお名前" in all_text(asked)
    done = await finish(emu, who, "金沢ウメ", "金沢市中央通町9-9", None)
    assert "金沢ウメさんの登録ができました" in done
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == who))).one()
    assert (r.name, r.registered_by_relation, r.registered_by_name) == ("金沢ウメ", "家族", "金沢一郎")
    assert r.approval == "pending"  # self-registered: a coordinator approves before volunteers are sent
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == who))).one()
        await approval.decide(s, resident=r, approve=True, by="test", now=bot.services.clock.now())
    await settled(bot)
    # The supporter who takes the request sees whom they talk with and whom to visit.
    w.resident, w.resident_name = who, "金沢ウメ"
    post = await posted(bot, emu, w, "明日の朝、電球を替えてほしい")
    await claimed_by(bot, emu, w, post)
    details = all_text(emu.messages_to(w.supporters[0])[-1])
    assert "金沢ウメさん" in details and "家族の金沢一郎さん" in details and "金沢市中央通町9-9" in details


async def test_stopping_halfway_in_words_keeps_nothing(bot: Bot, emu: EmulatorServer, world: World) -> None:
    who = uid(905)
    await follow(emu, who)
    await say(emu, who, "長町")
    await say(emu, who, "はい")
    stopped = (await say(emu, who, "やっぱりやめます"))[-1]
    assert "登録はしていません" in all_text(stopped)
    async with bot.db.session() as s:
        assert (await s.exec(select(Resident).where(Resident.line_user_id == who))).first() is None
