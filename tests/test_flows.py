"""The life of a request, end to end: real server, real sockets, the LINE emulator, a real database."""

from __future__ import annotations

import asyncio
import json

from sqlmodel import col, select

from bot.emulator import EmulatorServer
from bot.store.models import HelpRequest, InboxEvent, LineGroup, RequestEvent, Resident, Supporter
from tests.conftest import Bot, World, actions, all_text, build_world, find_action, gid, settled, uid, wait_text


async def ask_and_confirm(emu: EmulatorServer, w: World, words: str) -> dict:
    n = len(emu.messages_to(w.resident))
    await emu.send_text(w.resident, words)
    msgs = await emu.wait_for_messages(w.resident, n + 1)
    if "いつごろ" in all_text(msgs[-1]):  # no day named: the bot asks once
        await emu.send_postback(w.resident, find_action(msgs[-1:], "いつでも")["data"])
        msgs = await emu.wait_for_messages(w.resident, n + 2)
    yes = find_action(msgs[-1:], "はい")
    before = len(emu.messages_to(w.group))
    told = len(emu.messages_to(w.resident))
    await emu.send_postback(w.resident, yes["data"])
    posts = await emu.wait_for_messages(w.group, before + 1)
    await emu.wait_for_messages(w.resident, told + 1)  # 「お願いしました」
    return posts[-1]


async def test_whole_life_of_a_request(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await emu.send_text(w.resident, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    confirm = (await emu.wait_for_messages(w.resident, 1))[0]
    text = all_text(confirm)
    assert "電球" in text and "お手伝いですね" in text and "朝" in text
    labels = [a["label"] for a in actions(confirm)]
    assert labels[0].startswith("はい") and "いいえ" in labels and "言い直す" in labels

    await emu.send_postback(w.resident, find_action([confirm], "はい")["data"])
    post = (await emu.wait_for_messages(w.group, 1))[0]
    group_text = all_text(post)
    assert "長町" in group_text and "電球" in group_text
    for secret in (w.resident_name, "金沢花子", w.resident_address, "2丁目", w.resident_phone, "4567"):
        assert secret not in group_text
    claim = find_action([post], "引き受け")
    resident_msgs = await emu.wait_for_messages(w.resident, 2)
    assert "お願いしました" in all_text(resident_msgs[1])

    await emu.send_postback(w.supporters[0], claim["data"], group_id=w.group)
    group_msgs = await emu.wait_for_messages(w.group, 2)
    assert w.supporter_names[0] in all_text(group_msgs[1])
    details = (await emu.wait_for_messages(w.supporters[0], 1))[0]
    d = all_text(details)
    assert w.resident_name in d and w.resident_address in d and w.resident_phone in d and "電球" in d
    assert find_action([details], "完了") and find_action([details], "手放す")
    told = await emu.wait_for_messages(w.resident, 3)
    assert w.supporter_names[0] in all_text(told[2])

    await emu.send_postback(w.supporters[0], find_action([details], "完了")["data"])
    thanks = await emu.wait_for_messages(w.resident, 4)
    assert "終わりました" in all_text(thanks[3])
    await emu.wait_for_messages(w.group, 3)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        assert req.status == "done" and req.category == "repair"
        assert req.when_date is not None and req.when_part == "morning"
        actions_recorded = [e.action for e in (await s.exec(select(RequestEvent).order_by(col(RequestEvent.id)))).all()]
    assert actions_recorded == ["created", "confirmed", "claimed", "done"]


async def test_twenty_supporters_press_at_once_one_wins(bot: Bot, emu: EmulatorServer) -> None:
    w = await build_world(bot, emu, n_supporters=20)
    post = await ask_and_confirm(emu, w, "雪すかしお願いしたいがや")
    claim = find_action([post], "引き受け")["data"]
    results = await asyncio.gather(*(emu.send_postback(s, claim, group_id=w.group) for s in w.supporters))
    assert all(status == 200 for status, _ in results)
    # The group hears of one winner; the 19 others are told kindly, 1:1.
    await emu.wait_for_messages(w.group, 2)
    for who in w.supporters:
        await emu.wait_for_messages(who, 1, timeout=15)
    winners = [s for s in w.supporters if any("引き受けてくださり" in all_text(m) for m in emu.messages_to(s))]
    losers = [s for s in w.supporters if any("ほかの方が先に" in all_text(m) for m in emu.messages_to(s))]
    assert len(winners) == 1 and len(losers) == 19
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        sup = (await s.exec(select(Supporter).where(Supporter.id == req.supporter_id))).one()
        assert req.status == "claimed" and sup.line_user_id == winners[0]
        claims = (await s.exec(select(RequestEvent).where(RequestEvent.action == "claimed"))).all()
        assert len(claims) == 1
    await settled(bot)
    assert len([m for m in emu.messages_to(w.group) if "引き受けました" in all_text(m)]) == 1


async def test_redelivered_event_is_handled_once(bot: Bot, emu: EmulatorServer, world: World) -> None:
    status, event = await emu.send_text(world.resident, "ゴミ出しを手伝ってほしい")
    assert status == 200
    await emu.wait_for_messages(world.resident, 1)
    status2, _ = await emu.redeliver(event)
    status3, _ = await emu.send_events([event])  # a plain duplicate too
    assert status2 == 200 and status3 == 200
    await settled(bot)
    assert len(emu.messages_to(world.resident)) == 1
    async with bot.db.session() as s:
        assert len((await s.exec(select(InboxEvent))).all()) == 1
        assert len((await s.exec(select(HelpRequest))).all()) == 1


async def test_forged_signature_is_refused_and_nothing_happens(bot: Bot, emu: EmulatorServer, world: World) -> None:
    event = emu.events.text(world.resident, "ころんでたてない")
    body = ('{"destination":"U' + "0" * 32 + '","events":[' + json.dumps(event) + "]}").encode()
    assert (await emu.send_raw(body, "Zm9yZ2Vk"))[0] == 400
    assert (await emu.send_raw(body, None))[0] == 400
    assert (await emu.send_raw(body, emu.sign(body + b" ")))[0] == 400
    assert (await emu.send_raw(b'{"destination":"U1","events":[]}', emu.sign(b'{"destination":"U1","events":[]}')))[
        0
    ] == 200
    await settled(bot)
    assert emu.deliveries == []
    async with bot.db.session() as s:
        assert (await s.exec(select(InboxEvent))).all() == []


async def test_emergency_goes_to_coordinators_never_to_supporters(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await emu.send_text(w.resident, "ころんでたてない　たすけて")
    reply = (await emu.wait_for_messages(w.resident, 1))[0]
    uris = [a["uri"] for a in actions(reply) if a["type"] == "uri"]
    assert uris == ["tel:119"]  # one large button, the right number
    said = all_text(reply)
    assert "119番" in said and "救急です" in said and w.resident_address in said
    alert = all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    assert w.resident_name in alert and w.resident_address in alert and w.resident_phone in alert
    assert "ころんでたてない" in alert
    await settled(bot)
    assert emu.messages_to(w.group) == []
    for s in w.supporters:
        assert emu.messages_to(s) == []


async def test_consult_gets_a_place_to_consult_and_a_private_alert(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await emu.send_text(w.resident, "知らない業者から電話があって、お金を振り込めと言われた。詐欺やろか")
    reply = all_text((await emu.wait_for_messages(w.resident, 1))[0])
    assert "相談" in reply and "188" in reply
    alert = all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    assert "非公開" in alert and w.resident_name in alert
    await settled(bot)
    assert emu.messages_to(w.group) == []


async def test_registration_by_town_and_name(bot: Bot, emu: EmulatorServer, world: World) -> None:
    newcomer = uid(999)
    emu.add_user(newcomer, "としこ")
    await emu.send_follow(newcomer)
    assert "町の名前" in all_text((await emu.wait_for_messages(newcomer, 1))[0])
    await emu.send_text(newcomer, "中央通町です")
    confirm = (await emu.wait_for_messages(newcomer, 2))[1]
    assert "中央通町" in all_text(confirm) and "長町地区" in all_text(confirm)
    await emu.send_postback(newcomer, find_action([confirm], "はい")["data"])
    assert "お名前" in all_text((await emu.wait_for_messages(newcomer, 3))[2])
    await emu.send_text(newcomer, "北村とし子です")
    assert "住所" in all_text((await emu.wait_for_messages(newcomer, 4))[3])
    await emu.send_text(newcomer, "金沢市中央通町3-4")
    phone = (await emu.wait_for_messages(newcomer, 5))[4]
    assert "電話番号" in all_text(phone)
    await emu.send_postback(newcomer, find_action([phone], "とばす")["data"])
    notice = (await emu.wait_for_messages(newcomer, 6))[5]
    assert "サポーターさん" in all_text(notice) and "担当者" in all_text(notice)
    await emu.send_postback(newcomer, find_action([notice], "はい")["data"])
    assert "登録できました" in all_text((await emu.wait_for_messages(newcomer, 7))[6])
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == newcomer))).one()
    assert r.name == "北村とし子" and r.district_code == "K01" and r.town == "中央通町"
    assert r.address == "金沢市中央通町3-4" and r.phone is None and r.agreed_at is not None


async def test_status_and_cancel_tells_the_group(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await ask_and_confirm(emu, w, "買い物をお願いできますか。牛乳とパン")
    n = len(emu.messages_to(w.resident))
    await emu.send_text(w.resident, "依頼の状況")
    msgs = await emu.wait_for_messages(w.resident, n + 2)
    assert "買い物" in all_text(msgs[-1])
    await emu.send_postback(w.resident, find_action(msgs, "取りやめる")["data"])
    # 【取りやめる】 asks once before it takes effect.
    question = (await emu.wait_for_messages(w.resident, n + 3))[-1]
    assert "取りやめますか" in all_text(question)
    await emu.send_postback(w.resident, find_action([question], "はい")["data"])
    assert "取りやめました" in all_text((await emu.wait_for_messages(w.resident, n + 4))[-1])
    assert "取りやめ" in all_text((await emu.wait_for_messages(w.group, 2))[-1])
    # The old claim button now says so.
    claim = find_action(emu.messages_to(w.group), "引き受け")["data"]
    await emu.send_postback(w.supporters[0], claim, group_id=w.group)
    assert "終わっています" in all_text((await emu.wait_for_messages(w.supporters[0], 1))[-1])


async def test_release_reposts_the_request(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    post = await ask_and_confirm(emu, w, "草むしりを手伝ってほしい")
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = (await emu.wait_for_messages(w.supporters[0], 1))[0]
    # Someone else cannot finish or release it.
    await emu.send_postback(w.supporters[1], find_action([details], "完了")["data"])
    assert "引き受けた方だけ" in all_text((await emu.wait_for_messages(w.supporters[1], 1))[0])
    await emu.send_postback(w.supporters[0], find_action([details], "手放す")["data"])
    posts = await emu.wait_for_messages(w.group, 3)
    assert "引き受け" in str(find_action([posts[-1]], "引き受け"))
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"


async def test_supporter_who_has_not_added_the_bot_is_told_in_the_group(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    emu.add_user(w.supporters[1], w.supporter_names[1], friend=False)
    post = await ask_and_confirm(emu, w, "電球を替えてほしい")
    await emu.send_postback(w.supporters[1], find_action([post], "引き受け")["data"], group_id=w.group)
    msg = all_text((await emu.wait_for_messages(w.group, 2))[-1])
    assert "友だち追加" in msg and w.resident_name not in msg
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"


async def test_non_supporter_is_told_how_to_register(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    stranger = uid(555)
    emu.add_user(stranger, "通りすがり")
    post = await ask_and_confirm(emu, w, "灯油を運んでほしい")
    await emu.send_postback(stranger, find_action([post], "引き受け")["data"], group_id=w.group)
    assert "サポーター登録" in all_text((await emu.wait_for_messages(w.group, 2))[-1])


async def test_unbound_group_gets_instructions_and_chatter_is_not_stored(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    other = gid(77)
    emu.add_group(other, "どこかのグループ", members=[world.supporters[0]])
    await emu.send_join(other)
    assert other in all_text((await emu.wait_for_messages(other, 1))[0])
    await emu.send_text(world.supporters[0], "今日は寒いですね、田中さんの家の前", group_id=world.group)
    await settled(bot)
    async with bot.db.session() as s:
        bodies = [e.body for e in (await s.exec(select(InboxEvent))).all()]
    assert bodies and not any("田中さん" in b for b in bodies)
    assert emu.messages_to(world.group) == []
    await emu.send_leave(world.group)
    await settled(bot)
    async with bot.db.session() as s:
        g = await s.get(LineGroup, world.group)
        assert g is not None and g.active is False


async def test_unfollow_marks_the_resident_blocked(bot: Bot, emu: EmulatorServer, world: World) -> None:
    await emu.send_unfollow(world.resident)
    await settled(bot)
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident))).one()
    assert r.followed is False and r.blocked_at is not None


async def test_status_does_not_offer_to_cancel_an_emergency(bot: Bot, emu: EmulatorServer, world: World) -> None:
    """Regression: the status list showed an emergency as 「サポーターさんを探しています」 with a cancel button."""
    await emu.send_text(world.resident, "ころんでたてない　たすけて")
    await emu.wait_for_messages(world.coordinators, 1)
    await wait_text(emu, world.resident, "119")
    n = len(emu.messages_to(world.resident))
    await emu.send_text(world.resident, "依頼の状況")
    reply = all_text((await emu.wait_for_messages(world.resident, n + 1))[-1])
    assert "お願い中のことはありません" in reply and "緊急" not in reply
