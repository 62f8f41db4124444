"""The attack review's findings outside the dashboard's own pages, each reproduced and now failing: personal
data in logs on a database error, error pages without the security headers, the version banner, /metrics at
other spellings, the simulator against LINE's real host or serving its JSON to anyone, and who a client is."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from yarl import URL

from bot import logs
from bot.app import create_app
from bot.clientaddr import client_address, is_loopback_url, parse_networks, throttle_bucket
from bot.config import ConfigError, Settings
from bot.emulator import EmulatorServer
from bot.httpsec import CSP, HSTS
from bot.services import SERVICES
from bot.simulator.clock import SimulatorClock
from bot.store.models import Resident
from tests.conftest import SECRET, TOKEN, Bot, World, build_world, make_settings, start_bot

MARK_ADDRESS = "金沢市マーカー町9-9-9"
MARK_PHONE = "076-987-6543"


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # the formatted record, traceback included


# --- 6. Personal data in logs on a database error ----------------------------------------------------


async def test_a_failed_insert_logs_no_personal_data(emu: EmulatorServer, db_url: str) -> None:
    keep = Keep()
    root = logging.getLogger()
    old_level, old_handlers = root.level, root.handlers[:]
    logs.setup("DEBUG", "text")  # the server's own set-up, at its most talkative
    root.addHandler(keep)
    bot = await start_bot(emu, make_settings(emu, db_url))
    try:
        w = await build_world(bot, emu)
        # The same LINE ID again, written past the duplicate check (as two coordinators adding one person at
        # the same moment would): the database refuses the row, and the error is logged with its traceback.
        with pytest.raises(IntegrityError) as caught:
            async with bot.db.session() as s:
                s.add(
                    Resident(
                        line_user_id=w.resident,
                        district_code=w.district,
                        name="マーカー花子",
                        address=MARK_ADDRESS,
                        phone=MARK_PHONE,
                        created_at=bot.services.clock.now(),
                    )
                )
        # Logged as any unexpected error is (aiohttp's "Error handling request", the dispatcher's): with the traceback.
        logging.getLogger("bot.test").error("insert failed", exc_info=caught.value)
    finally:
        await bot.runner.cleanup()
        root.handlers[:] = old_handlers
        root.setLevel(old_level)
    text = "\n".join(keep.lines)
    assert "insert failed" in text and "INSERT INTO resident" in text  # the statement is there to find the bug
    for secret in (MARK_ADDRESS, MARK_PHONE, "マーカー花子", World.resident_name, World.resident_address):
        assert secret not in text, f"{secret!r} leaked into the logs"


# --- 8. Error pages, HSTS, the version banner, /metrics -----------------------------------------------


async def _raw(url: str, path: str, method: str = "GET", **kw: object) -> aiohttp.ClientResponse:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, URL(url + path, encoded=True), allow_redirects=False, **kw) as r,  # type: ignore[arg-type]
    ):
        await r.read()
        return r


async def test_every_error_page_has_the_security_headers_and_no_banner(bot: Bot) -> None:
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/no-such-page", {}),  # the root router's 404
        ("POST", "/healthz", {}),  # 405
        ("POST", "/callback", {"data": b"{}"}),  # no signature
        ("POST", "/callback", {"data": io.BytesIO(b"x" * 2_000_000), "headers": {"X-Line-Signature": "x"}}),  # 413
        ("GET", "/dashboard/requests/1", {}),  # the dashboard: to sign-in
        ("POST", "/dashboard/logout", {}),  # no CSRF token: 403
        ("GET", "/api/requests", {}),  # 401
        ("GET", "/dashboard/static/../../config.py", {}),
    ]
    for method, path, kw in cases:
        r = await _raw(bot.url, path, method, **kw)
        assert r.status >= 300, (path, r.status)
        assert "Server" not in r.headers, (path, r.headers.get("Server"))
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
        if r.status >= 400:
            assert r.headers.get("Content-Security-Policy") == CSP, (path, r.status)
            assert r.headers.get("X-Frame-Options") == "DENY" and r.headers.get("Cache-Control") == "no-store"
        assert "Strict-Transport-Security" not in r.headers  # plain http: HSTS would mean nothing
    ok = await _raw(bot.url, "/healthz")
    assert ok.status == 200 and "Server" not in ok.headers


async def test_a_request_too_broken_to_route_names_no_version(bot: Bot) -> None:
    host, port = bot.url.removeprefix("http://").split(":")
    for raw in (b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", b"BLAH\r\n\r\n"):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(raw)
        await writer.drain()
        head = (await asyncio.wait_for(reader.read(4000), 5)).split(b"\r\n\r\n")[0].decode()
        writer.close()
        await writer.wait_closed()
        assert head.startswith("HTTP/1.") and " 400 " in head.splitlines()[0]
        assert "aiohttp" not in head and "Python" not in head, head


async def test_hsts_when_the_public_address_is_https(emu: EmulatorServer, db_url: str) -> None:
    bot = await start_bot(emu, make_settings(emu, db_url, public_base_url="https://sasaeai.example.jp"))
    try:
        for path in ("/healthz", "/no-such-page", "/dashboard/login"):
            r = await _raw(bot.url, path)
            assert r.headers.get("Strict-Transport-Security") == HSTS, path
        r = await _raw(bot.url, "/dashboard/login")
        assert "Secure" in r.headers.get("Set-Cookie", "") and "HttpOnly" in r.headers.get("Set-Cookie", "")
    finally:
        await bot.runner.cleanup()


async def test_metrics_answers_only_at_its_exact_path(bot: Bot) -> None:
    assert (await _raw(bot.url, "/metrics")).status == 200
    for spelling in ("/%6detrics", "/%6Detrics", "/metric%73", "/%2fmetrics", "/METRICS", "/metrics/", "//metrics"):
        assert (await _raw(bot.url, spelling)).status == 404, spelling
    assert (await _raw(bot.url, "/metrics?x=1")).status == 200  # a query is still the same path


# --- 8. The simulator guard -------------------------------------------------------------------------------

REAL_LINE_SPELLINGS = [
    "https://API.LINE.ME",
    "https://api.line.me.",
    "HTTPS://api.line.me/",
    "https://api.line.me:443",
    "https://Api.Line.Me/v2",
    "http://127.0.0.1@api.line.me",
    "https://api.line.me#@127.0.0.1",
    "http://10.0.0.5:8089",
    "http://0x7f000001:8089",
    "http://127.1:8089",
    "ftp://127.0.0.1",
    "127.0.0.1:8089",
]


@pytest.mark.parametrize("url", REAL_LINE_SPELLINGS)
def test_the_simulator_is_refused_against_any_host_but_loopback(url: str, tmp_path: Path) -> None:
    settings = Settings(
        line_channel_secret=SecretStr(SECRET),
        line_channel_access_token=SecretStr(TOKEN),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        line_api_base_url=url,
        simulator=True,
    )
    with pytest.raises(ConfigError, match="emulator"):
        create_app(settings)


def test_loopback_urls_are_recognised() -> None:
    for url in ("http://127.0.0.1:8089", "http://localhost:8089", "http://LOCALHOST:1", "http://[::1]:8089"):
        assert is_loopback_url(url), url
    for url in REAL_LINE_SPELLINGS:
        assert not is_loopback_url(url), url
    # The blob API too: a loopback LINE_API_BASE_URL with LINE's real data host is refused.
    s = Settings(
        line_channel_secret=SecretStr(SECRET),
        line_channel_access_token=SecretStr(TOKEN),
        line_api_base_url="http://127.0.0.1:8089",
        line_api_data_base_url="https://api-data.line.me",
        simulator=True,
    )
    with pytest.raises(ConfigError, match="emulator"):
        create_app(s)


@pytest.fixture
async def open_sim(emu: EmulatorServer, db_url: str) -> AsyncIterator[tuple[Bot, int]]:
    """The simulator served on every interface (what `--host 0.0.0.0` would do)."""
    app = create_app(make_settings(emu, db_url, simulator=True), clock=SimulatorClock())
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    emu.webhook_url = f"http://127.0.0.1:{port}/callback"
    yield Bot(url=f"http://127.0.0.1:{port}", services=app[SERVICES], runner=runner), port
    await runner.cleanup()


def _outward_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            addr = str(s.getsockname()[0])
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


async def test_the_simulators_json_answers_only_a_browser_on_this_machine(
    open_sim: tuple[Bot, int], emu: EmulatorServer
) -> None:
    bot, port = open_sim
    w = await build_world(bot, emu)
    ok = await _raw(bot.url, "/simulator/cast.json")
    assert ok.status == 200
    for path in ("/simulator/cast.json", "/simulator/clock", "/simulator", "/%73imulator/cast.json"):
        # Through a proxy (even one on this machine): the visitor is somebody else.
        for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
            r = await _raw(bot.url, path, headers=header)
            assert r.status == 404, (path, header)
    outward = _outward_address()
    if outward is not None:  # from the network: names and LINE IDs are not for whoever asks
        async with aiohttp.ClientSession() as http, http.get(f"http://{outward}:{port}/simulator/cast.json") as r:
            body = await r.text()
            assert r.status == 404 and w.resident not in body and w.resident_name not in body


# --- 3. Who the client is -------------------------------------------------------------------------------------


def test_client_address_believes_forwarded_for_only_from_trusted_proxies() -> None:
    none = parse_networks("")
    caddy = parse_networks("172.30.0.0/24, ::1")
    # No trusted proxies: the header is whatever the client wrote.
    assert client_address("198.51.100.1", ["203.0.113.5"], none) == "198.51.100.1"
    # Behind a trusted proxy: the address it saw (the rightmost entry), not what the client put before it.
    assert client_address("172.30.0.2", ["1.1.1.1, 203.0.113.5"], caddy) == "203.0.113.5"
    assert client_address("172.30.0.2", ["1.1.1.1", "203.0.113.5"], caddy) == "203.0.113.5"
    # Chains of our own proxies are walked; garbage stops at the last hop we could trust.
    assert client_address("::1", ["203.0.113.5, 172.30.0.9"], caddy) == "203.0.113.5"
    assert client_address("172.30.0.2", ["<script>"], caddy) == "172.30.0.2"
    assert client_address("172.30.0.2", [], caddy) == "172.30.0.2"
    assert client_address("::ffff:198.51.100.1", [], none) == "198.51.100.1"
    assert client_address(None, [], none) == "?"
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        parse_networks("caddy")
    # The throttle counts an IPv6 client by its /64: a fresh address per guess is the same client.
    assert throttle_bucket("2001:db8:1:2::5") == throttle_bucket("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert throttle_bucket("198.51.100.1") == "198.51.100.1"


def test_a_bad_trusted_proxies_setting_stops_the_start() -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app(
            Settings(
                line_channel_secret=SecretStr(SECRET),
                line_channel_access_token=SecretStr(TOKEN),
                trusted_proxies="10.0.0.0/33",
            )
        )
