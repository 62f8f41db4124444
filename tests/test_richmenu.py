"""The residents' rich menu: `sasaeai richmenu setup` against the emulator, and what its buttons make the bot say."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from bot import messages as M
from bot import richmenu
from bot.emulator import EmulatorServer
from bot.store.models import Resident
from tests.conftest import SECRET, TOKEN, Bot, World, all_text, find_action, uid


def _env(emu: EmulatorServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": emu.url,
        **extra,
    }


async def _cli(emu: EmulatorServer, *args: str, **env: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=_env(emu, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_setup_creates_uploads_and_sets_default_and_replaces_only_ours(emu: EmulatorServer) -> None:
    menus = emu.state.rich_menus
    code, out, err = await _cli(emu, "richmenu", "setup", CONSULT_PHONE="076-220-2111")
    assert code == 0, err
    assert len(menus) == 1
    first = next(iter(menus.values()))
    assert emu.state.default_rich_menu == first.rich_menu_id
    assert first.rich_menu_id in out

    body = first.body
    assert body["size"] == {"width": 2500, "height": 1686}
    actions = [a["action"] for a in body["areas"]]
    assert [a.get("label") for a in actions] == ["困りごとを伝える", "依頼の状況", "電話で相談", "使いかた"]
    assert actions[2] == {"type": "uri", "label": "電話で相談", "uri": "tel:0762202111"}
    assert [a.get("text") for a in actions if a["type"] == "message"] == ["困りごとを伝える", "依頼の状況", "使いかた"]
    # Four areas tile the whole image without overlapping.
    assert sum(a["bounds"]["width"] * a["bounds"]["height"] for a in body["areas"]) == 2500 * 1686

    assert first.image is not None and first.image_type == "image/png"
    img = Image.open(io.BytesIO(first.image))
    assert img.size == (2500, 1686) and len(first.image) < 1024 * 1024

    # Run again: the old menu is deleted, a new one is the default.
    code, _, err = await _cli(emu, "richmenu", "setup", CONSULT_PHONE="076-220-2111")
    assert code == 0, err
    assert len(emu.state.rich_menus) == 1
    second = next(iter(emu.state.rich_menus.values()))
    assert second.rich_menu_id != first.rich_menu_id
    assert emu.state.default_rich_menu == second.rich_menu_id
    assert emu.state.calls("/v2/bot/richmenu/" + first.rich_menu_id, "DELETE")


async def test_setup_leaves_other_menus_alone(emu: EmulatorServer) -> None:
    from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, RichMenuRequest

    body = richmenu.menu_body("0762202111") | {"name": "events-campaign"}
    async with AsyncApiClient(Configuration(host=emu.url, access_token=TOKEN)) as client:
        other = (await AsyncMessagingApi(client).create_rich_menu(RichMenuRequest.from_dict(body))).rich_menu_id
    code, _, err = await _cli(emu, "richmenu", "setup", CONSULT_PHONE="0762202111")
    assert code == 0, err
    code, _, err = await _cli(emu, "richmenu", "setup", CONSULT_PHONE="0762202111")
    assert code == 0, err
    assert other in emu.state.rich_menus and len(emu.state.rich_menus) == 2


async def test_setup_without_consult_phone_is_one_clear_line_and_creates_nothing(emu: EmulatorServer) -> None:
    code, _, err = await _cli(emu, "richmenu", "setup", CONSULT_PHONE="")
    assert code == 2
    assert "CONSULT_PHONE" in err and len(err.strip().splitlines()) == 1
    assert emu.state.rich_menus == {} and emu.state.api_calls == []


async def test_missing_font_is_a_clear_error(
    emu: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(richmenu, "FONT_PATH", tmp_path / "no-such-font.ttc")
    with pytest.raises(richmenu.RichMenuError, match="fonts-noto-cjk"):
        richmenu.draw_image()


def test_image_is_high_contrast() -> None:
    img = Image.open(io.BytesIO(richmenu.draw_image())).convert("RGB")

    def luminance(rgb: tuple[int, int, int]) -> float:
        def lin(c: int) -> float:
            x = c / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        r, g, b = (lin(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for button in richmenu.BUTTONS:
        ratio = (1.05) / (luminance(button.color) + 0.05)
        assert ratio >= 7, f"{button.label}: white on {button.color} is only {ratio:.1f}:1"
    # The label is drawn in white on each button's colour (sample a label pixel row: both colours present).
    for i, button in enumerate(richmenu.BUTTONS):
        x0, y0 = (i % 2) * 1250, (i // 2) * 843
        row = {img.getpixel((x, y0 + 540)) for x in range(x0 + 100, x0 + 1150)}
        assert (255, 255, 255) in row and button.color in row


async def test_menu_texts_get_an_answer(bot: Bot, emu: EmulatorServer, world: World) -> None:
    await emu.send_text(world.resident, M.MENU_REQUEST_LABEL)
    reply = (await emu.wait_for_messages(world.resident, 1))[0]
    assert reply["text"] == M.ASK_TROUBLE
    await emu.send_text(world.resident, M.MENU_HELP_LABEL)
    reply = (await emu.wait_for_messages(world.resident, 2))[1]
    assert "使いかた" in all_text(reply)
    await emu.send_text(world.resident, M.MENU_STATUS_LABEL)
    reply = (await emu.wait_for_messages(world.resident, 3))[2]
    assert reply["text"] == M.NO_OPEN_REQUESTS


async def test_menu_buttons_halfway_through_registration_are_not_a_town_or_a_name(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    newcomer = uid(300)
    emu.add_user(newcomer, "はじめての人")
    await emu.send_follow(newcomer)
    await emu.wait_for_messages(newcomer, 1)
    await emu.send_text(newcomer, M.MENU_HELP_LABEL)
    assert (await emu.wait_for_messages(newcomer, 2))[1]["text"] == M.REGISTER_FIRST_TOWN
    await emu.send_text(newcomer, "長町")
    confirm = (await emu.wait_for_messages(newcomer, 3))[2]
    await emu.send_postback(newcomer, find_action([confirm], "はい")["data"])
    assert (await emu.wait_for_messages(newcomer, 4))[3]["text"] == M.ASK_NAME
    await emu.send_text(newcomer, M.MENU_REQUEST_LABEL)
    assert (await emu.wait_for_messages(newcomer, 5))[4]["text"] == M.REGISTER_FIRST_NAME
    await emu.send_text(newcomer, "犀川よし子です")
    await emu.wait_for_messages(newcomer, 6)
    for n, answer in enumerate(["なし", "なし", "はい"], start=7):  # no address, no phone, agreed
        await emu.send_text(newcomer, answer)
        await emu.wait_for_messages(newcomer, n)
    async with bot.db.session() as s:
        resident = (await s.exec(select(Resident).where(Resident.line_user_id == newcomer))).one()
    assert "犀川" in resident.name and "困りごと" not in resident.name
