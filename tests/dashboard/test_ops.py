"""What a coordinator does without a shell, on the dashboard: standing arrangements, proxies (a resident
with no LINE account too), accounts (city-wide coordinators only), a 民生委員 who sees only the residents
linked to them, and the audit log of who did or looked at what."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
from sqlmodel import col, select

from bot.store import audit, coordinators
from bot.store.models import AuditEntry, Coordinator, HelpRequest, Proxy, RecurringHelp, RecurringStatus, Resident
from tests.conftest import all_text, find_action, settled, uid
from tests.dashboard.conftest import Client, Dash
from tests.dashboard.test_browser import ask
from tests.test_conversation import press, say, wait_text


async def resident_id(dash: Dash, line_id: str) -> int:
    async with dash.bot.db.read() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == line_id))).one()
    assert r.id is not None
    return r.id


async def entries(dash: Dash, **filters: str) -> list[AuditEntry]:
    async with dash.bot.db.read() as s:
        return await audit.entries(s, **filters)  # type: ignore[arg-type]


async def test_a_coordinator_approves_and_stops_recurring_help_on_the_dashboard(dash: Dash, client: Client) -> None:
    w = dash.world
    rid = await resident_id(dash, w.resident)
    async with dash.bot.db.session() as s:
        rec = RecurringHelp(resident_id=rid, district_code=w.district, category="garbage", weekdays="0,3",
                            text="毎週月曜と木曜の燃えるごみ", masked="毎週のゴミ出し", status=RecurringStatus.PENDING_APPROVAL,
                            created_at=dash.bot.services.clock.now())  # fmt: skip
        s.add(rec)
        await s.flush()
        rec_id = rec.id
    other = Client(dash)
    try:
        await other.login("kikugawa")
        assert (await other.page(f"/dashboard/recurring/{rec_id}"))[0] == 404  # another district's
        assert (await other.post(f"/dashboard/recurring/{rec_id}", op="approve"))[0] == 404
    finally:
        await other.close()
    await client.login()
    status, listing = await client.page("/dashboard/recurring")
    assert status == 200 and f"#R{rec_id}" in listing and "承認待ち" in listing
    status, page = await client.page(f"/dashboard/recurring/{rec_id}")
    assert status == 200 and "毎週月曜と木曜の燃えるごみ" in page and "承認する" in page
    status, page = await client.post(f"/dashboard/recurring/{rec_id}", op="approve")
    assert status == 200 and "承認しました" in page
    await wait_text(dash.emu, w.group, "毎週のお手伝い")
    assert w.resident_name not in all_text(dash.emu.messages_to(w.group)[-1])
    await wait_text(dash.emu, w.resident, "担当者が確認しました")
    status, page = await client.post(f"/dashboard/recurring/{rec_id}", op="approve")
    assert "いまの状態では" in page  # approved once only
    status, page = await client.post(f"/dashboard/recurring/{rec_id}", op="stop")
    assert "終了しました" in page
    async with dash.bot.db.read() as s:
        assert (await s.get(RecurringHelp, rec_id)).status == "stopped"  # type: ignore[union-attr]
    recorded = [e.action for e in await entries(dash, kind="recurring")]
    assert [a for a in recorded if a.startswith("recurring_")] == ["recurring_stop", "recurring_approve"]
    assert "view_request" in recorded  # the page shows the resident's name and words


async def test_proxies_and_a_resident_with_no_line_account_on_the_dashboard(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    family = uid(320)
    await client.login()
    status, page = await client.post("/dashboard/people/noline", district=w.district, name="石川トメ", town="長町",
                                     address="長町3-3-3", phone="076-222-3333")  # fmt: skip
    assert status == 200 and "LINEのない方を登録しました" in page
    async with dash.bot.db.read() as s:
        tome = (await s.exec(select(Resident).where(Resident.name == "石川トメ"))).one()
    here = f"/dashboard/people/resident/{tome.id}/proxies"
    assert "LINEをお使いではありません" in page
    status, page = await client.post(here, line_user_id=family, relation="家族", name="石川一男", phone="090-1234-5678")
    assert "代理の方を登録しました" in page and "石川一男" in page
    status, page = await client.post(here, line_user_id=family, relation="家族", name="石川一男")
    assert "すでに代理" in page

    emu.add_user(family, "かずお")
    ask_ = (await say(emu, family, "明日、母の家の電球を替えてもらえますか"))[0]
    assert "石川トメさんの" in all_text(ask_)
    await press(emu, family, find_action([ask_], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, family, "来てくれます")

    async with dash.bot.db.read() as s:
        proxy = (await s.exec(select(Proxy))).one()
    status, page = await client.post(f"{here}/{proxy.id}")
    assert "外しました" in page
    async with dash.bot.db.read() as s:
        assert (await s.exec(select(Proxy))).all() == []
        req = (await s.exec(select(HelpRequest))).one()
    assert req.proxy_id is None and req.resident_id == tome.id  # the request stays the resident's
    # Another district's coordinator cannot see or change this resident's proxies.
    other = Client(dash)
    try:
        await other.login("kikugawa")
        assert (await other.page(here))[0] == 404
        assert (await other.post(here, line_user_id=uid(321), relation="家族", name="x"))[0] == 404
    finally:
        await other.close()
    actions = [e.action for e in await entries(dash, kind="resident", record_id=str(tome.id))]
    assert [a for a in actions if a != "view_person"] == ["proxy_remove", "proxy_add", "person_add"]


async def test_accounts_are_managed_by_city_wide_coordinators_only(dash: Dash, client: Client) -> None:
    await client.login("nagamachi")
    assert (await client.page("/dashboard/accounts"))[0] == 404
    assert (await client.post("/dashboard/accounts", login="x", role="city", password="x" * 12))[0] == 404
    assert (await client.page("/dashboard/audit"))[0] == 404

    city = Client(dash)
    try:
        await city.login("city")
        status, page = await city.post("/dashboard/accounts", login="mori", name="森", role="coordinator",
                                       district="K01", password="mori-password-1")  # fmt: skip
        assert status == 200 and "アカウントを作りました" in page
        async with dash.bot.db.session() as s:
            mori = await coordinators.by_login(s, "mori")
            assert mori is not None
            token = await coordinators.new_api_token(s, login="mori")
        here = f"/dashboard/accounts/{mori.id}"
        status, page = await city.post(here, op="districts", district="K02")
        assert "担当地区を変えました" in page
        async with dash.bot.db.read() as s:
            assert await coordinators.districts_of(s, mori) == frozenset({"K02"})

        api = dash.bot.url + "/api/requests"
        async with aiohttp.ClientSession() as http:
            async with http.get(api, headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 200
            assert "無効にしました" in (await city.post(here, op="revoke"))[1]
            async with http.get(api, headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 401

        m = Client(dash)
        try:
            assert (await m.login("mori", "mori-password-1"))[0] == 200
            assert "パスワードを変えました" in (await city.post(here, op="password", password="mori-password-2"))[1]
            assert (await m.page("/dashboard/"))[1].count("ログイン名") >= 1  # the old session ended
            assert (await m.login("mori", "mori-password-2"))[0] == 200
            assert "止めました" in (await city.post(here, op="deactivate"))[1]
            status, _ = await m.page("/dashboard/")
            assert "ログイン名" in _  # signed out everywhere
            assert (await m.login("mori", "mori-password-2"))[0] == 401  # and cannot sign in again
        finally:
            await m.close()
        async with dash.bot.db.read() as s:
            me = await coordinators.by_login(s, "city")
        assert me is not None
        assert "ご自分" in (await city.post(f"/dashboard/accounts/{me.id}", op="deactivate"))[1]
    finally:
        await city.close()
    actions = [e.action for e in await entries(dash, kind="coordinator", record_id="mori")]
    assert actions == ["account_deactivate", "account_reset", "api_key_revoke", "account_districts", "account_add"]


async def test_a_minsei_sees_and_acts_only_for_the_residents_linked_to_them(dash: Dash) -> None:
    w = dash.world
    mine = await ask(dash, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    neighbour = uid(330)
    async with dash.bot.db.session() as s:
        from bot.store import people

        await people.add_resident(s, line_user_id=neighbour, district_code=w.district, name="長町次郎",
                                  town="長町", now=dash.bot.services.clock.now())  # fmt: skip
    dash.emu.add_user(neighbour, "じろう")
    theirs = await ask(dash, "買い物に行ってもらえんけ", resident=neighbour)
    mine_rid, their_rid = await resident_id(dash, w.resident), await resident_id(dash, neighbour)

    city = Client(dash)
    try:
        await city.login("city")
        await city.post("/dashboard/accounts", login="kitamura", name="北村", role="minsei", password="kitamura-pass-1")
        async with dash.bot.db.read() as s:
            k = await coordinators.by_login(s, "kitamura")
        assert k is not None
        status, page = await city.post(f"/dashboard/accounts/{k.id}", op="link", resident=str(mine_rid))
        assert "加えました" in page and w.resident_name in page
    finally:
        await city.close()

    m = Client(dash)
    try:
        assert (await m.login("kitamura", "kitamura-pass-1"))[0] == 200
        status, home = await m.page("/dashboard/")
        assert status == 200 and f"/dashboard/requests/{mine}" in home
        assert f"/dashboard/requests/{theirs}" not in home
        status, people_page = await m.page("/dashboard/people")
        assert w.resident_name in people_page and "長町次郎" not in people_page
        assert w.supporter_names[0] not in people_page  # supporters are the coordinators' business
        assert (await m.page(f"/dashboard/requests/{mine}"))[0] == 200
        assert (await m.page(f"/dashboard/people/resident/{mine_rid}"))[0] == 200
        for refused in (
            f"/dashboard/requests/{theirs}",
            f"/dashboard/people/resident/{their_rid}",
            f"/dashboard/people/resident/{their_rid}/proxies",
            "/dashboard/figures",
            "/dashboard/figures.csv",
            "/dashboard/settings",
            "/dashboard/recurring",
            "/dashboard/accounts",
            "/dashboard/audit",
            "/dashboard/people/noline",
        ):
            assert (await m.page(refused))[0] == 404, refused
        assert (await m.post(f"/dashboard/requests/{theirs}/note", note="x"))[0] == 404
        async with m.http.get(dash.bot.url + "/api/requests") as r:
            assert [x["id"] for x in (await r.json())["requests"]] == [mine]
        async with m.http.get(dash.bot.url + f"/api/requests/{theirs}") as r:
            assert r.status == 404
        async with m.http.get(dash.bot.url + "/api/figures") as r:
            assert r.status == 404
    finally:
        await m.close()


async def test_the_audit_log_records_sign_ins_views_exports_and_api_reads(dash: Dash, client: Client) -> None:
    rid = await ask(dash, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    res = await resident_id(dash, dash.world.resident)
    assert (await client.login("nagamachi", "wrong-password-1"))[0] == 401
    assert (await client.login("a-password-typed-as-login", "x" * 10))[0] == 401
    await client.login("nagamachi")
    await client.page(f"/dashboard/people/resident/{res}")
    await client.page(f"/dashboard/requests/{rid}")
    await client.page("/dashboard/figures.csv?month=2026-12")
    async with client.http.get(dash.bot.url + f"/api/requests/{rid}") as r:
        assert r.status == 200
    await client.post(f"/dashboard/people/resident/{res}", op="edit", district="K01", name="金沢花子",
                      town="長町", address="金沢市長町2丁目5-13", phone="abc")  # fmt: skip
    await settled(dash.bot)
    rows = list(reversed(await entries(dash)))
    seen = [(e.actor, e.via, e.action, e.record_kind, e.record_id) for e in rows]
    assert seen == [
        ("nagamachi", "dashboard", "login_failed", None, None),
        ("?", "dashboard", "login_failed", None, None),  # what was typed is never kept: it may be a password
        ("nagamachi", "dashboard", "login", None, None),
        ("nagamachi", "dashboard", "view_person", "resident", str(res)),
        ("nagamachi", "dashboard", "view_request", "request", str(rid)),
        ("nagamachi", "dashboard", "export_csv", None, None),
        ("nagamachi", "api", "api_read", "request", str(rid)),
        ("nagamachi", "dashboard", "person_edit", "resident", str(res)),
        ("nagamachi", "dashboard", "view_person", "resident", str(res)),  # the page it returns to
    ]
    assert rows[-2].detail == "edit refused" and rows[0].ip == "127.0.0.1"
    assert all("a-password-typed-as-login" not in (e.actor + (e.detail or "")) for e in rows)

    city = Client(dash)
    try:
        await city.login("city")
        status, page = await city.page("/dashboard/audit?actor=nagamachi&action=view_person")
        assert status == 200 and '操作">人の詳細を見た' in page and '操作">ログイン失敗' not in page
        status, page = await city.page("/dashboard/audit")
        assert page.count('操作">ログイン失敗') >= 2
    finally:
        await city.close()
    assert (await entries(dash, action="view_audit"))[0].actor == "city"

    # Kept under the retention policy: purged with everything else past the cut-off.
    from bot.store import retention

    later = dash.bot.services.clock.now() + timedelta(days=1)
    async with dash.bot.db.session() as s:
        await retention.purge(s, before=later, now=later)
    async with dash.bot.db.read() as s:
        assert (await s.exec(select(AuditEntry))).all() == []
        assert (await s.exec(select(col(Coordinator.id)))).all()  # accounts themselves stay


def test_every_action_has_a_label() -> None:
    from bot import messages as M

    assert set(M.DASH_AUDIT_ACTIONS) == {a.value for a in audit.Action}
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", v) for v in M.DASH_AUDIT_ACTIONS.values())
