"""The dashboard's pages: 未解決 (home), a request, people, figures, escalation settings, sign-in."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot import messages as M
from bot.clock import JST
from bot.dashboard import actions, charts, signin
from bot.dashboard.security import CSRF_FIELD, WHO, Who, client_ip, load_who, services, who
from bot.dashboard.websession import web_session
from bot.passwords import PASSWORDS, Busy
from bot.store import checkins, dashboard, erasure, people, relays, sessions, throttle
from bot.store.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import District, Resident, Supporter

PREFIX = "/dashboard"
STATUS_FILTERS = M.DASH_STATUS_FILTERS
KIND_LABELS = M.DASH_KIND_LABELS
ACTION_LABELS = M.DASH_ACTION_LABELS
ACTOR_LABELS = M.DASH_ACTOR_LABELS
PURPOSE_LABELS = M.DASH_PURPOSE_LABELS
JOB_LABELS = M.DASH_JOB_LABELS
DELIVERY_STATUS = M.DASH_DELIVERY_STATUS


def now(request: web.Request) -> datetime:
    return services(request).clock.now()


def local(when: datetime | None) -> str:
    return M.dash_time(when.astimezone(JST)) if when else ""


def age(when: datetime | None, at: datetime) -> str:
    return M.age_text(at - when) if when else ""


def follow_label(followed: bool | None) -> str:
    return M.DASH_FOLLOW_LABELS[followed]


async def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    session = web_session(request)
    flash = session.pop_flash()
    base = {
        "csrf": session.csrf_token(),
        "csrf_field": CSRF_FIELD,
        "who": request.get(WHO),
        "flash": flash,
        "M": M,
        "local": local,
        "age": lambda when: age(when, now(request)),
        "categories": M.CATEGORY_NAMES,
        "kind_labels": KIND_LABELS,
        "follow_label": follow_label,
        "path": request.path,
        "nav": "",
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    return response


async def flash_redirect(request: web.Request, location: str, message: str, error: bool = False) -> web.Response:
    web_session(request).set_flash(message, error=error)
    raise web.HTTPSeeOther(location)


def _form_str(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


# --- Sign-in -------------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    # Only our own pages: never an open redirect to another site.
    if value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


async def login_page(request: web.Request) -> web.Response:
    if await load_who(request, web_session(request).coordinator_id) is not None:
        raise web.HTTPFound(_safe_next(request.query.get("next")))  # already signed in
    return await render(request, "login.html", {"next": _safe_next(request.query.get("next")), "error": None})


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    login, password = _form_str(form, "login"), _form_str(form, "password")
    nxt = _safe_next(_form_str(form, "next"))
    try:
        cid = await signin.check(
            services(request),
            request.config_dict[PASSWORDS],
            login=login,
            password=password,
            address=client_ip(request),
            now=now(request),
        )
    except throttle.Throttled:
        return await render(
            request, "login.html", {"next": nxt, "login": login, "error": M.DASH_LOGIN_THROTTLED}, status=429
        )
    except Busy:
        return await render(
            request, "login.html", {"next": nxt, "login": login, "error": M.DASH_LOGIN_BUSY}, status=503
        )
    if cid is None:
        return await render(
            request, "login.html", {"next": nxt, "login": login, "error": M.DASH_LOGIN_WRONG}, status=401
        )
    # A fresh session (and CSRF token) on sign-in: nothing set before it carries over.
    web_session(request).sign_in(cid)
    raise web.HTTPSeeOther(nxt)


async def logout(request: web.Request) -> web.Response:
    # The session's row goes: a copy of the cookie taken before opens nothing afterwards, on any process.
    web_session(request).sign_out()
    raise web.HTTPSeeOther(PREFIX + "/login")


async def end_all_sessions(request: web.Request) -> web.Response:
    """Sign this account out everywhere (a lost phone, a shared computer left signed in)."""
    w = who(request)
    assert w.coordinator.id is not None
    async with services(request).db.session() as s:
        await sessions.end_all(s, coordinator_id=w.coordinator.id)
    web_session(request).sign_out()
    raise web.HTTPSeeOther(PREFIX + "/login")


# --- 未解決 (home) -------------------------------------------------------------------------------------


def _filters(request: web.Request, w: Who) -> dict[str, str]:
    q = request.query
    district = q.get("district", "")
    category = q.get("category", "")
    status = q.get("status", "")
    if district and not w.may_see(district):
        raise NotFound(district)
    if category not in M.CATEGORY_NAMES:
        category = ""
    if status not in STATUS_FILTERS:
        status = ""
    return {"district": district, "category": category, "status": status}


async def home(request: web.Request) -> web.Response:
    w = who(request)
    f = _filters(request, w)
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
            "status_filters": STATUS_FILTERS,
            "purpose_labels": PURPOSE_LABELS,
            "total": sum(c.total for c in counts),
            "nav": "home",
        },
    )


# --- A request ----------------------------------------------------------------------------------------


def _request_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


async def request_page(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.session() as s:
        d = await dashboard.detail(s, request_id=_request_id(request), scope=w.scope)
        relayed = await relays.for_request(s, _request_id(request))  # after detail: its scope check comes first
    return await render(
        request,
        "request.html",
        {
            "d": d,
            "kind": dashboard.kind_of(d.req),
            "sensitive": d.req.category in dashboard.SENSITIVE,
            "action_labels": ACTION_LABELS,
            "actor_labels": ACTOR_LABELS,
            "purpose_labels": PURPOSE_LABELS,
            "delivery_status": DELIVERY_STATUS,
            "job_labels": JOB_LABELS,
            "relayed": relayed,
            "relay_labels": M.DASH_RELAY_SENDERS,
            "when": M.format_when(d.req.when_date, d.req.when_time, d.req.when_part),
            "nav": "home",
        },
    )


async def request_action(request: web.Request) -> web.Response:
    w = who(request)
    rid = _request_id(request)
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    here = f"{PREFIX}/requests/{rid}"
    try:
        text = await actions.act(
            services(request),
            request_id=rid,
            scope=w.scope,
            login=w.coordinator.login,
            action=request.match_info["action"],
            form=fields,
            now=now(request),
        )
    except actions.NotAFriend as e:
        return await flash_redirect(request, here, M.dash_not_a_friend(str(e)), error=True)
    except actions.Refused:
        return await flash_redirect(request, here, M.DASH_REFUSED, error=True)
    except InvalidInput:
        return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, here, text)


# --- People -------------------------------------------------------------------------------------------


async def people_page(request: web.Request) -> web.Response:
    w = who(request)
    district = request.query.get("district", "")
    if district and not w.may_see(district):
        raise NotFound(district)
    async with services(request).db.session() as s:
        residents, supporters = await dashboard.people_of(s, scope=w.scope, district=district or None)
        districts = await dashboard.districts(s, w.scope)
    everyone: list[Resident | Supporter] = [*residents, *supporters]
    return await render(
        request,
        "people.html",
        {
            "residents": residents,
            "supporters": supporters,
            "districts": districts,
            "district": district,
            "not_friends": [p for p in everyone if p.followed is not True and p.active],
            "names": {d.code: d.name for d in districts},
            "nav": "people",
        },
    )


def _kind_model(kind: str) -> type[Resident] | type[Supporter]:
    if kind == "resident":
        return Resident
    if kind == "supporter":
        return Supporter
    raise NotFound(kind)


async def person_page(request: web.Request) -> web.Response:
    w = who(request)
    model = _kind_model(request.match_info["kind"])
    async with services(request).db.session() as s:
        p: Resident | Supporter | None = await s.get(model, parse_id(request.match_info["id"]))
        if p is None or not w.may_see(p.district_code):
            raise NotFound("person")
        districts = await dashboard.districts(s, w.scope)
    return await render(
        request, "person.html", {"p": p, "kind": request.match_info["kind"], "districts": districts, "nav": "people"}
    )


async def person_add(request: web.Request) -> web.Response:
    w = who(request)
    form = await request.post()
    kind = _form_str(form, "kind")
    district = _form_str(form, "district")
    if not w.may_see(district):
        raise NotFound(district)
    t = now(request)
    try:
        async with services(request).db.session() as s:
            if kind == "supporter":
                await people.add_supporter(
                    s,
                    line_user_id=_form_str(form, "line_user_id"),
                    district_code=district,
                    name=_form_str(form, "name"),
                    now=t,
                )
            elif kind == "resident":
                await people.add_resident(
                    s,
                    line_user_id=_form_str(form, "line_user_id"),
                    district_code=district,
                    name=_form_str(form, "name"),
                    town=_form_str(form, "town") or None,
                    address=_form_str(form, "address") or None,
                    phone=_form_str(form, "phone") or None,
                    now=t,
                )
            else:
                raise NotFound(kind)
    except AlreadyExists:
        # The same words whether the ID is taken in this district or in another: a coordinator must not learn
        # from us who is registered elsewhere (and this district's own people are listed on the page anyway).
        return await flash_redirect(request, PREFIX + "/people", M.DASH_PERSON_ID_TAKEN, error=True)
    except (InvalidInput, DomainError) as e:
        if isinstance(e, NotFound):
            raise
        return await flash_redirect(request, PREFIX + "/people", M.dash_not_added(str(e)), error=True)
    return await flash_redirect(request, PREFIX + "/people", M.dash_added(_form_str(form, "name")))


async def person_update(request: web.Request) -> web.Response:
    w = who(request)
    kind = request.match_info["kind"]
    model = _kind_model(kind)
    pid = parse_id(request.match_info["id"])
    form = await request.post()
    op = _form_str(form, "op")
    here = f"{PREFIX}/people/{kind}/{pid}"
    svc = services(request)
    message = ""
    async with svc.db.session() as s:
        p: Resident | Supporter | None = await s.get(model, pid)
        if p is None or not w.may_see(p.district_code):
            raise NotFound("person")
        if op == "edit":
            district = _form_str(form, "district")
            if not w.may_see(district) or await s.get(District, district) is None:
                return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
            try:
                # The same checks as adding (length, control characters, what a phone number may hold).
                people.edit(
                    p,
                    district_code=district,
                    name=_form_str(form, "name"),
                    town=_form_str(form, "town"),
                    address=_form_str(form, "address"),
                    phone=_form_str(form, "phone"),
                )
            except InvalidInput:
                return await flash_redirect(request, here, M.DASH_PERSON_INVALID, error=True)
            message = M.DASH_SAVED
        elif op in ("deactivate", "activate"):
            p.active = op == "activate"
            p.deactivated_at = None if p.active else now(request)
            message = M.DASH_ACTIVATED if p.active else M.DASH_DEACTIVATED
        elif op == "erase":
            if _form_str(form, "confirm") != "yes":
                return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
            try:
                if isinstance(p, Resident):
                    await erasure.erase_resident(s, p, now=now(request))
                else:
                    await erasure.erase_supporter(s, p, now=now(request))
            except erasure.StillInUse:
                return await flash_redirect(request, here, M.DASH_PERSON_NOT_DELETED, error=True)
            message = M.DASH_PERSON_DELETED
        elif op == "verify":
            line_id = p.line_user_id
            message = ""
        else:
            raise NotFound(op)
        s.add(p)
    if op == "verify":
        # Ask LINE whether this person has added the bot (a profile answers only for friends).
        profile = await svc.gateway.profile(line_id)
        # Found: a friend. Not found: never added (stays 未追加) or, if we thought they were a friend, blocked.
        if profile is not None or p.followed is True:
            async with svc.db.session() as s:
                await people.set_followed(s, line_user_id=line_id, followed=profile is not None, now=now(request))
        message = M.dash_verified(profile.display_name) if profile is not None else M.DASH_NOT_VERIFIED
    return await flash_redirect(request, here, message)


# --- Figures ----------------------------------------------------------------------------------------


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


# --- Escalation settings -------------------------------------------------------------------------------

SETTING_LIMITS = {
    "remind_after_minutes": (5, 7 * 24 * 60),
    "alert_after_minutes": (5, 14 * 24 * 60),
    "claimed_stale_hours": (1, 60 * 24),
    "quiet_start_hour": (0, 23),
    "quiet_end_hour": (0, 23),
}


async def settings_page(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.session() as s:
        districts = await dashboard.districts(s, w.scope)
    return await render(request, "settings.html", {"districts": districts, "nav": "settings"})


async def settings_submit(request: web.Request) -> web.Response:
    w = who(request)
    code = request.match_info["code"]
    if not w.may_see(code):
        raise NotFound(code)
    form = await request.post()
    values: dict[str, int] = {}
    for name, (low, high) in SETTING_LIMITS.items():
        try:
            v = int(_form_str(form, name))
        except ValueError:
            return await flash_redirect(request, PREFIX + "/settings", M.DASH_NUMBER, error=True)
        if not low <= v <= high:
            return await flash_redirect(request, PREFIX + "/settings", M.dash_between(low, high), error=True)
        values[name] = v
    if values["alert_after_minutes"] <= values["remind_after_minutes"]:
        return await flash_redirect(
            request,
            PREFIX + "/settings",
            M.DASH_ALERT_AFTER_REMIND,
            error=True,
        )
    async with services(request).db.session() as s:
        d = await s.get(District, code)
        if d is None:
            raise NotFound(code)
        for k, v in values.items():
            setattr(d, k, v)
        s.add(d)
    return await flash_redirect(request, PREFIX + "/settings", M.dash_settings_saved(d.name))
