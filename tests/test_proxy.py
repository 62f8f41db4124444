"""On behalf of someone (代理): a family member asks for the resident they look after; the supporter
sees whom to visit and whom to call; the proxy is told who is coming."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.emulator import EmulatorServer
from bot.store.errors import InvalidInput, NotFound
from bot.store.models import HelpRequest, Proxy
from tests.conftest import Bot, World, all_text, find_action, uid
from tests.test_conversation import cli, press, say, wait_text

PROXY = uid(300)


async def test_a_family_member_asks_for_the_resident(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    out = await cli(
        bot, "proxy", "add", PROXY, "--resident", w.resident, "--relation", "家族", "--name", "金沢一郎",
        "--phone", "090-1111-2222",
    )  # fmt: skip
    assert out is not None and "added" in out
    emu.add_user(PROXY, "いちろう")
    confirm = (await say(emu, PROXY, "明日、母の家の電球を替えてもらえますか"))[0]
    assert f"{w.resident_name}さんの" in all_text(confirm)
    await press(emu, PROXY, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    group_text = all_text(post)
    assert "長町" in group_text
    for private in ("金沢一郎", "090-1111-2222", w.resident_name, w.resident_address, w.resident_phone):
        assert private not in group_text

    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = all_text((await emu.wait_for_messages(w.supporters[0], 1))[0])
    # Whom to visit: the resident; whom to call: the proxy, and the resident too.
    assert w.resident_name in details and w.resident_address in details and w.resident_phone in details
    assert "家族の金沢一郎さん" in details and "090-1111-2222" in details and "訪問先" in details
    await wait_text(emu, PROXY, w.supporter_names[0])
    coming = next(all_text(m) for m in emu.messages_to(PROXY) if w.supporter_names[0] in all_text(m))
    assert f"{w.resident_name}さんの" in coming and "来てくれます" in coming
    await wait_text(emu, w.resident, w.supporter_names[0])

    details_msg = emu.messages_to(w.supporters[0])[0]
    await emu.send_postback(w.supporters[0], find_action([details_msg], "完了")["data"])
    await wait_text(emu, PROXY, "終わりました")
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        proxy = (await s.exec(select(Proxy))).one()
    assert req.status == "done" and req.proxy_id == proxy.id and req.resident_id == proxy.resident_id


async def test_a_proxy_sees_the_resident_status(bot: Bot, emu: EmulatorServer, world: World) -> None:
    await cli(bot, "proxy", "add", PROXY, "--resident", world.resident, "--relation", "民生委員", "--name", "北村")
    emu.add_user(PROXY, "きたむら")
    ask = (await say(emu, PROXY, "買い物をお願いしたい"))[0]
    confirm = (await press(emu, PROXY, find_action([ask], "いつでもいい")))[0]
    assert f"{world.resident_name}さんの" in all_text(confirm)
    await press(emu, PROXY, find_action([confirm], "はい"))
    await emu.wait_for_messages(world.group, 1)
    status = await say(emu, PROXY, "依頼の状況")
    assert "買い物" in all_text(status[-1])


async def test_proxy_add_refuses_bad_input(bot: Bot, emu: EmulatorServer, world: World) -> None:
    with pytest.raises(NotFound):
        await cli(bot, "proxy", "add", PROXY, "--resident", uid(12345), "--relation", "家族", "--name", "誰か")
    with pytest.raises(InvalidInput):
        await cli(
            bot, "proxy", "add", world.resident, "--resident", world.resident, "--relation", "家族", "--name", "x"
        )
    with pytest.raises(SystemExit):
        await cli(bot, "proxy", "add", PROXY, "--resident", world.resident, "--relation", "友人", "--name", "x")


async def test_a_proxy_who_stops_is_removed_and_refused_a_bad_phone(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    with pytest.raises(InvalidInput):  # the same phone check as a resident's
        await cli(bot, "proxy", "add", PROXY, "--resident", world.resident, "--relation", "家族", "--name", "金沢一郎",
                  "--phone", "<b>call</b>")  # fmt: skip
    await cli(bot, "proxy", "add", PROXY, "--resident", world.resident, "--relation", "家族", "--name", "金沢一郎")
    await cli(bot, "proxy", "remove", PROXY, "--resident", world.resident)
    async with bot.db.read() as s:
        assert (await s.exec(select(Proxy))).all() == []
    with pytest.raises(NotFound):
        await cli(bot, "proxy", "remove", PROXY, "--resident", world.resident)
