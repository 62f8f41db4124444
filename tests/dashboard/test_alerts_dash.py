"""Issue 13 on the dashboard: alerts nobody answered, districts whose alerts reach no group and groups the bot
was removed from are shown in red (axe-clean); acting on a request answers its alerts and tells the group."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser
from sqlmodel import select

from bot.store import people
from bot.store.models import Alert, HelpRequest
from tests.axe import assert_accessible
from tests.conftest import settled, wait_text
from tests.dashboard.conftest import Client, Dash, login

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EMERGENCY = "ころんでたてない　たすけて"
WAITING = "まだだれも「対応します」と応えていません"


async def emergency(dash: Dash) -> int:
    await dash.emu.send_text(dash.world.resident, EMERGENCY)
    await wait_text(dash.emu, dash.world.coordinators, "【緊急】")
    await settled(dash.bot)
    async with dash.bot.db.session() as s:
        return max(r.id or 0 for r in (await s.exec(select(HelpRequest))).all())


async def test_acting_on_the_request_answers_its_alert_and_tells_the_group(dash: Dash, client: Client) -> None:
    rid = await emergency(dash)
    await client.login()
    _, home = await client.page("/dashboard/")
    assert WAITING in home and f"/dashboard/requests/{rid}" in home.split(WAITING)[0]
    other = Client(dash)
    try:
        await other.login("kikugawa")
        assert WAITING not in (await other.page("/dashboard/"))[1]  # another district's alert is not theirs
    finally:
        await other.close()
    status, _ = await client.post(f"/dashboard/requests/{rid}/note", note="電話しました。救急車が向かっています。")
    assert status == 200
    await wait_text(dash.emu, dash.world.coordinators, "長町 コーディさんがダッシュボードで対応しました")
    async with dash.bot.db.session() as s:
        a = (await s.exec(select(Alert))).one()
        assert a.acknowledged_by == "長町 コーディ" and a.acknowledged_coordinator_id is not None
    assert WAITING not in (await client.page("/dashboard/"))[1]


async def test_districts_without_a_group_and_removed_groups_are_shown_in_red(dash: Dash, client: Client) -> None:
    w = dash.world
    async with dash.bot.db.session() as s:
        await people.unbind_group(s, group_id=w.coordinators, now=dash.bot.services.clock.now())
    await dash.emu.send_leave(w.group)
    await settled(dash.bot)
    await client.login()
    _, home = await client.page("/dashboard/")
    box = home.split('id="routing"')[1].split("</section>")[0]
    assert "担当者のグループがない地区" in box and "長町地区" in box and "菊川" not in box  # only its own district
    assert "ボットが外されたグループ" in box and "長町地区のサポーターのグループ" in box


@SQLITE_ONLY
@pytest.mark.parametrize("size", [(1280, 720), (640, 360)], ids=["1280x720", "200pct-zoom"])
async def test_the_red_notices_pass_axe(dash: Dash, browser: Browser, size: tuple[int, int]) -> None:
    await emergency(dash)
    async with dash.bot.db.session() as s:
        await people.unbind_group(s, group_id=dash.world.coordinators, now=dash.bot.services.clock.now())
    await dash.emu.send_leave(dash.world.group)
    await settled(dash.bot)
    context = await browser.new_context(locale="ja-JP", viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        await login(page, dash, "city")
        await page.goto(dash.url)
        text = await page.locator("#routing").locator("..").inner_text()
        assert "担当者のグループがない地区" in text and "ボットが外された" in text and "対応します" in text
        await assert_accessible(page, "/dashboard/ with the red notices")
    finally:
        await context.close()
