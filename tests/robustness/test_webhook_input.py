"""Bad and strange webhook input: never a 500, never a traceback, nothing half-written."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel import col, select

from bot.emulator import EmulatorServer
from bot.store.models import InboxEvent
from tests.conftest import SECRET, SHARED, TOKEN, Bot, make_settings, start_bot
from tests.robustness.webhook_schema import strategy


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


class LiveBot:
    """The emulator and the bot on their own event loop in a thread, so that synchronous hypothesis
    tests can post to the real server over a real socket."""

    def __init__(self, db_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.db_url = db_url
        self.emu: EmulatorServer
        self.bot: Bot
        self.call(self._start())

    def call(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        self.emu = EmulatorServer(channel_secret=SECRET, access_token=TOKEN)
        await self.emu.start()
        self.bot = await start_bot(self.emu, make_settings(self.emu, self.db_url, line_timeout_seconds=1.0))

    async def _stop(self) -> None:
        await self.bot.runner.cleanup()
        await self.emu.stop()

    def stop(self) -> None:
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def post(
        self, body: bytes, signature: str | None = "sign", headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        h = {"Content-Type": "application/json", **(headers or {})}
        if signature == "sign":
            h["X-Line-Signature"] = sign(body)
        elif signature is not None:
            h["X-Line-Signature"] = signature
        req = urllib.request.Request(self.bot.url + "/callback", data=body, headers=h, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def inbox(self) -> list[InboxEvent]:
        async def rows() -> list[InboxEvent]:
            async with self.bot.db.session() as s:
                return list((await s.exec(select(InboxEvent).order_by(col(InboxEvent.id)))).all())

        return list(self.call(rows()))

    def settle(self, seconds: float = 30) -> list[InboxEvent]:
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = self.inbox()
            if all(r.status != "pending" for r in rows):
                return rows
            time.sleep(0.1)
        raise AssertionError("inbox did not drain")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    lb = LiveBot(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('live') / 'bot.db'}")
    yield lb
    lb.stop()


def no_traceback(status: int, body: str) -> None:
    assert status < 500, (status, body)
    assert "Traceback" not in body and 'File "' not in body


@pytest.mark.parametrize(
    ("body", "signature", "status"),
    [
        (b'{"destination":"U1","events":[]}', None, 400),  # missing signature
        (b'{"destination":"U1","events":[]}', "bm90IGEgc2lnbmF0dXJl", 400),  # wrong signature
        (b'{"destination":"U1","events":[]}', "", 400),
        (b"{not json", "sign", 400),
        (b"\xff\xfe\xfa invalid utf-8", "sign", 400),
        (b"[]", "sign", 400),
        (b'{"events": "nope"}', "sign", 400),
        (b'{"events": [1, 2, 3]}', "sign", 400),
        (b'{"destination":"U1","events":[]}', "sign", 200),  # LINE's Verify button
        (b"[" * 100_000 + b"]" * 100_000, "sign", 400),  # deeply nested
    ],
)
def test_bad_bodies_get_a_clear_4xx(live: LiveBot, body: bytes, signature: str | None, status: int) -> None:
    got, text = live.post(body, signature)
    assert got == status, text
    no_traceback(got, text)


def test_huge_body_is_refused_with_413_before_it_is_read(live: LiveBot) -> None:
    import socket

    limit = live.bot.services.settings.webhook_max_body_bytes
    host, port = live.bot.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        # Announce a body far over the limit but send none of it: the answer must come anyway.
        s.sendall(
            f"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Line-Signature: x\r\nContent-Length: {limit * 50}\r\n\r\n".encode()
        )
        answer = s.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer


def test_thousands_of_events_in_one_body(live: LiveBot) -> None:
    events = [
        {
            "type": "unfollow",
            "mode": "active",
            "timestamp": 1700000000000 + i,
            "source": {"type": "user", "userId": "U" + f"{i:032x}"},
            "webhookEventId": f"01H{i:023d}".replace("I", "1"),
            "deliveryContext": {"isRedelivery": False},
        }
        for i in range(2000)
    ]
    body = json.dumps({"destination": "U" + "0" * 32, "events": events}).encode()
    status, text = live.post(body)
    assert status == 200, text
    too_many = json.dumps({"destination": "U" + "0" * 32, "events": events * 3}).encode()
    assert live.post(too_many)[0] == 413
    rows = live.settle(240)
    assert sum(1 for r in rows if r.source_key.startswith("U000")) >= 2000
    assert not [r for r in rows if r.status == "failed"]


def test_the_sdk_fixture_is_handled_without_an_error(live: LiveBot) -> None:
    """The official SDK's 28 events of every kind (user, group, room; unknown types; a bogus shared id)."""
    body = (SHARED / "line-sdk-fixtures" / "webhook.json").read_bytes()
    before = len(live.inbox())
    status, text = live.post(body)
    assert status == 200, text
    rows = live.settle()[before:]
    # 28 events share one invalid webhookEventId, yet are distinct — except the text message that
    # comes twice, once marked isRedelivery: that one is the same event and is stored once.
    assert len(rows) == 27
    assert all(r.status in ("done", "rejected") for r in rows), [(r.status, r.error) for r in rows]
    assert all(r.attempts == 0 for r in rows), [(r.id, r.error) for r in rows if r.attempts]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(payload=strategy())
def test_any_body_the_spec_allows_is_accepted_and_handled_without_crashing(
    live: LiveBot, payload: dict[str, Any]
) -> None:
    status, text = live.post(json.dumps(payload, ensure_ascii=False).encode())
    no_traceback(status, text)
    assert status == 200, text


def test_events_from_the_property_test_left_no_crashed_handler(live: LiveBot) -> None:
    rows = live.settle(60)
    crashed = [(r.id, r.error, r.body[:200]) for r in rows if r.attempts > 0 or r.status == "failed"]
    assert not crashed


def test_shared_fixture_exists() -> None:
    assert Path(SHARED / "line-openapi" / "webhook.yml").exists()
