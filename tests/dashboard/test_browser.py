"""The dashboard in real headless Chromium: what a coordinator does, and what they must never see."""

from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from bot.store.models import HelpRequest, RequestEvent
from tests.dashboard.conftest import PASSWORD, Dash, login
from tests.test_escalation import confirm

# The page flow runs on both databases; these checks are about the web layer, so SQLite is enough.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def ask(dash: Dash, words: str, *, resident: str | None = None, group: str | None = None) -> int:
    """A resident asks through the webhook and confirms; returns the request id once it is in the group."""
    emu = dash.emu
    who = resident or dash.world.resident
    chat = group or dash.world.group
    await confirm(emu, who, words, chat)
    async with dash.bot.db.session() as s:
        req = (await s.exec(select(HelpRequest).order_by(HelpRequest.id.desc()))).first()  # type: ignore[union-attr]
        assert req is not None and req.id is not None
        return req.id


async def test_log_in_see_filter_assign_close_and_timeline(dash: Dash, page: Page) -> None:
    rid = await ask(dash, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    other = await ask(dash, "ゴミ出しを手伝ってほしい")
    # Signed in with the keyboard alone: the login field has the focus, Tab moves on, Enter sends.
    await page.goto(dash.url)
    await expect(page.get_by_label("ログイン名")).to_be_focused()
    await page.keyboard.type("nagamachi")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=re.compile("未解決"))).to_be_visible()
    rows = page.locator("table.list tbody tr")
    await expect(rows).to_have_count(2)
    # Oldest first, age in plain words.
    await expect(rows.first).to_contain_text(f"#{rid}")
    await expect(rows.first).to_contain_text("たった今")

    await page.get_by_label("種類").select_option("repair")
    await page.get_by_role("button", name="絞り込む").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("電球")
    assert "category=repair" in page.url

    await page.get_by_role("link", name=re.compile(f"#{rid}")).click()
    await expect(page.get_by_role("heading", name=re.compile(f"依頼#{rid}"))).to_be_visible()
    await expect(page.locator("blockquote.words")).to_contain_text("台所の電球")
    await expect(page.get_by_text(dash.world.resident_phone)).to_be_visible()

    sup_name = dash.world.supporter_names[1]
    # Options read 「name（未追加）［未確認］ — why they suit」, best-suited first (issue 13): pick by the name.
    assign = page.get_by_label("サポーターにお願いする")
    option = assign.locator("option", has_text=sup_name + "（未追加）")
    await assign.select_option(await option.get_attribute("value"))
    await page.get_by_role("button", name="お願いする", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(f"{sup_name}さんにお願いしました")
    # The supporter got the details 1:1 and the resident was told who is coming.
    details = await dash.emu.wait_for_messages(dash.world.supporters[1], 2)
    assert any(dash.world.resident_address in str(m) for m in details)
    told = await dash.emu.wait_for_messages(dash.world.resident, 4)
    assert sup_name in str(told[-1])

    # The result is announced and has the focus, not the top of the page.
    await expect(page.locator("p.flash")).to_be_focused()
    # 完了にする asks first: a key press on it only opens the question.
    await page.locator("summary", has_text="完了にする").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="はい、完了にする")).to_be_visible()
    async with dash.bot.db.session() as s:
        still = await s.get(HelpRequest, rid)
        assert still is not None and still.status == "claimed"
    await page.get_by_role("button", name="はい、完了にする").click()
    await expect(page.get_by_role("status")).to_contain_text("完了にしました")
    await expect(page.locator("p.flash")).to_be_focused()
    timeline = page.locator("ol.timeline")
    for words in ("依頼を受け付けました", "本人が確認", "コーディネーターが担当を決めました", "完了しました"):
        await expect(timeline).to_contain_text(words)
    await expect(timeline).to_contain_text(["長町", "コーディ"][0] if False else "nagamachi")
    await page.get_by_label("メモを残す（コーディネーターだけが見ます）").fill("電話でお礼を伝えた")
    await page.get_by_role("button", name="メモを残す").click()
    await expect(timeline).to_contain_text("電話でお礼を伝えた")

    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
        assert req is not None and req.status == "done"
        events = (await s.exec(select(RequestEvent).where(RequestEvent.request_id == rid))).all()
        coord = [(e.action, e.actor_id) for e in events if e.actor_kind == "coordinator"]
        assert coord == [("assigned", "nagamachi"), ("done", "nagamachi"), ("note", "nagamachi")]

    await page.get_by_role("link", name="未解決", exact=True).click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(f"#{other}")


@SQLITE_ONLY
async def test_district_a_is_refused_district_b(dash: Dash, page: Page) -> None:
    theirs = await ask(dash, "雪すかしお願いしたいがや", resident=dash.other_resident, group=dash.other_group)
    await login(page, dash, "nagamachi")
    await expect(page.locator("table.list")).to_have_count(0)
    response = await page.goto(f"{dash.url}requests/{theirs}")
    assert response is not None and response.status == 404
    await expect(page.locator("body")).not_to_contain_text("菊川太郎")
    await expect(page.locator("body")).not_to_contain_text("雪")
    # Nor through the API, nor by acting on it.
    api = await page.request.get(f"{dash.bot.url}/api/requests/{theirs}")
    assert api.status == 404
    listing = await (await page.request.get(f"{dash.bot.url}/api/requests")).json()
    assert listing["requests"] == []
    # The admin sees it.
    await page.context.clear_cookies()
    await login(page, dash, "city")
    await expect(page.locator("table.list tbody tr")).to_have_count(1)
    response = await page.goto(f"{dash.url}requests/{theirs}")
    assert response is not None and response.status == 200
    await expect(page.locator("blockquote.words")).to_contain_text("雪すかし")


@SQLITE_ONLY
async def test_forms_without_csrf_are_refused_and_pages_need_login(dash: Dash, page: Page) -> None:
    rid = await ask(dash, "ゴミ出しを手伝ってほしい")
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{dash.url}requests/{rid}", allow_redirects=False)
        assert r.status == 302 and r.headers["Location"].startswith("/dashboard/login")
        r = await http.get(f"{dash.bot.url}/api/requests")
        assert r.status == 401
    await login(page, dash)
    await page.goto(f"{dash.url}requests/{rid}")
    # The session cookie is HttpOnly and SameSite.
    cookie = next(c for c in await page.context.cookies() if c["name"] == "sasaeai_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # The same signed-in browser posting without the token, or with a wrong one, is refused.
    forms: list[dict[str, str | float | bool]] = [{}, {"csrf": "forged"}]
    for data in forms:
        refused = await page.request.post(f"{dash.url}requests/{rid}/cancel", form=data)
        assert refused.status == 403
    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
        assert req is not None and req.status == "open"


async def test_login_is_throttled(dash: Dash, page: Page) -> None:
    for _ in range(5):
        await login(page, dash, "nagamachi", "wrong-password-1")
        await expect(page.get_by_role("alert")).to_contain_text("違います")
        # The name stays; only the password is typed again.
        await expect(page.get_by_label("ログイン名")).to_have_value("nagamachi")
        await expect(page.get_by_label("パスワード")).to_be_focused()
    # Now even the right password waits: the guesses are counted in the database.
    await login(page, dash, "nagamachi", PASSWORD)
    await expect(page.get_by_role("alert")).to_contain_text("しばらく受け付けません")
    # Another coordinator is not locked out by someone guessing at this login.
    await login(page, dash, "city", PASSWORD)
    await expect(page.get_by_role("heading", name=re.compile("未解決"))).to_be_visible()


@SQLITE_ONLY
async def test_a_script_in_a_message_is_shown_as_text(dash: Dash, page: Page) -> None:
    rid = await ask(dash, "<script>document.title='x'</script>ゴミ出しを手伝ってほしい<img src=x onerror=alert(1)>")
    await login(page, dash)
    await page.goto(f"{dash.url}requests/{rid}")
    words = page.locator("blockquote.words")
    await expect(words).to_contain_text("<script>document.title='x'</script>")
    assert await page.locator("blockquote.words script").count() == 0
    assert await page.locator("img").count() == 0
    assert await page.title() != "x"
