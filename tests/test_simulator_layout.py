"""The simulator passes axe-core's WCAG 2.1 AA rules; its layout works at 1280x720, at 390 px wide and at
200% zoom; a reload keeps the chats."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from bot.emulator import EmulatorServer
from tests.axe import assert_accessible
from tests.conftest import Bot, build_world
from tests.conftest import settled as sim_settled
from tests.test_simulator import WAIT_MS, browser, sim_bot  # noqa: F401  (fixtures)


async def open_at(browser: Browser, bot: Bot, width: int, height: int) -> Page:  # noqa: F811
    page = await browser.new_page(viewport={"width": width, "height": height}, locale="ja-JP")
    await page.goto(f"{bot.url}/simulator")
    await expect(page.locator("body[data-ready='1']")).to_have_count(1, timeout=WAIT_MS)
    return page


async def box(page: Page, selector: str) -> dict[str, float]:
    b = await page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return {"x": b["x"], "y": b["y"], "width": b["width"], "height": b["height"]}


async def test_simulator_passes_axe_with_messages_on_screen(
    sim_bot: Bot,  # noqa: F811
    emu: EmulatorServer,
    browser: Browser,  # noqa: F811
) -> None:
    await build_world(sim_bot, emu)
    page = await open_at(browser, sim_bot, 1280, 720)
    resident = page.locator("#col-resident")
    await resident.locator("input[name=text]").fill("台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    await resident.locator("button[type=submit]").click()
    await expect(resident.locator(".row.bot .alt").last).to_be_visible(timeout=WAIT_MS)
    await assert_accessible(page, "the simulator at 1280x720, with a confirmation on screen")
    # The resident's chat is usable at 1280x720: room to read above the input.
    log = await box(page, "#col-resident .log")
    assert log["height"] >= 200, log
    await page.close()


async def test_simulator_header_at_200_percent_and_on_a_phone(
    sim_bot: Bot,  # noqa: F811
    emu: EmulatorServer,
    browser: Browser,  # noqa: F811
) -> None:
    await build_world(sim_bot, emu)
    for width, height in ((640, 360), (390, 844)):
        page = await open_at(browser, sim_bot, width, height)
        title = await box(page, ".top h1")
        assert title["width"] >= 150, (width, title)  # not one character per line
        for button in ("#guide-toggle", "#reset"):
            b = await box(page, button)
            assert b["x"] >= 0 and b["x"] + b["width"] <= width, (width, button, b)
        await assert_accessible(page, f"the simulator at {width}x{height}")
        await page.close()


async def test_the_toast_does_not_cover_the_groups_input(
    sim_bot: Bot,  # noqa: F811
    emu: EmulatorServer,
    browser: Browser,  # noqa: F811
) -> None:
    await build_world(sim_bot, emu)
    page = await open_at(browser, sim_bot, 1280, 720)
    await page.locator("#col-group").scroll_into_view_if_needed()
    await page.evaluate(
        "() => { const t = document.querySelector('#toast'); t.textContent = 'お知らせ'; t.hidden = false; }"
    )
    toast = await box(page, "#toast")
    field = await box(page, "#col-group input[name=text]")
    overlap_x = toast["x"] < field["x"] + field["width"] and field["x"] < toast["x"] + toast["width"]
    overlap_y = toast["y"] < field["y"] + field["height"] and field["y"] < toast["y"] + toast["height"]
    assert not (overlap_x and overlap_y), (toast, field)
    await page.close()


async def test_reloading_keeps_the_chats(
    sim_bot: Bot,  # noqa: F811
    emu: EmulatorServer,
    browser: Browser,  # noqa: F811
) -> None:
    await build_world(sim_bot, emu)
    page = await open_at(browser, sim_bot, 1600, 1000)
    resident = page.locator("#col-resident")
    await resident.locator("input[name=text]").fill("ゴミ出しを手伝ってほしい")
    await resident.locator("button[type=submit]").click()
    await expect(resident.locator(".row.bot").last).to_be_visible(timeout=WAIT_MS)
    await sim_settled(sim_bot)
    before = await resident.locator(".row.bot").all_text_contents()
    await page.reload()
    await expect(page.locator("body[data-ready='1']")).to_have_count(1, timeout=WAIT_MS)
    resident = page.locator("#col-resident")
    await expect(resident.locator(".row.me .text-bubble")).to_have_text(["ゴミ出しを手伝ってほしい"])
    await expect(resident.locator(".row.bot")).to_have_text(before)
    # 画面をクリア clears for good: a reload after it shows nothing old.
    await page.locator("#reset").click()
    await page.reload()
    await expect(page.locator("body[data-ready='1']")).to_have_count(1, timeout=WAIT_MS)
    await expect(page.locator("#col-resident .row")).to_have_count(0)
    await page.close()
