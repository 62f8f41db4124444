"""Forged or replayed buttons, people who are not allowed, and personal data kept out of logs and groups."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.emulator import EmulatorServer
from bot.postback import Action, Postback, encode
from bot.store import people, retention
from bot.store.models import HelpRequest, InboxEvent, OutboxMessage
from tests.conftest import (
    SECRET,
    TOKEN,
    Bot,
    World,
    all_text,
    build_world,
    confirmation,
    find_action,
    gid,
    make_settings,
    settled,
    start_bot,
    uid,
    wait_text,
)
from tests.test_flows import ask_and_confirm


async def test_forged_postback_data_is_refused(bot: Bot, emu: EmulatorServer, world: World) -> None:
    post = await ask_and_confirm(emu, world, "電球を替えてほしい")
    real = find_action([post], "引き受け")["data"]
    forged = real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB")
    await emu.send_postback(world.supporters[0], forged, group_id=world.group)
    await emu.send_postback(world.supporters[0], "sa1:cl:1::", group_id=world.group)
    await settled(bot)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"
    assert not any("引き受けてくださり" in all_text(m) for m in emu.messages_to(world.supporters[0]))


async def test_claim_from_another_district_or_an_unbound_group_is_refused(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    post = await ask_and_confirm(emu, world, "電球を替えてほしい")
    claim = find_action([post], "引き受け")["data"]
    outsider, other_group, stray_group = uid(700), gid(70), gid(71)
    async with bot.db.session() as s:
        now = bot.services.clock.now()
        await people.add_supporter(s, line_user_id=outsider, district_code="K02", name="他地区の人", now=now)
        await people.bind_group(s, group_id=other_group, district_code="K02", now=now)
    emu.add_user(outsider, "他地区の人")
    emu.add_group(other_group, "菊川サポーター", members=[outsider])
    emu.add_group(stray_group, "どこか", members=[world.supporters[0]])
    # The same button replayed in another district's group, by its supporter.
    await emu.send_postback(outsider, claim, group_id=other_group)
    # A district supporter pressing it in a group the bot was never bound to.
    await emu.send_postback(world.supporters[0], claim, group_id=stray_group)
    # A district supporter pressing it in their own group, but 1:1 replayed data outside any group.
    await emu.send_postback(world.supporters[1], claim)
    await settled(bot)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"
    for who in (outsider, world.supporters[0], world.supporters[1]):
        assert not any(world.resident_name in all_text(m) for m in emu.messages_to(who))
    assert emu.messages_to(stray_group) == []


async def test_removed_supporter_can_no_longer_act(bot: Bot, emu: EmulatorServer, world: World) -> None:
    post = await ask_and_confirm(emu, world, "電球を替えてほしい")
    await emu.send_member_left(world.group, [world.supporters[0]])
    await settled(bot)
    await emu.send_postback(world.supporters[0], find_action([post], "引き受け")["data"], group_id=world.group)
    await settled(bot)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "open"


async def test_residents_buttons_cannot_be_pressed_by_someone_else(bot: Bot, emu: EmulatorServer, world: World) -> None:
    confirm = await confirmation(emu, world, "電球を替えてほしい")
    yes = find_action([confirm], "はい")["data"]
    await emu.send_postback(world.supporters[0], yes)  # someone else replays the resident's はい
    await settled(bot)
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest))).one().status == "draft"
    assert emu.messages_to(world.group) == []


async def test_no_personal_data_or_secrets_in_logs(emu: EmulatorServer, db_url: str) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(level=logging.INFO)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(keep)
    root.setLevel(logging.INFO)
    try:
        bot = await start_bot(emu, make_settings(emu, db_url))
        world = await build_world(bot, emu)
        post = await ask_and_confirm(emu, world, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
        await emu.send_postback(world.supporters[0], find_action([post], "引き受け")["data"], group_id=world.group)
        details = await wait_text(emu, world.supporters[0], "完了")
        emu.add_user(world.resident, world.resident_name, friend=False)  # blocks the bot: a failed push is logged
        await emu.send_postback(world.supporters[0], find_action([details], "完了")["data"])
        await wait_text(emu, world.group, "完了しました")
        # The refused push to the resident first: writing 1:1 makes them a friend again (the emulator, as LINE).
        await settled(bot)
        await emu.send_text(world.resident, "ころんでたてない　たすけて")
        await emu.wait_for_messages(world.coordinators, 1)
        await settled(bot)
        await bot.runner.cleanup()
    finally:
        root.removeHandler(keep)
        root.setLevel(old_level)
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    assert "ready" in logs and "could not be delivered" in logs  # the check saw the whole scenario
    for secret in (
        world.resident_name,
        world.resident_address,
        world.resident_phone,
        "電球が切れて",
        "ころんで",
        world.supporter_names[0],
        SECRET,
        TOKEN,
    ):
        assert secret not in logs, f"{secret!r} leaked into the logs"


async def test_purge_anonymises_finished_requests_and_keeps_the_figures(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    post = await ask_and_confirm(emu, world, "電球を替えてほしい")
    await emu.send_postback(world.supporters[0], find_action([post], "引き受け")["data"], group_id=world.group)
    details = await wait_text(emu, world.supporters[0], "完了")
    await emu.send_postback(world.supporters[0], find_action([details], "完了")["data"])
    await wait_text(emu, world.resident, "終わりました")
    await ask_and_confirm(emu, world, "ゴミ出しをお願い")  # still open: must be kept whole
    await settled(bot)
    async with bot.db.session() as s:
        report = await retention.purge(s, before=bot.services.clock.now() + timedelta(days=1))
    assert report.requests == 1
    async with bot.db.session() as s:
        rows = (await s.exec(select(HelpRequest).order_by(col(HelpRequest.id)))).all()
        done, open_ = rows[0], rows[1]
        assert done.text == "" and done.masked == "" and done.category == "repair" and done.done_at is not None
        assert "ゴミ出し" in open_.text
        bodies = " ".join(e.body for e in (await s.exec(select(InboxEvent))).all())
        assert "電球" not in bodies
        sent = " ".join(str(o.messages) for o in (await s.exec(select(OutboxMessage))).all())
        assert world.resident_address not in sent


def test_postback_codec_rejects_tampering() -> None:
    from bot.postback import InvalidPostback, decode

    data = encode(Postback(Action.CLAIM, 42), SECRET.encode())
    assert decode(data, SECRET.encode()) == Postback(Action.CLAIM, 42)
    for bad in (data.replace(":42:", ":43:"), data + "x", "sa2" + data[3:], "x" * 301, "", "sa1:cl:42::"):
        with pytest.raises(InvalidPostback):
            decode(bad, SECRET.encode())
