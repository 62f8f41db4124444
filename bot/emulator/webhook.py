"""Signs webhook bodies and POSTs them to the bot, the way LINE's webhook delivery does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.events import redelivery
from bot.emulator.state import EmulatorState

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
        # LINE gives up on a webhook that takes too long; 30 s is generous, tests that kill the bot shorten it.
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
        call = await self.state.record_webhook(events)
        body = envelope(self.state.bot_user_id, events)
        response = await self.send_raw(body, sign(self.state.channel_secret, body))
        call.status, call.body = response.status, response.body
        if not 200 <= response.status < 300 and self.state.redelivery:
            self.state.pending_redelivery.append(events)
        return response

    async def redeliver_pending(self) -> list[tuple[WebhookResponse, list[dict[str, Any]]]]:
        """Send every failed webhook again, as LINE's redelivery does; those that fail again stay pending."""
        batches, self.state.pending_redelivery = self.state.pending_redelivery, []
        out = []
        for events in batches:
            again = [redelivery(e) for e in events]
            out.append((await self.send_events(again), again))
        return out

    async def send_raw(self, body: bytes, signature: str | None) -> WebhookResponse:
        """Any bytes with any signature (or none): for the bot's negative tests.

        A bot that does not answer (refused connection, reset, timeout) gives status 0 rather than an
        exception: to LINE that is just a failed delivery, and a burst sent with gather() must not blow up.
        """
        url = self.state.webhook_url
        if not url:
            raise RuntimeError("no webhook_url configured: set emu.webhook_url or POST /_emulator/config")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        if signature is not None:
            headers["X-Line-Signature"] = signature
        try:
            async with self._client().post(url, data=body, headers=headers) as resp:
                return WebhookResponse(resp.status, await resp.text(errors="replace"))
        except (aiohttp.ClientError, TimeoutError) as e:
            return WebhookResponse(0, f"{type(e).__name__}: {e}")
