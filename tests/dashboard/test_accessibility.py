"""Every dashboard page passes axe-core's WCAG 2.1 AA rules, at a laptop's size and at 200% zoom."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect
from sqlmodel import col, select

from bot.messages import DASH_PURPOSE_LABELS as PURPOSE_LABELS
from bot.store import coordinators
from bot.store.models import ROLE_MINSEI, Job, RecurringHelp, RecurringStatus, Resident, Supporter
from tests.axe import assert_accessible
from tests.conftest import ROOT
from tests.dashboard.conftest import Dash, login
from tests.dashboard.test_browser import ask

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def pages(dash: Dash) -> list[str]:
    rid = await ask(dash, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    async with dash.bot.db.session() as s:
        res = (await s.exec(select(Resident).order_by(col(Resident.id)))).first()
        sup = (await s.exec(select(Supporter).order_by(col(Supporter.id)))).first()
    assert res is not None and sup is not None
    async with dash.bot.db.session() as s:
        # A standing arrangement waiting for approval, and a 民生委員 with a linked resident (issue 13's pages).
        rec = RecurringHelp(resident_id=res.id or 0, district_code=res.district_code, category="garbage", weekdays="0,3",
                            text="毎週月曜と木曜の燃えるごみ", masked="毎週のゴミ出し", status=RecurringStatus.PENDING_APPROVAL,
                            created_at=dash.bot.services.clock.now())  # fmt: skip
        s.add(rec)
        k = await coordinators.add(s, login="kitamura", name="北村", password="kitamura-pass-1", districts=[],
                                   is_admin=False, role=ROLE_MINSEI, now=dash.bot.services.clock.now())  # fmt: skip
        await s.flush()
        await coordinators.link_resident(s, login="kitamura", resident=f"#{res.id}", now=dash.bot.services.clock.now())
        # A job given up: the home page's 実行できなかった予定 section is checked too.
        now = dash.bot.services.clock.now()
        s.add(Job(key="checkin:axe", kind="checkin", due_at=now, payload={"resident_id": res.id}, status="failed",
                  attempts=8, done_at=now))  # fmt: skip
        city = await coordinators.by_login(s, "city")
    assert city is not None
    return [
        "",
        f"requests/{rid}",
        "people",
        f"people/resident/{res.id}",
        f"people/supporter/{sup.id}",
        "figures",
        "settings",
        "recurring",
        f"recurring/{rec.id}",
        f"people/resident/{res.id}/proxies",
        "people/noline",
        "accounts",
        f"accounts/{k.id}",
        f"accounts/{city.id}",
        "audit",
    ]


@SQLITE_ONLY
@pytest.mark.parametrize("size", [(1280, 720), (640, 360)], ids=["1280x720", "200pct-zoom"])
async def test_every_dashboard_page_passes_axe(dash: Dash, browser: Browser, size: tuple[int, int]) -> None:
    # 640×360 CSS pixels is what a 1280×720 screen shows at 200% zoom.
    context = await browser.new_context(locale="ja-JP", viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        paths = await pages(dash)
        await page.goto(dash.url + "login")
        await assert_accessible(page, "the login page")
        await login(page, dash, "city")
        await expect(page.get_by_role("heading", name=re.compile("未解決"))).to_be_visible()
        for path in paths:
            response = await page.goto(dash.url + path)
            assert response is not None and response.status == 200, path
            await assert_accessible(page, f"/dashboard/{path}")
    finally:
        await context.close()


def test_every_message_purpose_has_a_japanese_label() -> None:
    """A request's page lists what LINE was sent; a raw word like 「assigned」 meant nothing to a coordinator."""
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r'purpose="([a-z_]+)"', path.read_text()))
    assert used, "no purposes found: the pattern no longer matches the code"
    missing = sorted(used - set(PURPOSE_LABELS))
    assert missing == [], f"purposes shown raw on the dashboard: {missing}"
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", label) for label in PURPOSE_LABELS.values())


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@SQLITE_ONLY
async def test_focus_ring_and_stacked_table_labels(dash: Dash, browser: Browser) -> None:
    await ask(dash, "ゴミ出しを手伝ってほしい")
    context = await browser.new_context(locale="ja-JP", viewport={"width": 640, "height": 360})
    page = await context.new_page()
    try:
        await login(page, dash, "nagamachi")
        # At 200% zoom the rows stack; every cell still says which column it is.
        labels = await page.eval_on_selector_all(
            "table.list tbody tr:first-child td", "tds => tds.map(td => getComputedStyle(td, '::before').content)"
        )
        assert labels[:2] == ['"受付" "："', '"地区" "："'] or labels[:2] == ['"受付："', '"地区："'], labels
        # The focus ring stands out at 3:1 from the page and from the green header.
        for selector, around in (
            ("main button[type=submit]", "body"),
            ("header.top button", "header.top"),
            ("nav a", "header.top"),
        ):
            ring, bg = await page.evaluate(
                """([sel, around]) => { const el = document.querySelector(sel); el.focus();
                     return [getComputedStyle(el).outlineColor, getComputedStyle(document.querySelector(around)).backgroundColor]; }""",
                [selector, around],
            )
            assert contrast(ring, bg) >= 3, (selector, ring, bg)
    finally:
        await context.close()
