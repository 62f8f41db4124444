"""What residents actually send: stickers, photos, voice, places, files, huge or odd texts, floods."""

from __future__ import annotations

from bot.emulator import EmulatorServer
from tests.conftest import Bot, World, actions, all_text, build_world, make_settings, settled, start_bot, uid


async def test_every_kind_of_message_gets_a_kind_useful_answer(bot: Bot, emu: EmulatorServer, world: World) -> None:
    r = world.resident
    async with bot.db.session() as s:
        from bot.store.models import District

        d = await s.get(District, world.district)
        assert d is not None
        d.contact_phone = "076-220-0000"
        s.add(d)
    cases = [
        (emu.send_sticker(r), "スタンプ"),
        (emu.send_image(r), "写真"),
        (emu.send_video(r), "動画"),
        (emu.send_audio(r), "音声"),
        (emu.send_file(r), "ファイル"),
        (emu.send_location(r), "場所"),
    ]
    for n, (send, expect) in enumerate(cases, start=1):
        await send
        msg = (await emu.wait_for_messages(r, n))[-1]
        assert expect in all_text(msg), (expect, all_text(msg))
    voice = emu.messages_to(r)[3]
    assert any(a.get("uri") == "tel:0762200000" for a in actions(voice)), "a voice message needs a call button"


async def test_long_emoji_and_control_character_texts(bot: Bot, emu: EmulatorServer, world: World) -> None:
    r = world.resident
    await emu.send_text(r, "ゴミ出しをお願いしたい。" + "あ" * 4990)
    first = await emu.wait_for_messages(r, 1)
    assert any("長い" in all_text(m) or "お手伝い" in all_text(m) for m in first)
    await settled(bot)
    n = len(emu.messages_to(r))
    await emu.send_text(r, "😀😀🙏")
    assert all_text((await emu.wait_for_messages(r, n + 1))[-1])
    n = len(emu.messages_to(r))
    await emu.send_text(r, "電球\x00を\x07替えて\x1bほしい")
    reply = all_text((await emu.wait_for_messages(r, n + 1))[-1])
    assert "電球" in reply and "\x00" not in reply


async def test_a_flood_gets_one_polite_answer_and_others_are_still_served(emu: EmulatorServer, db_url: str) -> None:
    bot = await start_bot(emu, make_settings(emu, db_url, rate_limit_per_minute=5))
    try:
        w = await build_world(bot, emu)
        flooder = w.resident
        events = [emu.events.text(flooder, f"おーい{i}") for i in range(40)]
        await emu.send_events(events)  # one body, 40 messages
        other = uid(4242)
        emu.add_user(other, "ほかの人")
        await emu.send_follow(other)
        assert "町" in all_text((await emu.wait_for_messages(other, 1, timeout=10))[0])
        await settled(bot, handled=41)
        replies = [all_text(m) for m in emu.messages_to(flooder)]
        assert sum("少し時間をおいて" in t for t in replies) == 1
        assert len(replies) <= 6  # five answered, one polite note, the rest dropped
    finally:
        await bot.runner.cleanup()
