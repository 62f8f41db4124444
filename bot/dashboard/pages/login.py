"""Sign-in and sign-out pages."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard import signin
from bot.dashboard.pages.base import PREFIX, form_str, now, render
from bot.dashboard.security import client_ip, load_who, services, who
from bot.dashboard.websession import web_session
from bot.passwords import PASSWORDS, Busy
from bot.store import sessions, throttle


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
    login, password = form_str(form, "login"), form_str(form, "password")
    nxt = _safe_next(form_str(form, "next"))
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
