"""Figures: monthly counts for the district council, as charts, CSV (and, through api.py, JSON)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from aiohttp import web

from bot import messages as M
from bot.clock import JST
from bot.dashboard import charts
from bot.dashboard.pages.base import now, render
from bot.dashboard.security import services, who
from bot.store import dashboard
from bot.store.errors import NotFound

FIGURES_FROM_YEAR, FIGURES_TO_YEAR = 2000, 2100


def _month_start(value: str) -> datetime:
    y, m = (int(x) for x in value.split("-"))
    return datetime(y, m, 1, tzinfo=JST)


def _next_month(d: datetime) -> datetime:
    return d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)


def figure_range(request: web.Request) -> tuple[datetime, datetime]:
    """?from=YYYY-MM&to=YYYY-MM (inclusive); by default the last 12 months up to this one."""
    today = now(request).astimezone(JST)
    this_month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    try:
        end = _next_month(_month_start(request.query["to"])) if request.query.get("to") else _next_month(this_month)
        start = _month_start(request.query["from"]) if request.query.get("from") else end.replace(year=end.year - 1)
    except (ValueError, KeyError) as e:
        raise web.HTTPBadRequest(text="from/to: YYYY-MM") from e
    if not (start.year >= FIGURES_FROM_YEAR and end.year <= FIGURES_TO_YEAR):
        # No figures exist then; and year 1 would overflow converting to UTC (a 500, not an answer).
        raise NotFound("months")
    if start >= end or (end - start) > timedelta(days=3700):
        raise web.HTTPBadRequest(text="from/to: a range of up to ten years")
    return start, end


async def load_figures(request: web.Request) -> tuple[dashboard.Figures, datetime, datetime, str]:
    w = who(request)
    start, end = figure_range(request)
    district = request.query.get("district", "")
    if district and not w.may_see(district):
        raise NotFound(district)
    async with services(request).db.session() as s:
        f = await dashboard.figures(s, scope=w.scope, start=start, end=end, district=district or None)
    return f, start, end, district


async def figures_page(request: web.Request) -> web.Response:
    f, start, end, district = await load_figures(request)
    taken = [float(f.by_month[m].claimed) if m in f.by_month else 0.0 for m in f.months]
    left = [float(f.by_month[m].unclaimed) if m in f.by_month else 0.0 for m in f.months]
    sensitive = [
        float(sum(c.requests for (mm, _, cat), c in f.by_key.items() if mm == m and cat in dashboard.SENSITIVE))
        for m in f.months
    ]
    monthly = charts.columns(
        f.months,
        [(M.DASH_TAKEN, taken), (M.DASH_LEFT, left), (M.DASH_SENSITIVE, sensitive)],
        title=M.DASH_BY_MONTH,
    )
    by_category = charts.bars(
        [(M.CATEGORY_NAMES.get(c, c), float(f.by_category[c].requests)) for c in f.categories], title=M.DASH_BY_CATEGORY
    )
    by_district = charts.bars(
        [(d.name, float(f.by_district[d.code].requests if d.code in f.by_district else 0)) for d in f.districts],
        title=M.DASH_BY_DISTRICT,
    )
    return await render(
        request,
        "figures.html",
        {
            "f": f,
            "start": start.strftime("%Y-%m"),
            "end": (end - timedelta(days=1)).strftime("%Y-%m"),
            "district": district,
            "monthly": monthly,
            "by_category": by_category,
            "by_district": by_district,
            "district_names": {d.code: d.name for d in f.districts},
            "query": request.query_string,
            "nav": "figures",
        },
    )


CSV_HEADER = [
    "month",
    "district_code",
    "district",
    "category",
    "category_ja",
    "requests",
    "claimed",
    "done",
    "unclaimed",
    "unclaimed_share",
    "median_minutes_to_claim",
    "median_hours_to_done",
    "active_supporters_in_district_month",
]


def figures_rows(f: dashboard.Figures) -> list[list[str | int | float | None]]:
    names = {d.code: d.name for d in f.districts}
    rows: list[list[str | int | float | None]] = []
    for (month, code, cat), c in sorted(f.by_key.items()):
        md = f.by_month_district.get((month, code))
        rows.append(
            [
                month,
                code,
                names.get(code, code),
                cat,
                M.CATEGORY_NAMES.get(cat, cat),
                c.requests,
                c.claimed,
                c.done,
                c.unclaimed,
                c.unclaimed_share,
                c.median_claim_minutes,
                c.median_done_hours,
                md.active_supporters if md else 0,
            ]
        )
    return rows


async def figures_csv(request: web.Request) -> web.Response:
    f, start, end, _ = await load_figures(request)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for row in figures_rows(f):
        # A cell starting with = + - @ would run as a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else ("" if v is None else v) for v in row])
    name = f"sasaeai-figures-{start.strftime('%Y%m')}-{(end - timedelta(days=1)).strftime('%Y%m')}.csv"
    # UTF-8 with BOM: Excel on Japanese Windows otherwise reads it as Shift_JIS and garbles it.
    return web.Response(
        body=("\ufeff" + buf.getvalue()).encode("utf-8"),
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'},
    )
