"""Injected faults: before/after, 429 with Retry-After, delays that time the client out, refused connections."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, PushMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from bot.emulator import EmulatorServer
from tests.conftest import eventually

from .conftest import TOKEN

ALICE = "U" + "a1" * 16
PUSH = "/v2/bot/message/push"


def _push(text: str) -> PushMessageRequest:
    return PushMessageRequest(to=ALICE, messages=[TextMessage(text=text)])  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def alice(emu: EmulatorServer) -> None:
    emu.add_user(ALICE, "田中")


async def test_before_fails_without_delivering(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_fault(PUSH, status=500, times=1)
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as err:
        await line.push_message(_push("1"), x_line_retry_key=key)
    assert err.value.status == 500
    assert "x-line-request-id" in err.value.headers
    assert emu.deliveries == []
    # The key was not accepted, so the retry goes through.
    await line.push_message(_push("1"), x_line_retry_key=key)
    assert [m["text"] for m in emu.messages_to(ALICE)] == ["1"]


async def test_after_delivers_then_fails_and_the_retry_gets_409(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_fault(PUSH, status=500, mode="after")
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as err:
        await line.push_message(_push("1"), x_line_retry_key=key)
    assert err.value.status == 500
    with pytest.raises(ApiException) as err:
        await line.push_message(_push("1"), x_line_retry_key=key)
    assert err.value.status == 409
    assert len(emu.messages_to(ALICE)) == 1


async def test_429_with_retry_after_applies_the_given_number_of_times(
    emu: EmulatorServer, line: AsyncMessagingApi
) -> None:
    emu.add_fault(PUSH, method="POST", status=429, retry_after=2, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as err:
            await line.push_message(_push("x"))
        assert err.value.status == 429
        assert err.value.headers["Retry-After"] == "2"
        assert "rate limit" in json.loads(err.value.body)["message"]
    await line.push_message(_push("x"))
    assert [c.status for c in emu.state.calls(PUSH)] == [429, 429, 200]


async def test_fault_on_other_method_or_path_does_not_apply(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_fault(PUSH, method="GET", status=503, times=None)
    emu.add_fault(r"^/v2/bot/profile/", status=503, times=None)
    await line.push_message(_push("x"))
    with pytest.raises(ApiException) as err:
        await line.get_profile(ALICE)
    assert err.value.status == 503


async def test_delay_makes_the_client_time_out(emu: EmulatorServer) -> None:
    emu.add_fault(PUSH, status=None, delay=0.3)
    config = Configuration(host=emu.url, access_token=TOKEN)
    async with AsyncApiClient(config) as client:
        with pytest.raises(asyncio.TimeoutError):
            await AsyncMessagingApi(client).push_message(_push("slow"), _request_timeout=0.05)
    # status=None: the request itself went through once the delay was over.
    await emu.wait_for_messages(ALICE, 1, timeout=2)


async def test_refuse_drops_the_connection(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_fault(PUSH, refuse=True)
    with pytest.raises(aiohttp.ClientError):
        await line.push_message(_push("x"))
    assert emu.deliveries == []
    emu.add_fault(PUSH, refuse=True, mode="after")
    with pytest.raises(aiohttp.ClientError):
        await line.push_message(_push("y"))
    assert [m["text"] for m in emu.messages_to(ALICE)] == ["y"]  # delivered, but the answer was lost
    await line.push_message(_push("z"))


async def test_outage_refuses_connections_then_recovers(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        # A kept-alive connection from before the outage must not survive it.
        async with http.get(f"{emu.url}/v2/bot/info", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
        emu.start_outage(0.3)
        # The listener is down (and kept-alive connections dropped in the same step) once the site is gone.
        await eventually(lambda: emu._site is None, "the outage stopped the listener", timeout=5)
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(f"{emu.url}/v2/bot/info", headers={"Authorization": f"Bearer {TOKEN}"}):
                pass
        await emu.outage_over()
        async with http.get(f"{emu.url}/v2/bot/info", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200


async def test_latency_is_added_to_every_call(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.set_latency(0.05, 0.06)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await line.get_bot_info()
    assert loop.time() - start >= 0.05


async def test_stopping_during_an_outage_is_clean(receiver: object) -> None:
    from .conftest import SECRET

    async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN) as emu:
        emu.start_outage(30)
        await asyncio.sleep(0)
    assert emu._outage is None


async def test_after_with_delay_delivers_before_the_client_gives_up(emu: EmulatorServer) -> None:
    emu.add_fault(PUSH, status=None, delay=0.3, mode="after")
    key = str(uuid.uuid4())
    async with AsyncApiClient(Configuration(host=emu.url, access_token=TOKEN)) as client:
        api = AsyncMessagingApi(client)
        with pytest.raises(asyncio.TimeoutError):
            await api.push_message(_push("1"), x_line_retry_key=key, _request_timeout=0.05)
        assert [m["text"] for m in emu.messages_to(ALICE)] == ["1"]  # delivered although the client timed out
        with pytest.raises(ApiException) as err:
            await api.push_message(_push("1"), x_line_retry_key=key)
        assert err.value.status == 409
