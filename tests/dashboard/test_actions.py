"""Coordinators acting on requests, people and settings, and the JSON API: recorded, told on LINE, scoped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlmodel import col, select

from bot.store import coordinators, people
from bot.store.models import Checkin, District, HelpRequest, Job, OutboxMessage, RequestEvent, Resident, Supporter
from tests.conftest import all_text, find_action, settled, uid
from tests.dashboard.conftest import Client, Dash
from tests.test_escalation import confirm

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def ask(dash: Dash, words: str = "ゴミ出しを手伝ってほしい") -> int:
    await confirm(dash.emu, dash.world.resident, words, dash.world.group)
    async with dash.bot.db.session() as s:
        return max(r.id or 0 for r in (await s.exec(select(HelpRequest))).all())


async def coordinator_actions(dash: Dash, rid: int) -> list[str]:
    async with dash.bot.db.session() as s:
        rows = (
            await s.exec(select(RequestEvent).where(RequestEvent.request_id == rid).order_by(col(RequestEvent.id)))
        ).all()
    return [e.action for e in rows if e.actor_kind == "coordinator"]


async def test_release_repost_and_cancel_tell_the_people_concerned(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    rid = await ask(dash)
    post = emu.messages_to(w.group)[-1]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)
    await emu.wait_for_messages(w.group, 2)  # the group heard who took it
    await client.login()

    groups_before = len(emu.messages_to(w.group))
    status, body = await client.post(f"/dashboard/requests/{rid}/release")
    assert status == 200 and "グループにもう一度出しました" in body
    told = await emu.wait_for_messages(w.supporters[0], 2)
    assert "グループに戻しました" in all_text(told[-1])
    reposted = await emu.wait_for_messages(w.group, groups_before + 1)
    assert find_action(reposted[-1:], "引き受け")
    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
        assert req is not None and req.status == "open" and req.supporter_id is None
        keys = [j.key for j in (await s.exec(select(Job).where(col(Job.key).like(f"remind:{rid}:%")))).all()]
    assert len(keys) == 2  # the first posting's chain and the new one (the old one finds itself outdated)
    _, page = await client.page(f"/dashboard/requests/{rid}")
    upcoming = page.split("この先の予定：")[1].split("</p>")[0]
    assert upcoming.count("グループに催促") == 1 and "コーディネーターに通知" in upcoming

    status, body = await client.post(f"/dashboard/requests/{rid}/repost")
    assert status == 200 and "もう一度出しました" in body
    await emu.wait_for_messages(w.group, groups_before + 2)

    resident_before = len(emu.messages_to(w.resident))
    status, body = await client.post(f"/dashboard/requests/{rid}/cancel")
    assert "取りやめにしました" in body
    told = await emu.wait_for_messages(w.resident, resident_before + 1)
    assert "取りやめ" in all_text(told[-1])
    # A closed request takes no more actions: the page says so and nothing changes.
    status, body = await client.post(f"/dashboard/requests/{rid}/repost")
    assert "その操作ができません" in body
    assert await coordinator_actions(dash, rid) == ["released", "reposted", "cancelled"]


async def test_a_stale_page_does_not_undo_a_supporters_claim(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    rid = await ask(dash)
    await client.login()
    _, page = await client.page(f"/dashboard/requests/{rid}")
    version = page.split('name="version" value="')[1].split('"')[0]
    post = emu.messages_to(w.group)[-1]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)
    async with dash.bot.db.session() as s:
        other = (await s.exec(select(Supporter).where(Supporter.line_user_id == w.supporters[1]))).one()
    _, body = await client.post(f"/dashboard/requests/{rid}/assign", supporter_id=str(other.id), version=version)
    assert "読み込み直して" in body
    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
        sup = await s.get(Supporter, req.supporter_id) if req and req.supporter_id else None
    assert sup is not None and sup.line_user_id == w.supporters[0]


async def test_emergency_needs_attention_until_handled_and_is_never_assigned(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    await emu.send_text(w.resident, "ころんでたてない　たすけて")
    await emu.wait_for_messages(w.coordinators, 1)
    await emu.wait_for_messages(w.resident, 1)
    await client.login()
    _, home = await client.page("/dashboard/")
    assert "緊急・相談 1件" in home and w.resident_name in home
    async with dash.bot.db.session() as s:
        rid = (await s.exec(select(HelpRequest))).one().id
    _, page = await client.page(f"/dashboard/requests/{rid}")
    assert "対応済みにする" in page and "お願いする" not in page
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter))).first()
    assert sup is not None
    _, body = await client.post(f"/dashboard/requests/{rid}/assign", supporter_id=str(sup.id))
    assert "その操作ができません" in body
    resident_before = len(emu.messages_to(w.resident))
    _, body = await client.post(f"/dashboard/requests/{rid}/done", note="救急車で搬送、家族に連絡済み")
    assert "対応済みにしました" in body and "家族に連絡済み" in body
    _, home = await client.page("/dashboard/")
    assert 'class="alert-box"' not in home and "未解決の依頼はありません" in home
    await settled(dash.bot)
    assert len(emu.messages_to(w.resident)) == resident_before
    for s_ in w.supporters:
        assert emu.messages_to(s_) == []
    # Handling it answered its alert (issue 13): recorded, and the coordinators' group told who did.
    assert await coordinator_actions(dash, rid or 0) == ["handled", "alert_ack"]
    assert "ダッシュボードで対応しました" in all_text(emu.messages_to(w.coordinators)[-1])


async def test_people_add_edit_deactivate_verify(dash: Dash, client: Client) -> None:
    await client.login()
    new = uid(250)
    status, body = await client.post(
        "/dashboard/people", kind="supporter", district="K01", line_user_id=new, name="新人さん"
    )
    assert "新人さんさんを登録しました" in body or "登録しました" in body
    _, people_page = await client.page("/dashboard/people")
    assert "新人さん" in people_page and "ボットを友だち追加していない人" in people_page
    # Another district's person cannot be added by this coordinator.
    status, _ = await client.post(
        "/dashboard/people", kind="supporter", district="K02", line_user_id=uid(251), name="x"
    )
    assert status == 404
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == new))).one()
    here = f"/dashboard/people/supporter/{sup.id}"
    _, body = await client.post(here, op="verify")
    assert "友だち追加していない" in body
    dash.emu.add_user(new, "新人さん")  # now they add the bot
    _, body = await client.post(here, op="verify")
    assert "LINEで確認できました" in body
    _, body = await client.post(here, op="edit", name="新人 花子", district="K01")
    assert "保存しました" in body
    _, body = await client.post(here, op="deactivate")
    assert "無効にしました" in body
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == new))).one()
    assert sup.name == "新人 花子" and sup.followed is True and not sup.active


async def test_escalation_settings_change_only_in_ones_own_districts(dash: Dash, client: Client) -> None:
    await client.login()
    form = {
        "remind_after_minutes": "30",
        "alert_after_minutes": "90",
        "claimed_stale_hours": "24",
        "quiet_start_hour": "20",
        "quiet_end_hour": "8",
    }
    _, body = await client.post("/dashboard/settings/K01", **form)
    assert "設定を保存しました" in body
    status, _ = await client.post("/dashboard/settings/K02", **form)
    assert status == 404
    _, body = await client.post("/dashboard/settings/K01", **{**form, "alert_after_minutes": "10"})
    assert "後にしてください" in body
    async with dash.bot.db.session() as s:
        k1, k2 = await s.get(District, "K01"), await s.get(District, "K02")
    assert k1 is not None and k2 is not None
    assert (k1.remind_after_minutes, k1.alert_after_minutes, k1.quiet_start_hour) == (30, 90, 20)
    assert k2.remind_after_minutes == 60


async def test_api_with_a_bearer_token_has_the_same_permissions(dash: Dash) -> None:
    mine = await ask(dash, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    await confirm(dash.emu, dash.other_resident, "雪すかしお願いしたいがや", dash.other_group)
    async with dash.bot.db.session() as s:
        token = await coordinators.new_api_token(s, login="nagamachi")
        theirs = max(r.id or 0 for r in (await s.exec(select(HelpRequest))).all())
    base = dash.bot.url + "/api"
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/requests", headers=auth) as r:
            listing = await r.json()
        assert [x["id"] for x in listing["requests"]] == [mine]
        assert "text" not in listing["requests"][0]  # the list carries masked summaries only
        async with http.get(f"{base}/requests/{mine}", headers=auth) as r:
            one = await r.json()
        assert one["resident"]["name"] == dash.world.resident_name
        assert [t["action"] for t in one["timeline"]][:2] == ["created", "confirmed"]
        async with http.get(f"{base}/requests/{theirs}", headers=auth) as r:
            assert r.status == 404
        async with http.get(f"{base}/figures", headers=auth) as r:
            figures = await r.json()
        assert figures["total"]["requests"] == 1 and list(figures["districts"]) == ["K01"]
        for bad in ({"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}, {}):
            async with http.get(f"{base}/requests", headers=bad) as r:
                assert r.status == 401


async def test_figures_page_charts_and_csv(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    rid = await ask(dash)
    post = emu.messages_to(w.group)[-1]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = await emu.wait_for_messages(w.supporters[0], 1)
    await emu.send_postback(w.supporters[0], find_action(details, "完了")["data"])
    await emu.wait_for_messages(w.group, 3)
    await ask(dash, "買い物に行ってもらえんけ")
    await client.login()
    status, page = await client.page("/dashboard/figures")
    assert status == 200 and page.count("<svg") == 3 and "ゴミ出し" in page
    async with client.http.get(dash.bot.url + "/dashboard/figures.csv") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        text = (await r.read()).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("month,district_code,district,category")
    rows = {line.split(",")[3]: line.split(",") for line in lines[1:]}
    assert rows["garbage"][5:9] == ["1", "1", "1", "0"] and rows["shopping"][5:9] == ["1", "0", "0", "1"]
    assert rid


async def test_home_shows_failed_deliveries_blocked_people_and_missed_checkins(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    post = await confirm(emu, w.resident, "ゴミ出しを手伝ってほしい", w.group)
    # The resident blocks the bot before a supporter takes the request: 「山田さんが来ます」 cannot arrive.
    emu.state.users[w.resident].blocked = True
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)
    await emu.send_unfollow(w.supporters[1])  # a supporter blocks the bot
    now = datetime.now(UTC)
    for _ in range(200):
        async with dash.bot.db.session() as s:
            failed = (await s.exec(select(OutboxMessage).where(OutboxMessage.status == "failed"))).all()
            blocker = (await s.exec(select(Supporter).where(Supporter.line_user_id == w.supporters[1]))).one()
        if failed and blocker.followed is False:
            break
        await asyncio.sleep(0.05)
    async with dash.bot.db.session() as s:
        res = (await s.exec(select(Resident).where(Resident.line_user_id == w.resident))).one()
        s.add(
            Checkin(
                resident_id=res.id or 0,
                district_code="K01",
                sent_at=now - timedelta(hours=5),
                deadline_at=now - timedelta(hours=2),
                status="missed",
                missed_at=now - timedelta(hours=2),
            )
        )
    await client.login()
    _, home = await client.page("/dashboard/")
    failed_part = home.split("LINEで届かなかったお知らせ")[1].split("</table>")[0]
    assert w.resident_name in failed_part and "本人へのお知らせ" in failed_part
    blocked_part = home.split("ボットをブロックしている人")[1]
    assert w.supporter_names[1] in blocked_part
    # People are placed by district name, not by its code.
    assert "長町" in blocked_part and "K01" not in blocked_part
    missed_part = home.split("見守り：お返事のない方")[1].split("</section>")[0]
    assert "長町" in missed_part and "K01" not in missed_part
    assert "見守り：お返事のない方 1人" in home and "5時間前に送りました" in home
    # The coordinator of the other district sees none of it.
    other = Client(dash)
    try:
        await other.login("kikugawa")
        _, theirs = await other.page("/dashboard/")
        for secret in (w.resident_name, w.supporter_names[1], "見守り", "届かなかった"):
            assert secret not in theirs
    finally:
        await other.close()


async def test_unresolved_in_a_district_group_lists_its_own_and_never_emergencies(dash: Dash) -> None:
    w, emu = dash.world, dash.emu
    await confirm(emu, w.resident, "ゴミ出しを手伝ってほしい", w.group)
    await confirm(emu, dash.other_resident, "雪すかしお願いしたいがや", dash.other_group)
    await emu.send_text(w.resident, "ころんでたてない　たすけて")
    await emu.wait_for_messages(w.coordinators, 1)
    before = len(emu.messages_to(w.group))
    await emu.send_text(w.supporters[0], "未解決", group_id=w.group)
    listing = all_text((await emu.wait_for_messages(w.group, before + 1))[-1])
    assert "未解決 1件" in listing and "ゴミ出し" in listing
    for not_here in ("雪", "緊急", w.resident_name, "dashboard"):
        assert not_here not in listing
    await emu.send_text(w.supporters[0], "未解決", group_id=w.coordinators)
    everything = all_text((await emu.wait_for_messages(w.coordinators, 2))[-1])
    assert "未解決 3件" in everything and "緊急・要対応" in everything and "菊川" in everything


async def test_assigning_to_someone_who_has_not_added_the_bot_is_refused(dash: Dash, client: Client) -> None:
    rid = await ask(dash)
    stranger = uid(260)
    dash.emu.add_user(stranger, "未登録さん", friend=False)
    async with dash.bot.db.session() as s:
        await people.add_supporter(
            s, line_user_id=stranger, district_code="K01", name="未登録さん", now=datetime.now(UTC)
        )
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == stranger))).one()
    await client.login()
    await client.page(f"/dashboard/requests/{rid}")
    _, body = await client.post(f"/dashboard/requests/{rid}/assign", supporter_id=str(sup.id))
    assert "友だち追加していないため" in body
    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == stranger))).one()
    assert req is not None and req.status == "open" and sup.followed is None
    assert dash.emu.messages_to(stranger) == []


async def test_assigning_another_districts_supporter_is_refused_without_naming_them(dash: Dash, client: Client) -> None:
    rid = await ask(dash)
    async with dash.bot.db.session() as s:
        await people.add_supporter(
            s, line_user_id=uid(270), district_code="K02", name="菊川の人", now=datetime.now(UTC)
        )
    async with dash.bot.db.session() as s:
        theirs = (await s.exec(select(Supporter).where(Supporter.line_user_id == uid(270)))).one()
    await client.login()
    await client.page(f"/dashboard/requests/{rid}")
    _, body = await client.post(f"/dashboard/requests/{rid}/assign", supporter_id=str(theirs.id))
    assert "入力を確かめてください" in body and "菊川の人" not in body
    async with dash.bot.db.session() as s:
        req = await s.get(HelpRequest, rid)
    assert req is not None and req.status == "open"


async def test_acting_on_another_districts_request_is_a_404_and_changes_nothing(dash: Dash, client: Client) -> None:
    await confirm(dash.emu, dash.other_resident, "雪すかしお願いしたいがや", dash.other_group)
    async with dash.bot.db.session() as s:
        theirs = (await s.exec(select(HelpRequest))).one()
    await client.login()
    await client.page("/dashboard/")
    for action in ("cancel", "done", "repost", "note", "release"):
        status, body = await client.post(f"/dashboard/requests/{theirs.id}/{action}", note="x")
        assert status == 404 and "菊川太郎" not in body and "雪" not in body
    async with dash.bot.db.session() as s:
        after = await s.get(HelpRequest, theirs.id)
        events = (await s.exec(select(RequestEvent).where(RequestEvent.actor_kind == "coordinator"))).all()
    assert after is not None and after.status == "open" and after.version == theirs.version and events == []


async def test_the_relayed_words_are_on_the_request_page(dash: Dash, client: Client) -> None:
    w, emu = dash.world, dash.emu
    rid = await ask(dash)
    post = emu.messages_to(w.group)[-1]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(w.supporters[0], 1)
    await emu.send_text(w.supporters[0], "明日の9時に伺います")
    for _ in range(250):
        if any("明日の9時に伺います" in all_text(m) for m in emu.messages_to(w.resident)):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the relayed words did not reach the resident")
    await client.login()
    _, page = await client.page(f"/dashboard/requests/{rid}")
    assert "サポーターと本人のやりとり" in page and "明日の9時に伺います" in page


async def test_a_job_given_up_is_on_the_home_page_of_its_district_only(dash: Dash, client: Client) -> None:
    w = dash.world
    async with dash.bot.db.session() as s:
        res = (await s.exec(select(Resident).where(Resident.line_user_id == w.resident))).one()
        other = (await s.exec(select(Resident).where(Resident.line_user_id == dash.other_resident))).one()
        now = dash.bot.services.clock.now()
        for key, who in (("checkin:ours", res), ("checkin:theirs", other)):
            s.add(Job(key=key, kind="checkin", due_at=now, payload={"resident_id": who.id}, status="failed",
                      attempts=8, done_at=now))  # fmt: skip
    await client.login()  # nagamachi: 長町 only
    _, home = await client.page("/dashboard/")
    section = home.split("実行できなかった予定")[1].split("</section>")[0]
    assert section.count("見守りの声かけ") == 1
