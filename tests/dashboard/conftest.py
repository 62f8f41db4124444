"""Fixtures for the dashboard: a bot with a known world, coordinator accounts, and real headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store import coordinators, people
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


async def add_coordinators(bot: Bot) -> None:
    now = SystemClock().now()
    async with bot.db.session() as s:
        await coordinators.add(
            s, login="nagamachi", name="長町 コーディ", password=PASSWORD, districts=["K01"], is_admin=False, now=now
        )
        await coordinators.add(
            s, login="kikugawa", name="菊川 コーディ", password=PASSWORD, districts=["K02"], is_admin=False, now=now
        )
        await coordinators.add(s, login="city", name="市 担当", password=PASSWORD, districts=[], is_admin=True, now=now)


@pytest.fixture
async def dash(bot: Bot, emu: EmulatorServer) -> Dash:
    w = await build_world(bot, emu)
    d = Dash(bot=bot, emu=emu, world=w)
    now = SystemClock().now()
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
    await page.get_by_role("button", name="ログイン").click()
