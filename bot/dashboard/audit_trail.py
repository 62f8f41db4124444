"""The audit trail at the web edge: one middleware records every sign-in (and failed one), every view of a
person's or a request's details, every CSV export and API read, and the existing pages' changes, from one
table of routes, so a page added later is recorded by adding a line here rather than remembering a call.

Pages that change something themselves (accounts, proxies, standing arrangements) record in their own
transaction with `actor(request)` instead, so an action and its audit line commit together."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aiohttp import web

from bot.dashboard.security import WHO, Handler, client_ip, services
from bot.dashboard.websession import web_session
from bot.store import audit, coordinators
from bot.store.audit import Action
from bot.store.models import Coordinator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    method: str
    pattern: re.Pattern[str]
    action: Action
    kind: str | None = None  # a fixed record kind, else the route's {kind}


def _r(method: str, path: str, action: Action, kind: str | None = None) -> Rule:
    return Rule(method, re.compile(path), action, kind)


_ID = r"(?P<id>\d+)"
RULES = (
    _r("GET", rf"^/dashboard/people/(?P<kind>resident|supporter)/{_ID}$", Action.VIEW_PERSON),
    _r("GET", rf"^/dashboard/people/resident/{_ID}/proxies$", Action.VIEW_PERSON, "resident"),
    _r("GET", rf"^/dashboard/requests/{_ID}$", Action.VIEW_REQUEST, "request"),
    _r("GET", rf"^/dashboard/recurring/{_ID}$", Action.VIEW_REQUEST, "recurring"),
    _r("GET", r"^/dashboard/figures\.csv$", Action.EXPORT_CSV),
    _r("GET", rf"^/api/requests/{_ID}$", Action.API_READ, "request"),
    _r("GET", r"^/api/", Action.API_READ),
    _r("POST", rf"^/dashboard/requests/{_ID}/(?P<detail>[a-z_]+)$", Action.REQUEST_ACTION, "request"),
    _r("POST", r"^/dashboard/people$", Action.PERSON_ADD),
    _r("POST", rf"^/dashboard/people/(?P<kind>resident|supporter)/{_ID}$", Action.PERSON_EDIT),
    _r("POST", r"^/dashboard/settings/(?P<id>[^/]+)$", Action.SETTINGS, "district"),
)
# A change that failed says so on the page (an error flash): the audit line says it was refused.
_REFUSED = "refused"


def actor(request: web.Request) -> audit.Actor:
    w = request.get(WHO)
    via = "api" if request.path.startswith("/api/") else "dashboard"
    if w is None:
        return audit.Actor(actor="?", via=via, ip=client_ip(request))
    return audit.Actor(actor=w.coordinator.login, via=via, coordinator_id=w.coordinator.id, ip=client_ip(request))


def _match(request: web.Request) -> tuple[Rule, re.Match[str]] | None:
    for rule in RULES:
        if rule.method == request.method and (m := rule.pattern.match(request.path)):
            return rule, m
    return None


@web.middleware
async def trail(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "POST" and request.path in ("/dashboard/login", "/dashboard/logout"):
        return await _sign_in_out(request, handler)
    found = _match(request)
    if found is None:
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if isinstance(e, web.HTTPRedirection) and request.method == "POST":
            await _record(request, found, refused=_flash_error(request))
        raise
    if response.status < 300:
        await _record(request, found, refused=False)
    return response


def _flash_error(request: web.Request) -> bool:
    flash = web_session(request).flash
    return bool(flash and flash.get("error"))


async def _record(request: web.Request, found: tuple[Rule, re.Match[str]], *, refused: bool) -> None:
    rule, m = found
    groups = m.groupdict()
    detail = groups.get("detail")
    if request.method == "POST" and rule.action is Action.PERSON_EDIT:
        op = (await request.post()).get("op")
        detail = op if isinstance(op, str) else None
    action = Action.PERSON_DELETE if detail == "erase" else rule.action
    if rule.action is Action.EXPORT_CSV or (rule.action is Action.API_READ and "id" not in groups):
        detail = request.path_qs[:300]
    if refused:
        detail = f"{detail or ''} {_REFUSED}".strip()
    svc = services(request)
    async with svc.db.session() as s:
        audit.record(
            s,
            actor(request),
            action,
            now=svc.clock.now(),
            kind=rule.kind or groups.get("kind"),
            record_id=groups.get("id"),
            detail=detail,
        )


async def _sign_in_out(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who signed in, or failed to. A failed sign-in names the account only when the typed login is one:
    anything else typed there may be a password in the wrong field, and is not kept."""
    ws = web_session(request)
    before = ws.coordinator_id
    try:
        response = await handler(request)
    except web.HTTPException as e:
        await _signed(request, before, e.status)
        raise
    await _signed(request, before, response.status)
    return response


async def _signed(request: web.Request, before: int | None, status: int) -> None:
    svc = services(request)
    ws = web_session(request)
    async with svc.db.session() as s:
        ip = client_ip(request)
        if request.path.endswith("/logout"):
            c = await s.get(Coordinator, before) if isinstance(before, int) else None
            if c is not None:
                who = audit.Actor(actor=c.login, via="dashboard", coordinator_id=c.id, ip=ip)
                audit.record(s, who, Action.LOGOUT, now=svc.clock.now())
        elif status == web.HTTPSeeOther.status_code and isinstance(ws.coordinator_id, int):
            c = await s.get(Coordinator, ws.coordinator_id)
            login = c.login if c is not None else "?"
            who = audit.Actor(actor=login, via="dashboard", coordinator_id=ws.coordinator_id, ip=ip)
            audit.record(s, who, Action.LOGIN, now=svc.clock.now())
        elif status >= 400:
            typed = (await request.post()).get("login")
            c = await coordinators.by_login(s, typed.strip()) if isinstance(typed, str) and typed.strip() else None
            who = audit.Actor(actor=c.login if c else "?", via="dashboard", coordinator_id=c.id if c else None, ip=ip)
            audit.record(s, who, Action.LOGIN_FAILED, now=svc.clock.now(), detail=str(status))
