"""未解決 (home): every unresolved request of the coordinator's districts, and who needs a person to call."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard.pages.base import render
from bot.dashboard.security import Who, services, who
from bot.store import checkins, dashboard
from bot.store.errors import NotFound


def filters(request: web.Request, w: Who) -> dict[str, str]:
    q = request.query
    district = q.get("district", "")
    category = q.get("category", "")
    status = q.get("status", "")
    if district and not w.may_see(district):
        raise NotFound(district)
    if category not in M.CATEGORY_NAMES:
        category = ""
    if status not in M.DASH_STATUS_FILTERS:
        status = ""
    return {"district": district, "category": category, "status": status}


async def home(request: web.Request) -> web.Response:
    w = who(request)
    f = filters(request, w)
    async with services(request).db.session() as s:
        rows = await dashboard.unresolved(
            s, scope=w.scope, district=f["district"] or None, category=f["category"] or None, kind=f["status"] or None
        )
        counts = await dashboard.counts_by_district(s, scope=w.scope)
        failed = await dashboard.failed_deliveries(s, scope=w.scope)
        blocked = await dashboard.blocked_people(s, scope=w.scope)
        districts = await dashboard.districts(s, w.scope)
        # 見守り: residents who did not answer their check-in; a person should call or visit.
        missed = await checkins.missed_checkins(s, district_codes=None if w.scope is None else sorted(w.scope))
        # 見守り too: nothing heard from a resident since their request, which is still not done.
        silent = await dashboard.silent_after_request(s, scope=w.scope, now=services(request).clock.now())
    attention = [r for r in rows if r.kind == "attention"]
    return await render(
        request,
        "home.html",
        {
            "rows": rows,
            "attention": attention,
            "counts": counts,
            "failed": failed,
            "blocked": blocked,
            "missed": missed,
            "silent": silent,
            "districts": districts,
            "filters": f,
            "status_filters": M.DASH_STATUS_FILTERS,
            "purpose_labels": M.DASH_PURPOSE_LABELS,
            "total": sum(c.total for c in counts),
            "nav": "home",
        },
    )
