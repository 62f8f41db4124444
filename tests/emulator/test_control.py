"""The control API through `EmulatorClient`, and `python -m bot.emulator` as a separate process."""

from __future__ import annotations

import asyncio
import socket
import sys
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from linebot.v3.messaging import AsyncMessagingApi, PushMessageRequest, ReplyMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from bot.emulator import EmulatorClient, EmulatorServer

from .conftest import SECRET, TOKEN, Receiver

ALICE = "U" + "a1" * 16
GROUP = "C" + "c3" * 16


def _text(text: str) -> list[TextMessage]:
    return [TextMessage(text=text)]  # type: ignore[call-arg]


@pytest.fixture
async def client(emu: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emu.url) as c:
        yield c


async def test_people_events_and_messages(
    emu: EmulatorServer, client: EmulatorClient, line: AsyncMessagingApi, receiver: Receiver
) -> None:
    await client.add_user(ALICE, "田中", friend=True)
    await client.add_group(GROUP, "犀川地区", [ALICE])
    people = await client.people()
    assert [u["display_name"] for u in people["users"]] == ["田中"]
    status, event = await client.send_text(ALICE, "こんにちは")
    assert status == 200
    assert receiver.events[-1].message.text == "こんにちは"
    await line.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("はい")))
    assert [m["text"] for m in await client.wait_for_messages(ALICE, 1)] == ["はい"]
    status, event = await client.send_postback(ALICE, "v1:when", params={"date": "2026-12-02"})
    assert receiver.events[-1].postback.params == {"date": "2026-12-02"}
    status, again = await client.redeliver(event)
    assert again["deliveryContext"]["isRedelivery"] is True
    status, events = await client.send_events([{"type": "join", "args": {"group_id": GROUP}}])
    assert events[0]["type"] == "join"
    assert await client.violations() == []
    assert [c["status"] for c in await client.calls(path="/v2/bot/message/reply")] == [200]


async def test_long_poll_wakes_on_delivery(
    emu: EmulatorServer, client: EmulatorClient, line: AsyncMessagingApi
) -> None:
    await client.add_user(ALICE, "田中")
    poll = asyncio.create_task(client.deliveries(since=0, wait=5))
    await asyncio.sleep(0.05)  # make sure the poll is waiting before the push
    await line.push_message(PushMessageRequest(to=ALICE, messages=_text("お知らせ")))
    found = await asyncio.wait_for(poll, 2)
    assert [d["messages"][0]["text"] for d in found["deliveries"]] == ["お知らせ"]
    assert found["last_seq"] == 1
    empty = await client.deliveries(since=1, wait=0.05)
    assert empty["deliveries"] == []


async def test_faults_and_config_over_http(
    emu: EmulatorServer, client: EmulatorClient, line: AsyncMessagingApi
) -> None:
    await client.add_user(ALICE, "田中")
    rules = await client.add_fault("/v2/bot/message/push", status=429, retry_after=1, times=1)
    assert rules[0]["status"] == 429
    with pytest.raises(ApiException) as err:
        await line.push_message(PushMessageRequest(to=ALICE, messages=_text("x")), x_line_retry_key=str(uuid.uuid4()))
    assert err.value.status == 429
    await client.clear_faults()
    config = await client.config(reply_token_ttl=5, validate=False, latency=[0, 0.001])
    assert (config["reply_token_ttl"], config["validate"], config["latency"]) == (5.0, False, [0.0, 0.001])
    assert emu.state.reply_token_ttl == 5.0
    await client.reset()
    assert emu.state.users == {}
    assert emu.state.validate is False  # reset keeps the configuration


async def test_raw_webhook_and_bad_control_requests(emu: EmulatorServer, client: EmulatorClient) -> None:
    body = b'{"destination":"U' + b"0" * 32 + b'","events":[]}'
    assert (await client.send_raw(body, sign=True))[0] == 200
    assert (await client.send_raw(body, signature="AAAA"))[0] == 400
    with pytest.raises(RuntimeError, match="400"):
        await client.send("teleport", user_id=ALICE)
    with pytest.raises(RuntimeError, match="400"):
        await client.add_fault("(", status=500)  # not a regex
    async with aiohttp.ClientSession() as http, http.post(f"{emu.url}/_emulator/config", data=b"[") as resp:
        assert resp.status == 400


async def test_outage_over_the_control_api(emu: EmulatorServer, client: EmulatorClient) -> None:
    await client.outage(2)  # long enough that a loaded machine sees it begin; outage_over waits for its end
    async with asyncio.timeout(5):
        while True:  # the listener closes just after the control call answers
            try:
                async with EmulatorClient(emu.url) as other:
                    await other.config()
            except aiohttp.ClientConnectionError:
                break
            await asyncio.sleep(0.02)
    await emu.outage_over()
    async with EmulatorClient(emu.url) as other:
        assert (await other.config())["url"] == emu.url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_runs_as_a_process(receiver: Receiver) -> None:
    port = _free_port()
    args = ["--port", str(port), "--channel-secret", SECRET, "--access-token", TOKEN, "--webhook-url", receiver.url]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", *args, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 15)
        assert f"http://127.0.0.1:{port}" in line.decode()
        async with EmulatorClient(f"http://127.0.0.1:{port}") as client:
            await client.wait_until_up()
            status, _ = await client.send_text(ALICE, "こんにちは")
            assert status == 200
        assert receiver.events[-1].message.text == "こんにちは"
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 10) == 0


async def test_timeline_and_redelivery_over_http(
    emu: EmulatorServer, client: EmulatorClient, receiver: Receiver
) -> None:
    await client.config(redelivery=True)
    receiver.status = 503
    await client.send_text(ALICE, "1")
    receiver.status = 200
    [result] = await client.redeliver_pending()
    assert result["status"] == 200
    assert result["events"][0]["deliveryContext"]["isRedelivery"] is True
    poll = asyncio.create_task(client.timeline(since=2, wait=5))
    await asyncio.sleep(0.05)
    await client.send_text(ALICE, "2")
    got = await asyncio.wait_for(poll, 2)
    assert [i["events"][0]["message"]["text"] for i in got["items"]] == ["2"]
