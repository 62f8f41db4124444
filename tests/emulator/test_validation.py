"""Requests are checked against LINE's OpenAPI file and documented limits; violations get 400 and are kept."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.emulator import EmulatorServer

from .conftest import TOKEN

ALICE = "U" + "a1" * 16
TEXT = {"type": "text", "text": "hi"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _push(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"to": ALICE, "messages": list(messages)}


def _quick(n: int) -> dict[str, Any]:
    item = {"type": "action", "action": {"type": "message", "label": "はい", "text": "はい"}}
    return {**TEXT, "quickReply": {"items": [item] * n}}


def _buttons(data: str) -> dict[str, Any]:
    action = {"type": "postback", "label": "引き受けます", "data": data}
    return {
        "type": "template",
        "altText": "依頼",
        "template": {"type": "buttons", "text": "t", "actions": [action]},
    }


def _flex(body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "flex", "altText": "依頼", "contents": {"type": "bubble", "body": body}}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _post(
    http: aiohttp.ClientSession, emu: EmulatorServer, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {**AUTH, "Content-Type": "application/json", **(headers or {})}
    async with http.post(f"{emu.url}/v2/bot/message/push", data=data, headers=h) as resp:
        return resp.status, await resp.json()


BAD_PUSHES = {
    "unknown message type": (_push({"type": "hologram", "text": "x"}), "messages[0]"),
    "text over 5000 characters": (_push({"type": "text", "text": "あ" * 5001}), "messages[0].text"),
    "text over 5000 UTF-16 units": (_push({"type": "text", "text": "😀" * 2501}), "messages[0].text"),
    "six messages": (_push(*[TEXT] * 6), "messages"),
    "no messages": (_push(), "messages"),
    "missing to": ({"messages": [TEXT]}, ""),
    "text message without text": (_push({"type": "text"}), "messages[0]"),
    "quick reply with 14 items": (_push(_quick(14)), "messages[0].quickReply.items"),
    "flex box with unknown layout": (
        _push(_flex({"type": "box", "layout": "diagonal", "contents": []})),
        "messages[0].contents.body.layout",
    ),
    "flex box without layout": (_push(_flex({"type": "box", "contents": []})), "messages[0].contents.body"),
    "flex component of unknown type": (
        _push(_flex({"type": "box", "layout": "vertical", "contents": [{"type": "marquee"}]})),
        "messages[0].contents.body.contents[0]",
    ),
    "flex carousel holding a text": (
        _push({"type": "flex", "altText": "a", "contents": {"type": "carousel", "contents": [{"type": "text"}]}}),
        "messages[0].contents.contents[0].type",
    ),
    "postback data over 300 characters": (_push(_buttons("x" * 301)), "messages[0].template.actions[0].data"),
    "unknown action type": (
        _push({**TEXT, "quickReply": {"items": [{"type": "action", "action": {"type": "teleport"}}]}}),
        "messages[0].quickReply.items[0].action",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PUSHES))
async def test_spec_violations_are_refused_and_recorded(
    emu: EmulatorServer, http: aiohttp.ClientSession, case: str
) -> None:
    emu.add_user(ALICE, "田中")
    body, prop = BAD_PUSHES[case]
    status, answer = await _post(http, emu, body)
    assert status == 400, answer
    assert answer["message"].startswith("The request body has")
    assert prop in [d["property"] for d in answer["details"]], answer
    assert emu.deliveries == []
    assert [(v.path, v.status) for v in emu.violations] == [("/v2/bot/message/push", 400)]


async def test_limits_that_hold_are_accepted(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    emu.add_user(ALICE, "田中")
    body = _push({"type": "text", "text": "あ" * 5000}, _quick(13), _buttons("x" * 300), *[TEXT] * 2)
    status, answer = await _post(http, emu, body)
    assert status == 200, answer
    assert emu.violations == []


async def test_non_uuid_retry_key_is_refused(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    emu.add_user(ALICE, "田中")
    status, answer = await _post(http, emu, _push(TEXT), {"X-Line-Retry-Key": "not-a-uuid"})
    assert status == 400
    assert answer["message"] == "The value for the 'X-Line-Retry-Key' header is invalid"
    assert len(emu.violations) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Authorization": ""}, 401),
        ({"Authorization": "Basic dXNlcjpwdw=="}, 401),
        ({"Authorization": "Bearer wrong-token"}, 401),
        ({"Content-Type": "text/plain"}, 400),
    ],
)
async def test_bad_headers(
    emu: EmulatorServer, http: aiohttp.ClientSession, headers: dict[str, str], status: int
) -> None:
    emu.add_user(ALICE, "田中")
    got, answer = await _post(http, emu, _push(TEXT), headers)
    assert got == status, answer
    assert "message" in answer
    assert len(emu.violations) == 1


async def test_invalid_json_and_unknown_paths(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    status, _ = await _post(http, emu, b"{not json")
    assert status == 400
    async with http.get(f"{emu.url}/v2/bot/nowhere", headers=AUTH) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "Not found"}
    async with http.get(f"{emu.url}/v2/bot/message/push", headers=AUTH) as resp:
        assert resp.status == 405
    assert len(emu.violations) == 3


async def test_validation_can_be_switched_off(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    emu.add_user(ALICE, "田中")
    emu.state.validate = False
    status, _ = await _post(http, emu, _push({"type": "hologram"}))
    assert status == 200
    assert emu.violations == []
    status, _ = await _post(http, emu, _push(TEXT), {"Authorization": "Bearer wrong-token"})
    assert status == 401  # the token is still checked: a wrong one is a configuration bug


@given(
    st.lists(
        st.tuples(st.sampled_from(["あ", "a", "😀", "\n", "𠮷"]), st.integers(min_value=0, max_value=2600)),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=80, deadline=None)
def test_text_limit_counts_utf16_units(runs: list[tuple[str, int]]) -> None:
    # Runs of characters rather than st.text: hypothesis would need thousands of draws for a 5000-unit text.
    from bot.emulator.limits import check_body

    text = "".join(char * count for char, count in runs) or "a"
    details = check_body("/v2/bot/message/push", _push({"type": "text", "text": text}))
    assert bool(details) == (len(text.encode("utf-16-le")) // 2 > 5000)


async def test_violations_are_logged_without_the_words(
    emu: EmulatorServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    emu.add_user(ALICE, "田中")
    await _post(http, emu, _push({"type": "text", "text": "山田花子の住所" * 800}))
    assert "LINE would refuse POST /v2/bot/message/push with 400" in caplog.text
    assert "山田" not in caplog.text
