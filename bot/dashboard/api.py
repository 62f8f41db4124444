"""The JSON API for the city's other systems: the same permissions as the pages (session or bearer token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.dashboard.pages import figures as figure_pages
from bot.dashboard.pages.home import filters
from bot.dashboard.pages.request import request_id
from bot.dashboard.security import services, who
from bot.store import dashboard
from bot.store.models import HelpRequest


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def request_json(req: HelpRequest, district_name: str, supporter: str | None) -> dict[str, Any]:
    return {
        "id": req.id,
        "district": req.district_code,
        "district_name": district_name,
        "category": req.category,
        "status": req.status,
        "kind": dashboard.kind_of(req),
        "summary": req.masked,
        "urgent": req.urgent,
        "when": {"date": req.when_date, "time": req.when_time, "part": req.when_part},
        "supporter": supporter,
        "escalation_level": req.escalation_level,
        "created_at": _iso(req.created_at),
        "posted_at": _iso(req.posted_at),
        "claimed_at": _iso(req.claimed_at),
        "done_at": _iso(req.done_at),
        "closed_at": _iso(req.closed_at),
    }


async def requests_list(request: web.Request) -> web.Response:
    w = who(request)
    f = filters(request, w)
    async with services(request).db.session() as s:
        rows = await dashboard.unresolved(
            s, scope=w.scope, district=f["district"] or None, category=f["category"] or None, kind=f["status"] or None
        )
    return web.json_response(
        {"requests": [request_json(r.req, r.district.name, r.supporter.name if r.supporter else None) for r in rows]}
    )


async def request_one(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.session() as s:
        d = await dashboard.detail(s, request_id=request_id(request), scope=w.scope)
    body = request_json(d.req, d.district.name, d.supporter.name if d.supporter else None)
    body["text"] = d.req.text
    body["analysis"] = {"confidence": d.req.confidence, "scores": d.req.scores, "cues": d.req.cues}
    body["resident"] = {
        "name": d.resident.name,
        "town": d.resident.town,
        "address": d.resident.address,
        "phone": d.resident.phone,
        "line_friend": d.resident.followed,
    }
    body["timeline"] = [
        {"at": _iso(e.at), "actor_kind": e.actor_kind, "actor": name or None, "action": e.action, "note": e.note}
        for e, name in d.events
    ]
    return web.json_response(body)


async def figures(request: web.Request) -> web.Response:
    f, start, end, _ = await figure_pages.load_figures(request)

    def cell(c: dashboard.Cell) -> dict[str, Any]:
        return {
            "requests": c.requests,
            "claimed": c.claimed,
            "done": c.done,
            "unclaimed": c.unclaimed,
            "unclaimed_share": c.unclaimed_share,
            "median_minutes_to_claim": c.median_claim_minutes,
            "median_hours_to_done": c.median_done_hours,
            "active_supporters": c.active_supporters,
        }

    return web.json_response(
        {
            "from": start.strftime("%Y-%m"),
            "to": end.strftime("%Y-%m"),
            "total": cell(f.total),
            "months": {m: cell(f.by_month[m]) for m in f.months if m in f.by_month},
            "districts": {code: cell(c) for code, c in f.by_district.items()},
            "categories": {cat: cell(c) for cat, c in f.by_category.items()},
            "rows": [dict(zip(figure_pages.CSV_HEADER, row, strict=True)) for row in figure_pages.figures_rows(f)],
        }
    )
