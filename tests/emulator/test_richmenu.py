"""Rich menus: create, upload the image (data host path), set as default or per user, list, delete."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from linebot.v3.messaging import (
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.emulator import EmulatorServer

from .conftest import TOKEN

ALICE = "U" + "a1" * 16
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def png(width: int, height: int) -> bytes:
    """A real (all-black, greyscale) PNG of the given size, small because it compresses to nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def menu() -> RichMenuRequest:
    areas = [
        RichMenuArea(
            bounds=RichMenuBounds(x=i * 625, y=0, width=625, height=843),
            action=PostbackAction(label=label, data=f"v1:menu:{i}"),  # type: ignore[call-arg]
        )
        for i, label in enumerate(["困りごとを伝える", "依頼の状況", "電話で相談", "使いかた"])
    ]
    return RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=True,
        name="residents",
        chatBarText="メニュー",
        areas=areas,
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _upload(
    http: aiohttp.ClientSession, emu: EmulatorServer, menu_id: str, image: bytes, content_type: str = "image/png"
) -> int:
    url = f"{emu.url}/v2/bot/richmenu/{menu_id}/content"
    async with http.post(url, data=image, headers={**AUTH, "Content-Type": content_type}) as resp:
        return resp.status


async def test_create_upload_and_set_default(
    emu: EmulatorServer, line: AsyncMessagingApi, line_blob: AsyncMessagingApiBlob, http: aiohttp.ClientSession
) -> None:
    await line.validate_rich_menu_object(menu())
    menu_id = (await line.create_rich_menu(menu())).rich_menu_id
    assert menu_id.startswith("richmenu-")
    with pytest.raises(ApiException) as err:
        await line.set_default_rich_menu(menu_id)  # no image yet
    assert err.value.status == 400
    image = png(2500, 843)
    # Through the SDK's blob client, as the bot's `sasaeai richmenu setup` would do it.
    await line_blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})
    assert await _upload(http, emu, menu_id, image) == 400  # LINE allows one upload per menu
    assert await line_blob.get_rich_menu_image(menu_id) == image
    async with http.get(f"{emu.url}/v2/bot/richmenu/{menu_id}/content", headers=AUTH) as resp:
        assert resp.content_type == "image/png"
    await line.set_default_rich_menu(menu_id)
    assert (await line.get_default_rich_menu_id()).rich_menu_id == menu_id
    emu.add_user(ALICE, "田中")
    await line.link_rich_menu_id_to_user(ALICE, menu_id)
    assert (await line.get_rich_menu_id_of_user(ALICE)).rich_menu_id == menu_id
    listed = (await line.get_rich_menu_list()).richmenus
    assert [(m.rich_menu_id, m.chat_bar_text) for m in listed] == [(menu_id, "メニュー")]
    assert (await line.get_rich_menu(menu_id)).name == "residents"
    await line.delete_rich_menu(menu_id)
    with pytest.raises(ApiException) as err:
        await line.get_default_rich_menu_id()
    assert err.value.status == 404
    assert emu.violations == []


@pytest.mark.parametrize(
    ("image", "content_type", "status"),
    [
        (png(800, 270), "image/png", 400),  # not the size the menu declares
        (b"GIF89a....", "image/gif", 415),
        (b"not a png at all", "image/png", 400),
    ],
)
async def test_bad_images_are_refused(
    emu: EmulatorServer,
    line: AsyncMessagingApi,
    http: aiohttp.ClientSession,
    image: bytes,
    content_type: str,
    status: int,
) -> None:
    menu_id = (await line.create_rich_menu(menu())).rich_menu_id
    assert await _upload(http, emu, menu_id, image, content_type) == status


async def test_invalid_rich_menu_is_a_violation(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    body = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "x", "chatBarText": "x", "areas": "no"}
    async with http.post(f"{emu.url}/v2/bot/richmenu", json=body, headers=AUTH) as resp:
        assert resp.status == 400
    assert len(emu.violations) == 1


async def test_control_api_shows_menus_for_the_simulator(
    emu: EmulatorServer, line: AsyncMessagingApi, http: aiohttp.ClientSession
) -> None:
    menu_id = (await line.create_rich_menu(menu())).rich_menu_id
    await _upload(http, emu, menu_id, png(2500, 843))
    await line.set_default_rich_menu(menu_id)
    async with http.get(f"{emu.url}/_emulator/richmenus") as resp:
        data = await resp.json()
    assert data["default"] == menu_id
    assert data["richmenus"][0]["hasImage"] is True
    async with http.get(f"{emu.url}/_emulator/richmenus/{menu_id}/image") as resp:
        assert resp.status == 200
