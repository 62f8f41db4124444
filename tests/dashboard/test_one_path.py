"""One action, one path: a coordinator's assignment, completion or cancellation on the dashboard tells the
supporter, the resident and the resident's proxy the same as the supporter's or resident's own buttons in LINE.

Before, the dashboard built the supporter's details without the proxy's contact or the map link and never
told the proxy who was coming."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from bot.store.models import HelpRequest, Supporter
from tests.conftest import find_action, settled, uid
from tests.dashboard.conftest import Client, Dash
from tests.test_conversation import cli
from tests.test_escalation import confirm

PROXY = uid(310)


def _same(text: str, req: HelpRequest) -> str:
    # Two requests, two numbers and two wordings: everything else must read the same.
    assert req.text
    return re.sub(rf"#{req.id}(?!\d)", "#N", text.replace(req.text, "…"))


async def _proxy_asks(dash: Dash, words: str) -> tuple[HelpRequest, dict]:
    """The resident's family member asks for them, then the resident sends where help is needed;
    returns the request and the group's post."""
    w, emu = dash.world, dash.emu
    post = await confirm(emu, PROXY, words, w.group)
    n = len(emu.messages_to(w.resident))
    await emu.send_location(w.resident, latitude=36.5651, longitude=136.6498, address="石川県金沢市長町2丁目")
    await emu.wait_for_messages(w.resident, n + 1)
    await settled(dash.bot)
    async with dash.bot.db.session() as s:
        req = (await s.exec(select(HelpRequest).order_by(HelpRequest.id.desc()))).first()  # type: ignore[union-attr]
    assert req is not None and req.id is not None and req.proxy_id is not None and req.location_lat is not None
    return req, post


def _words(node: Any) -> list[str]:
    """What a person reads in a message: its texts and labels, not its ids or signed button data."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k in ("text", "altText", "label") and isinstance(v, str)] + [
            w for k, v in node.items() if k not in ("text", "altText", "label") for w in _words(v)
        ]
    if isinstance(node, list):
        return [w for v in node for w in _words(v)]
    return []


def _new(dash: Dash, chat: str, since: int) -> list[str]:
    return ["\n".join(_words(m)) for m in dash.emu.messages_to(chat)[since:]]


async def test_assigning_on_the_dashboard_tells_what_a_claim_in_line_tells(dash: Dash, client: Client) -> None:
    w, emu, bot = dash.world, dash.emu, dash.bot
    await cli(bot, "proxy", "add", PROXY, "--resident", w.resident, "--relation", "家族", "--name", "金沢一郎",
              "--phone", "090-1111-2222")  # fmt: skip
    emu.add_user(PROXY, "いちろう")
    sup_line = w.supporters[0]

    # Two requests alike; the first is taken in LINE, the second assigned on the dashboard.
    line_req, post = await _proxy_asks(dash, "明日、母の家の電球を替えてもらえますか")
    dash_req, _ = await _proxy_asks(dash, "明日、母の家の台所の電球を替えてほしいです")
    assert (line_req.category, line_req.when_date) == (dash_req.category, dash_req.when_date)

    # In LINE: the supporter presses 引き受けます in the group.
    seen = {who: len(emu.messages_to(who)) for who in (sup_line, w.resident, PROXY)}
    await emu.send_postback(sup_line, find_action([post], "引き受け")["data"], group_id=w.group)
    await emu.wait_for_messages(sup_line, seen[sup_line] + 1)
    await settled(bot)
    by_line = {who: _new(dash, who, n) for who, n in seen.items()}

    # On the dashboard: a coordinator assigns the other request to the same supporter.
    seen = {who: len(emu.messages_to(who)) for who in (sup_line, w.resident, PROXY)}
    async with bot.db.session() as s:
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == sup_line))).one()
    await client.login()
    status, body = await client.post(f"/dashboard/requests/{dash_req.id}/assign", supporter_id=str(sup.id))
    assert status == 200 and "さんにお願いしました" in body
    await settled(bot)
    by_dash = {who: _new(dash, who, n) for who, n in seen.items()}

    # The supporter's details: whom to visit, whom to call (the proxy), and the map link, in both.
    line_details, dash_details = by_line[sup_line][-1], by_dash[sup_line][-1]
    for must in ("家族の金沢一郎さん", "090-1111-2222", w.resident_address, "google.com/maps"):
        assert must in line_details and must in dash_details
    assert _same(dash_details, dash_req) == _same(line_details, line_req)
    # The resident and the proxy hear who is coming, in the same words.
    assert by_dash[w.resident] == by_line[w.resident] and any(w.supporter_names[0] in t for t in by_dash[w.resident])
    assert by_dash[PROXY] == by_line[PROXY] and any(w.supporter_names[0] in t for t in by_dash[PROXY])

    # 完了: pressed by the supporter in LINE, or set by a coordinator: the proxy hears it either way.
    seen = {who: len(emu.messages_to(who)) for who in (w.resident, PROXY)}
    details_msg = emu.messages_to(sup_line)[-1]  # the assigned request's details, with its 完了 button
    await emu.send_postback(sup_line, find_action([details_msg], "完了")["data"])
    await emu.wait_for_messages(PROXY, seen[PROXY] + 1)
    await settled(bot)
    done_line = {who: _new(dash, who, n) for who, n in seen.items()}
    seen = {who: len(emu.messages_to(who)) for who in (w.resident, PROXY)}
    status, body = await client.post(f"/dashboard/requests/{line_req.id}/done")
    assert status == 200 and "完了" in body
    await settled(bot)
    done_dash = {who: _new(dash, who, n) for who, n in seen.items()}
    assert done_dash == done_line and any("終わりました" in t for t in done_dash[PROXY])
