"""Signs webhook bodies and POSTs them to the bot, the way LINE's webhook delivery does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.state import EmulatorState, WebhookCall

USER_AGENT = "LineBotWebhook/2.0"


def sign(channel_secret: str, body: bytes) -> str:
    """Base64 HMAC-SHA256 of the raw body, LINE's `X-Line-Signature`."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def envelope(destination: str, events: list[dict[str, Any]]) -> bytes:
    # LINE sends compact UTF-8 JSON (non-ASCII characters unescaped); the signature covers these exact bytes.
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status: int
    body: str


class WebhookSender:
    """Posts to `state.webhook_url` with one session opened inside the running loop (closed by `close`)."""

    def __init__(self, state: EmulatorState, timeout: float = 30.0) -> None:
        self.state = state
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def send_events(self, events: list[dict[str, Any]]) -> WebhookResponse:
        for event in events:
            self.state.apply_event(event)
        body = envelope(self.state.bot_user_id, events)
        response = await self.send_raw(body, sign(self.state.channel_secret, body))
        self.state.webhook_calls.append(WebhookCall(self.state.clock(), response.status, response.body, events))
        return response

    async def send_raw(self, body: bytes, signature: str | None) -> WebhookResponse:
        """Any bytes with any signature (or none): for the bot's negative tests."""
        url = self.state.webhook_url
        if not url:
            raise RuntimeError("no webhook_url configured: set emu.webhook_url or POST /_emulator/config")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        if signature is not None:
            headers["X-Line-Signature"] = signature
        async with self._client().post(url, data=body, headers=headers) as resp:
            return WebhookResponse(resp.status, await resp.text(errors="replace"))
