"""The coordinators' dashboard (server-rendered pages under /dashboard/) and the JSON API under /api/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import messages as M
from bot.clientaddr import parse_networks
from bot.config import Settings
from bot.dashboard import api, websession
from bot.dashboard.pages import figures, home, login, people
from bot.dashboard.pages import request as request_pages
from bot.dashboard.pages import settings as settings_pages
from bot.dashboard.pages.base import PREFIX, render
from bot.dashboard.security import CSRF_FIELD, CSRF_HEADER, WHO, Handler, client_ip, csrf_ok, load_who, services
from bot.httpsec import page_headers
from bot.passwords import PASSWORDS, Passwords
from bot.store import coordinators
from bot.store.errors import NotFound

HERE = Path(__file__).parent


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        page_headers(e)
        raise
    page_headers(response)
    return response


@web.middleware
async def page_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except NotFound:
        # Another district's request and a missing one look the same.
        return await render(request, "error.html", {"status": 404, "message": M.DASH_NOT_FOUND}, status=404)
    except web.HTTPNotFound:
        return await render(request, "error.html", {"status": 404, "message": M.DASH_NOT_FOUND}, status=404)


def _public(request: web.Request) -> bool:
    return request.path == f"{PREFIX}/login" or request.path.startswith(f"{PREFIX}/static/")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every form carries the session's CSRF token; every page but sign-in needs a signed-in coordinator."""
    session = websession.web_session(request)
    if request.method not in ("GET", "HEAD"):
        form = await request.post()
        sent = form.get(CSRF_FIELD)
        if not csrf_ok(session.csrf, sent if isinstance(sent, str) else request.headers.get(CSRF_HEADER)):
            return await render(
                request,
                "error.html",
                {
                    "status": 403,
                    "message": M.DASH_EXPIRED,
                },
                status=403,
            )
    if not _public(request):
        w = await load_who(request, session.coordinator_id)
        if w is None:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPFound(f"{PREFIX}/login?next={request.rel_url.path_qs}")
            raise web.HTTPSeeOther(f"{PREFIX}/login")
        request[WHO] = w
    return await handler(request)


@web.middleware
async def api_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    auth = request.headers.get("Authorization", "")
    w = None
    if auth.startswith("Bearer "):
        async with services(request).db.session() as s:
            c = await coordinators.by_token(s, auth[7:].strip())
        w = await load_who(request, c.id) if c is not None else None
    elif not auth:
        w = await load_who(request, websession.web_session(request).coordinator_id)
    if w is None:
        return web.json_response(
            {"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": 'Bearer realm="sasaeai"'}
        )
    request[WHO] = w
    try:
        return await handler(request)
    except NotFound:
        return web.json_response({"error": "not found"}, status=404)


async def _to_dashboard(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def setup(app: web.Application, settings: Settings) -> None:
    parse_networks(settings.trusted_proxies)  # a typo in TRUSTED_PROXIES stops the start, not each sign-in
    sessions = websession.middleware(secure=settings.https)
    dash = web.Application(middlewares=[security_headers, sessions, page_errors, guard])
    aiohttp_jinja2.setup(
        dash,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every page, every value: residents' words are shown as text, never as markup
        undefined=jinja2.StrictUndefined,
    )
    r = dash.router
    r.add_get("/login", login.login_page)
    r.add_post("/login", login.login_submit)
    r.add_post("/logout", login.logout)
    r.add_post("/sessions/end", login.end_all_sessions)
    r.add_get("/", home.home)
    r.add_get("/requests/{id}", request_pages.request_page)
    r.add_post("/requests/{id}/{action}", request_pages.request_action)
    r.add_get("/people", people.people_page)
    r.add_post("/people", people.person_add)
    r.add_get("/people/{kind}/{id:\\d+}", people.person_page)
    r.add_post("/people/{kind}/{id:\\d+}", people.person_update)
    r.add_get("/figures", figures.figures_page)
    r.add_get("/figures.csv", figures.figures_csv)
    r.add_get("/settings", settings_pages.settings_page)
    r.add_post("/settings/{code}", settings_pages.settings_submit)
    r.add_static("/static", HERE / "static")
    app.add_subapp(PREFIX, dash)

    api_app = web.Application(middlewares=[security_headers, sessions, api_guard])
    api_app.router.add_get("/requests", api.requests_list)
    api_app.router.add_get("/requests/{id}", api.request_one)
    api_app.router.add_get("/figures", api.figures)
    app.add_subapp("/api", api_app)

    app.router.add_get("/", _to_dashboard)
    app.router.add_get(PREFIX, _to_dashboard)

    async def passwords(app: web.Application) -> AsyncIterator[None]:
        pw = Passwords(concurrency=settings.password_check_concurrency)
        app[PASSWORDS] = pw
        yield
        pw.close()

    app.cleanup_ctx.append(passwords)


__all__ = ["client_ip", "setup"]
