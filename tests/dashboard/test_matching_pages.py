"""The dashboard's part in approval and matching, in Chromium: approving a newcomer posts their held request;
a supporter is verified and their kinds, towns and free times recorded; assign lists the best-suited first with
why; the figures compare time to claim with and without a nudge. Every new part passes axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect
from sqlmodel import col, select

from bot.store.models import HelpRequest, Resident, Supporter
from tests.axe import assert_accessible
from tests.conftest import World, all_text, settled, wait_text
from tests.dashboard.conftest import Client, Dash, login
from tests.dashboard.test_browser import ask
from tests.test_approval import NEWCOMER, held_request, register

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def newcomer_with_held_request(dash: Dash) -> tuple[int, int]:
    w = dash.world
    await register(dash.bot, dash.emu, w)
    await held_request(dash.bot, dash.emu, w, "買い物をお願いしたいがや。牛乳とパン")
    async with dash.bot.db.session() as s:
        r = (await s.exec(select(Resident).where(col(Resident.line_user_id) == NEWCOMER))).one()
        req = (await s.exec(select(HelpRequest).where(col(HelpRequest.resident_id) == r.id))).one()
    assert r.id is not None and req.id is not None and req.status == "held"
    return r.id, req.id


async def test_a_coordinator_approves_a_newcomer_and_the_held_request_goes_out(dash: Dash, page: Page) -> None:
    rid, req_id = await newcomer_with_held_request(dash)
    await login(page, dash)
    box = page.locator("section", has=page.get_by_role("heading", name=re.compile("承認待ちの新しい方 1人")))
    await expect(box).to_contain_text("北村とし子さん")
    await box.get_by_role("link", name=re.compile("北村とし子")).click()
    await expect(page.get_by_role("heading", name=re.compile("承認"))).to_contain_text("承認待ち")
    await page.get_by_role("link", name=re.compile(f"依頼#{req_id}")).click()
    await expect(page.get_by_role("heading", name=re.compile(f"依頼#{req_id}"))).to_contain_text("承認待ちで保留")
    await page.get_by_role("link", name="北村とし子さんを承認する").click()
    await page.get_by_role("button", name="承認する").click()
    await expect(page.get_by_role("status")).to_contain_text("北村とし子さんを承認しました")
    await settled(dash.bot)
    post = all_text(await wait_text(dash.emu, dash.world.group, "買い物"))
    assert "北村" not in post
    await wait_text(dash.emu, NEWCOMER, "確認が終わりました")
    async with dash.bot.db.session() as s:
        r = await s.get(Resident, rid)
        req = await s.get(HelpRequest, req_id)
    assert r is not None and r.approval == "approved" and (r.decided_by or "").endswith("（nagamachi）")
    assert req is not None and req.status == "open"
    await expect(page.get_by_role("heading", name=re.compile("承認"))).to_contain_text("承認済み")


async def test_another_districts_coordinator_cannot_approve(dash: Dash, client: Client) -> None:
    rid, _ = await newcomer_with_held_request(dash)
    await client.login("kikugawa")
    await client.page("/dashboard/")
    status, _ = await client.post(f"/dashboard/people/resident/{rid}/approval", op="approve")
    assert status == 404
    async with dash.bot.db.session() as s:
        r = await s.get(Resident, rid)
    assert r is not None and r.approval == "pending"


async def test_verify_a_supporter_record_skills_and_assign_suggests_them_first(dash: Dash, page: Page) -> None:
    w = dash.world
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(col(Supporter.line_user_id) == w.supporters[1]))).one()
    await login(page, dash)
    await page.goto(dash.url + "people")
    row = page.locator("tr", has=page.get_by_role("link", name=w.supporter_names[1]))
    await expect(row).to_contain_text("未確認")
    await page.goto(dash.url + f"people/supporter/{sup.id}")
    await page.get_by_label(re.compile("確認したこと")).fill("地区社協で面談、身分証を確認")
    await page.get_by_role("button", name="確認済みにする").click()
    await expect(page.get_by_role("status")).to_contain_text("確認済み")
    await expect(page.get_by_role("heading", name=re.compile("本人確認"))).to_contain_text("確認済み")
    await page.get_by_label("買い物・お使い").check()
    await page.get_by_label("長町", exact=True).check()
    for slot in ("平日の午前", "平日の午後", "平日の夕方", "土日の午前", "土日の午後", "土日の夕方"):
        await page.get_by_label(slot).check()
    await page.get_by_role("button", name="保存する").last.click()
    await expect(page.get_by_role("status")).to_contain_text("保存")
    async with dash.bot.db.session() as s:
        sup2 = await s.get(Supporter, sup.id)
    assert sup2 is not None and sup2.kinds == ["shopping"] and sup2.towns == ["長町"] and len(sup2.free) == 6
    assert sup2.verified_by == "長町 コーディ（nagamachi）" and sup2.verify_note == "地区社協で面談、身分証を確認"

    rid = await ask(dash, "買い物をお願いしたいがや。牛乳とパン")
    await page.goto(dash.url + f"requests/{rid}")
    options = page.locator("#supporter option")
    await expect(options.first).to_contain_text(w.supporter_names[1])
    await expect(options.first).to_contain_text("できること・町・空いている時間が合う")
    await expect(options.nth(1)).to_contain_text("［未確認］")
    await expect(page.locator("ol.suggest li").first).to_contain_text(w.supporter_names[1])


@SQLITE_ONLY
@pytest.mark.parametrize("size", [(1280, 720), (640, 360)], ids=["1280x720", "200pct-zoom"])
async def test_the_new_parts_pass_axe(dash: Dash, browser: Browser, size: tuple[int, int]) -> None:
    rid, req_id = await newcomer_with_held_request(dash)
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).order_by(col(Supporter.id)))).first()
    assert sup is not None
    other = await ask(dash, "ゴミ出しを手伝ってほしい", resident=World().resident)
    context = await browser.new_context(locale="ja-JP", viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        await login(page, dash)
        await expect(page.get_by_role("heading", name=re.compile("承認待ちの新しい方"))).to_be_visible()
        for path in ("", "people", f"people/resident/{rid}", f"people/supporter/{sup.id}", f"requests/{other}",
                     f"requests/{req_id}", "figures"):  # fmt: skip
            response = await page.goto(dash.url + path)
            assert response is not None and response.status == 200, path
            await assert_accessible(page, f"/dashboard/{path}")
    finally:
        await context.close()
