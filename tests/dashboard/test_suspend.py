"""Issue 13 without a shell: a coordinator suspends a supporter on the dashboard; the request they held goes back
to the group (the coordinators told) and they cannot take another until the suspension is lifted."""

from __future__ import annotations

from sqlmodel import select

from bot.store.models import Supporter
from tests.conftest import find_action, settled, wait_text
from tests.dashboard.conftest import Client, Dash
from tests.test_flows import ask_and_confirm
from tests.test_stuck import assert_released_and_reposted, claimed


async def _supporter_id(dash: Dash) -> int:
    async with dash.bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == dash.world.supporters[0]))).one()
    assert sup.id is not None
    return sup.id


async def test_suspending_on_the_dashboard_gives_the_claim_back_and_stops_new_claims(
    dash: Dash, client: Client
) -> None:
    w, emu = dash.world, dash.emu
    await claimed(emu, w)
    await settled(dash.bot)
    sid = await _supporter_id(dash)
    await client.login()
    status, body = await client.page(f"/dashboard/people/supporter/{sid}")
    assert status == 200 and "活動を停止する" in body
    status, body = await client.post(f"/dashboard/people/supporter/{sid}", op="suspend")
    assert status == 200 and "活動を停止しました" in body and "活動の停止を解く" in body
    await assert_released_and_reposted(dash.bot, emu, w, "停止")
    second = await ask_and_confirm(emu, w, "電球を替えてほしい")
    await emu.send_postback(w.supporters[0], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, "いまは依頼を引き受けられません")
    status, body = await client.post(f"/dashboard/people/supporter/{sid}", op="unsuspend")
    assert status == 200 and "活動の停止を解きました" in body
    await emu.send_postback(w.supporters[0], find_action([second], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, w.group, f"{w.supporter_names[0]}さん")


async def test_a_district_coordinator_cannot_suspend_another_districts_supporter(dash: Dash, client: Client) -> None:
    sid = await _supporter_id(dash)  # a 長町 (K01) supporter
    await client.login("kikugawa")
    status, _ = await client.post(f"/dashboard/people/supporter/{sid}", op="suspend")
    assert status == 404
    async with dash.bot.db.session() as s:
        assert (await s.get(Supporter, sid)).suspended_at is None  # type: ignore[union-attr]
