"""見守り on the dashboard: a resident not heard from since their still-open request is listed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from bot.clock import SystemClock
from bot.store.models import HelpRequest, InboxEvent
from tests.dashboard.conftest import Client, Dash
from tests.test_flows import ask_and_confirm


async def age_everything(dash: Dash, hours: float) -> None:
    """As if the request and all the resident wrote had happened `hours` ago."""
    then = SystemClock().now() - timedelta(hours=hours)
    async with dash.bot.db.session() as s:
        await s.exec(update(HelpRequest).values(posted_at=then, created_at=then))  # type: ignore[call-overload]
        await s.exec(
            update(InboxEvent)  # type: ignore[call-overload]
            .where(col(InboxEvent.source_key) == dash.world.resident)
            .values(received_at=then - timedelta(minutes=1))
        )


async def test_silence_after_a_request_is_shown_until_the_resident_writes(dash: Dash, client: Client) -> None:
    w = dash.world
    await ask_and_confirm(dash.emu, w, "明日ゴミ出しを手伝ってほしい")
    await client.login()
    _, body = await client.page("/dashboard/")
    assert "お便りのない方" not in body  # just asked: nothing to worry about
    await age_everything(dash, hours=30)
    _, body = await client.page("/dashboard/")
    assert "依頼のあと、お便りのない方 1人" in body and w.resident_name in body
    await client.login("kikugawa")
    _, other = await client.page("/dashboard/")
    assert w.resident_name not in other  # another district's coordinator does not see her
    n = len(dash.emu.messages_to(w.resident))
    await dash.emu.send_text(w.resident, "こんにちは")
    await dash.emu.wait_for_messages(w.resident, n + 1)
    await client.login()
    _, body = await client.page("/dashboard/")
    assert "お便りのない方" not in body
