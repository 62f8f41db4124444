"""The emulator's own answers match messaging-api.yml, so code written against it also works against LINE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import EmulatorServer
from bot.emulator.openapi import validate_response

from .conftest import TOKEN
from .test_richmenu import png

ALICE = "U" + "a1" * 16
GROUP = "C" + "c3" * 16
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MENU = {
    "size": {"width": 2500, "height": 843},
    "selected": False,
    "name": "m",
    "chatBarText": "メニュー",
    "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843}, "action": {"type": "message", "text": "a"}}],
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_every_answer_matches_the_spec(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    emu.add_user(ALICE, "田中")
    emu.add_group(GROUP, "犀川地区", [ALICE])
    _, event = await emu.send_text(ALICE, "x")
    text = [{"type": "text", "text": "x"}]
    checked: list[tuple[str, str, int]] = []

    async def call(method: str, path: str, json: Any = None, data: bytes | None = None, ctype: str = "") -> Any:
        headers = dict(AUTH)
        if ctype:
            headers["Content-Type"] = ctype
        async with http.request(method, emu.url + path, json=json, data=data, headers=headers) as resp:
            body = await resp.read()
            assert resp.status < 300, (path, resp.status, body)
            errors = validate_response(method, path, resp.status, resp.headers, body, resp.content_type)
            assert errors == [], (method, path, errors)
            assert resp.headers["x-line-request-id"]
            checked.append((method, path, resp.status))
            return await resp.json() if resp.content_type == "application/json" else body

    await call("POST", "/v2/bot/message/reply", {"replyToken": event["replyToken"], "messages": text})
    await call("POST", "/v2/bot/message/push", {"to": GROUP, "messages": text})
    await call("GET", f"/v2/bot/profile/{ALICE}")
    await call("GET", f"/v2/bot/group/{GROUP}/member/{ALICE}")
    await call("GET", f"/v2/bot/group/{GROUP}/summary")
    await call("GET", f"/v2/bot/group/{GROUP}/members/count")
    await call("POST", "/v2/bot/chat/loading/start", {"chatId": ALICE, "loadingSeconds": 5})
    await call("POST", "/v2/bot/message/validate/push", {"messages": text})
    await call("POST", "/v2/bot/message/validate/reply", {"messages": text})
    _, image = await emu.send_image(ALICE)
    assert (await call("GET", f"/v2/bot/message/{image['message']['id']}/content")).startswith(b"\x89PNG")
    await call("GET", f"/v2/bot/message/{image['message']['id']}/content/transcoding")
    await call("GET", "/v2/bot/message/quota")
    await call("GET", "/v2/bot/message/quota/consumption")
    await call("GET", "/v2/bot/info")
    await call("POST", "/v2/bot/richmenu/validate", MENU)
    menu_id = (await call("POST", "/v2/bot/richmenu", MENU))["richMenuId"]
    await call("POST", f"/v2/bot/richmenu/{menu_id}/content", data=png(2500, 843), ctype="image/png")
    await call("GET", f"/v2/bot/richmenu/{menu_id}/content")
    await call("GET", "/v2/bot/richmenu/list")
    await call("GET", f"/v2/bot/richmenu/{menu_id}")
    await call("POST", f"/v2/bot/user/all/richmenu/{menu_id}")
    await call("GET", "/v2/bot/user/all/richmenu")
    await call("POST", f"/v2/bot/user/{ALICE}/richmenu/{menu_id}")
    await call("GET", f"/v2/bot/user/{ALICE}/richmenu")
    await call("DELETE", f"/v2/bot/user/{ALICE}/richmenu")
    await call("DELETE", "/v2/bot/user/all/richmenu")
    await call("DELETE", f"/v2/bot/richmenu/{menu_id}")
    emu.assert_no_violations()
    assert len(checked) == 27


def test_response_check_is_not_vacuous() -> None:
    bad = b'{"userId": 1, "basicId": "@x", "displayName": "x", "chatMode": "bot", "markAsReadMode": "auto"}'
    headers = {"Content-Type": "application/json"}
    assert validate_response("GET", "/v2/bot/info", 200, headers, bad, "application/json") != []


async def test_control_api_allows_the_simulator_page_cross_origin(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.options(f"{emu.url}/_emulator/messages") as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    async with http.get(f"{emu.url}/_emulator/config") as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


async def test_assert_no_violations_spells_them_out(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{emu.url}/v2/bot/message/push", json={"messages": []}, headers=AUTH):
        pass
    with pytest.raises(AssertionError, match="POST /v2/bot/message/push -> 400"):
        emu.assert_no_violations()
