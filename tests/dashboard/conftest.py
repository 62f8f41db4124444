"""Fixtures for the dashboard: a bot with a known world, coordinator accounts, and real headless Chromium."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.emulator import EmulatorServer
from bot.store import coordinators, people
from bot.store.coordinators import hash_password
from tests.conftest import Bot, World, build_world, gid, uid

PASSWORD = "kanazawa-sasaeai-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Dash:
    bot: Bot
    emu: EmulatorServer
    world: World
    other_group: str = gid(3)
    other_resident: str = uid(300)

    @property
    def url(self) -> str:
        return self.bot.url + "/dashboard/"


@functools.cache
def hashed(password: str) -> str:
    """A password's argon2 hash, made once per test process: each costs ~0.4 s of CPU, and every dashboard test
    adds three accounts. The rows are the CLI's (coordinators.add hashes with the same hasher)."""
    return hash_password(password)


async def add_coordinators(bot: Bot) -> None:
    now = bot.services.clock.now()
    pw = {"password": PASSWORD, "password_hash": hashed(PASSWORD)}
    async with bot.db.session() as s:
        await coordinators.add(
            s, login="nagamachi", name="長町 コーディ", districts=["K01"], is_admin=False, now=now, **pw
        )
        await coordinators.add(
            s, login="kikugawa", name="菊川 コーディ", districts=["K02"], is_admin=False, now=now, **pw
        )
        await coordinators.add(s, login="city", name="市 担当", districts=[], is_admin=True, now=now, **pw)


@pytest.fixture
async def dash(bot: Bot, emu: EmulatorServer) -> Dash:
    w = await build_world(bot, emu)
    d = Dash(bot=bot, emu=emu, world=w)
    now = bot.services.clock.now()
    async with bot.db.session() as s:
        await people.bind_group(s, group_id=d.other_group, district_code="K02", now=now)
        await people.add_resident(
            s, line_user_id=d.other_resident, district_code="K02", name="菊川太郎", town="菊川", now=now
        )
    emu.add_user(d.other_resident, "菊川太郎")
    emu.add_group(d.other_group, "菊川サポーター", members=[])
    await add_coordinators(bot)
    return d


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="ja-JP", viewport={"width": 1180, "height": 900})
    p = await context.new_page()
    p.set_default_timeout(10_000)
    yield p
    await context.close()


async def login(page: Page, dash: Dash, who: str = "nagamachi", password: str = PASSWORD) -> None:
    await page.goto(dash.url)
    await page.get_by_label("ログイン名").fill(who)
    await page.get_by_label("パスワード").fill(password)
    # Wait for the page the form leads to: reading the page right after the click could read the login page
    # (a stacked-table check once got no labels under a loaded run).
    async with page.expect_navigation():
        await page.get_by_role("button", name="ログイン").click()


class Client:
    """A coordinator's browser without the browser: a cookie jar, and the CSRF token from the last page."""

    def __init__(self, dash: Dash) -> None:
        self.dash = dash
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def page(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.dash.bot.url + path) as r:
            body = await r.text()
        if m := re.search(r'name="csrf" value="([^"]+)"', body):
            self.csrf = m.group(1)
        return r.status, body

    async def post(self, path: str, **form: str) -> tuple[int, str]:
        async with self.http.post(self.dash.bot.url + path, data={"csrf": self.csrf, **form}) as r:
            body = await r.text()
        if m := re.search(r'name="csrf" value="([^"]+)"', body):
            self.csrf = m.group(1)
        return r.status, body

    async def login(self, who: str = "nagamachi", password: str = PASSWORD) -> tuple[int, str]:
        await self.page("/dashboard/login")
        return await self.post("/dashboard/login", login=who, password=password, next="/dashboard/")

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def client(dash: Dash) -> AsyncIterator[Client]:
    c = Client(dash)
    yield c
    await c.close()
