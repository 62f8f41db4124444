"""Issue 13, no stuck states: a claim whose supporter left the group, blocked the bot or was suspended is
released and re-posted, and the coordinators told; a resident who blocked the bot is not silently claimable;
the bot removed from a group is reported at once. Through the webhook and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import col, select

from bot.emulator import EmulatorServer
from bot.store.models import HelpRequest, LineGroup, RequestEvent, Supporter
from tests.conftest import Bot, World, all_text, find_action, settled, wait_text
from tests.test_cli import run
from tests.test_flows import ask_and_confirm


async def claimed(emu: EmulatorServer, w: World) -> dict[str, Any]:
    """A request taken by the first supporter; returns the group's post."""
    post = await ask_and_confirm(emu, w, "草むしりを手伝ってほしい")
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)  # the details
    return post


async def assert_released_and_reposted(bot: Bot, emu: EmulatorServer, w: World, why: str) -> None:
    posts_before = sum("引き受けます" in all_text(m) for m in emu.messages_to(w.group))
    told = await wait_text(emu, w.coordinators, "【担当の解除】")
    assert w.supporter_names[0] in all_text(told) and why in all_text(told)
    await settled(bot)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        assert req.status == "open" and req.supporter_id is None
        events = [e.action for e in (await s.exec(select(RequestEvent).order_by(col(RequestEvent.id)))).all()]
    assert events.count("auto_released") == 1
    assert sum("引き受けます" in all_text(m) for m in emu.messages_to(w.group)) >= posts_before
    assert any("探し" in all_text(m) or "もう一度" in all_text(m) for m in emu.messages_to(w.resident)[-1:])
    # Someone else can take it now.
    repost = [m for m in emu.messages_to(w.group) if "引き受けます" in str(m)][-1]
    await emu.send_postback(w.supporters[1], find_action([repost], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, f"{w.supporter_names[1]}さん")


async def test_a_supporter_who_leaves_the_group_gives_their_claim_back(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await claimed(emu, w)
    await emu.send_member_left(w.group, [w.supporters[0]])
    await assert_released_and_reposted(bot, emu, w, "退出")


async def test_a_supporter_who_blocks_the_bot_gives_their_claim_back(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await claimed(emu, w)
    await emu.send_unfollow(w.supporters[0])
    await assert_released_and_reposted(bot, emu, w, "ブロック")


async def test_a_suspended_supporter_gives_their_claim_back_and_cannot_take_another(
    bot: Bot, emu: EmulatorServer, world: World, db_url: str
) -> None:
    w = world
    post = await claimed(emu, w)
    await settled(bot)
    # In a thread: the bot runs in this loop, and must go on while the command waits for the database.
    r = await asyncio.to_thread(run, db_url, "supporter", "suspend", w.supporters[0])
    assert r.returncode == 0 and "1 request(s)" in r.stdout, r.stderr
    bot.services.wake_scheduler()
    await assert_released_and_reposted(bot, emu, w, "停止")
    await wait_text(emu, w.supporters[0], "グループに戻しました")
    second = await ask_and_confirm(emu, w, "電球を替えてほしい")
    await emu.send_postback(w.supporters[0], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, "いまは依頼を引き受けられません")
    assert "suspended" in (await asyncio.to_thread(run, db_url, "supporter", "list")).stdout
    assert (await asyncio.to_thread(run, db_url, "supporter", "unsuspend", w.supporters[0])).returncode == 0
    await emu.send_postback(w.supporters[0], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, f"{w.supporter_names[0]}さん")
    assert post


async def test_a_resident_who_blocks_the_bot_is_not_silently_claimable(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    first = await ask_and_confirm(emu, w, "草むしりを手伝ってほしい")
    second = await ask_and_confirm(emu, w, "電球を替えてほしい")  # #2 stays open
    await emu.send_postback(w.supporters[0], find_action([first], "引き受け")["data"], group_id=w.group)  # #1 taken
    await emu.wait_for_messages(w.supporters[0], 1)
    await settled(bot)
    await emu.send_unfollow(w.resident)
    told = all_text(await wait_text(emu, w.supporters[0], "連絡がとれなくなりました"))
    assert "依頼#1" in told
    await wait_text(emu, w.group, "依頼#2は、ご本人と連絡がとれない")
    alert = all_text(await wait_text(emu, w.coordinators, "ブロックしました"))
    assert w.resident_name in alert and w.resident_phone in alert and "依頼#1、依頼#2" in alert
    await emu.send_postback(w.supporters[1], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, "いまは引き受けられません。担当者が確認しています")
    await settled(bot)
    async with bot.db.session() as s:
        assert (await s.get(HelpRequest, 2)).status == "open"  # type: ignore[union-attr]
    # Back again (added the bot): the group hears it may be taken, and it can.
    await emu.send_follow(w.resident, is_unblocked=True)
    await wait_text(emu, w.group, "依頼#2は、ご本人とまた連絡がとれるようになりました")
    await emu.send_postback(w.supporters[1], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, f"{w.supporter_names[1]}さん")


async def test_the_bot_removed_from_a_group_tells_the_coordinators_at_once(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await emu.send_leave(w.group)
    said = all_text(await wait_text(emu, w.coordinators, "ボットが外されました"))
    assert "長町地区のサポーターのグループ" in said
    await settled(bot)
    async with bot.db.session() as s:
        g = await s.get(LineGroup, w.group)
        assert g is not None and g.active is False and g.removed_at is not None
        assert (await s.exec(select(Supporter))).all()
