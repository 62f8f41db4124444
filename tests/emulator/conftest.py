"""Fixtures: a running emulator, a signed-webhook receiver standing in for the bot, the official SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, AsyncMessagingApiBlob, Configuration

from bot.emulator import EmulatorServer

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


@dataclass
class Receiver:
    """Accepts webhooks like a bot would: verifies the signature with the SDK and keeps what it parsed."""

    url: str = ""
    events: list[Any] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    status: int = 200


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    parser = WebhookParser(SECRET)

    async def callback(request: web.Request) -> web.Response:
        body = await request.read()
        rec.bodies.append(body)
        try:
            rec.events.extend(parser.parse(body.decode("utf-8"), request.headers.get("X-Line-Signature", "")))
        except InvalidSignatureError:
            return web.Response(status=400, text="bad signature")
        return web.Response(status=rec.status, text="OK")

    app = web.Application()
    app.router.add_post("/callback", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/callback"
    yield rec
    await runner.cleanup()


@pytest.fixture
async def emu(receiver: Receiver) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN, webhook_url=receiver.url) as server:
        yield server


@pytest.fixture
async def line(emu: EmulatorServer) -> AsyncIterator[AsyncMessagingApi]:
    async with AsyncApiClient(Configuration(host=emu.url, access_token=TOKEN)) as client:
        yield AsyncMessagingApi(client)


@pytest.fixture
async def line_blob(emu: EmulatorServer) -> AsyncIterator[AsyncMessagingApiBlob]:
    async with AsyncApiClient(Configuration(host=emu.url, access_token=TOKEN)) as client:
        yield AsyncMessagingApiBlob(client)
