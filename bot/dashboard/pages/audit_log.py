"""The audit log page, for the city's coordinators only: who did or looked at what, newest first, filtered
by account, action, kind of record, record and dates. Opening it is itself recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from bot import messages as M
from bot.clock import JST
from bot.dashboard.audit_trail import actor
from bot.dashboard.pages.base import now, render
from bot.dashboard.security import services, who
from bot.store import audit
from bot.store.errors import NotFound


def _day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=JST)
    except ValueError:
        return None


async def audit_page(request: web.Request) -> web.Response:
    if not who(request).city_wide:
        raise NotFound("audit")
    q = request.query
    f = {k: q.get(k, "").strip()[:64] for k in ("actor", "action", "kind", "record", "since", "until")}
    if f["action"] not in M.DASH_AUDIT_ACTIONS:
        f["action"] = ""
    since, until = _day(f["since"]), _day(f["until"])
    t = now(request)
    async with services(request).db.session() as s:
        rows = await audit.entries(
            s,
            actor=f["actor"] or None,
            action=f["action"] or None,
            kind=f["kind"] or None,
            record_id=f["record"] or None,
            since=since,
            until=until + timedelta(days=1) if until else None,
        )
        audit.record(s, actor(request), audit.Action.VIEW_AUDIT, now=t, detail=request.query_string[:300] or None)
    return await render(
        request,
        "audit.html",
        {"rows": rows, "f": f, "actions": M.DASH_AUDIT_ACTIONS, "vias": M.DASH_AUDIT_VIA, "limit": audit.PAGE_SIZE,
         "nav": "audit"},
    )  # fmt: skip
