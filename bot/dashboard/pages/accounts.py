"""Coordinator accounts on the dashboard, for the city's coordinators only: add (a coordinator of some
districts, a city-wide one, or a 民生委員), deactivate, reset the password, change districts, revoke the
API token, and link residents to a 民生委員. The same store functions as `sasaeai coordinator ...`."""

from __future__ import annotations

from aiohttp import web
from sqlmodel import col, select

from bot import messages as M
from bot.dashboard.audit_trail import actor
from bot.dashboard.pages.base import PREFIX, flash_redirect, form_str, now, render
from bot.dashboard.security import services, who
from bot.passwords import PASSWORDS
from bot.store import audit, coordinators, dashboard
from bot.store.audit import Action
from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import ROLE_COORDINATOR, ROLE_MINSEI, Coordinator


def _city_only(request: web.Request) -> None:
    if not who(request).city_wide:
        raise NotFound("accounts")  # looks like any page one may not open


def _role(c: Coordinator) -> str:
    return "minsei" if c.role == ROLE_MINSEI else "city" if c.is_admin else "coordinator"


async def accounts_page(request: web.Request) -> web.Response:
    _city_only(request)
    async with services(request).db.read() as s:
        rows = (await s.exec(select(Coordinator).order_by(col(Coordinator.login)))).all()
        scopes = {c.id: await coordinators.districts_of(s, c) for c in rows}
        districts = await dashboard.districts(s, None)
    return await render(
        request,
        "accounts.html",
        {"rows": rows, "scopes": scopes, "districts": districts, "role": _role, "roles": M.DASH_ROLE_LABELS,
         "nav": "accounts"},
    )  # fmt: skip


async def account_add(request: web.Request) -> web.Response:
    _city_only(request)
    form = await request.post()
    role = form_str(form, "role")
    password = form_str(form, "password")
    here = f"{PREFIX}/accounts"
    if role not in M.DASH_ROLE_LABELS or len(password) < coordinators.MIN_PASSWORD_LENGTH:
        return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    hashed = await request.config_dict[PASSWORDS].hash(password)  # argon2 off the event loop
    t = now(request)
    try:
        async with services(request).db.session() as s:
            c = await coordinators.add(
                s,
                login=form_str(form, "login"),
                name=form_str(form, "name") or form_str(form, "login"),
                password=password,
                password_hash=hashed,
                districts=[d for d in form.getall("district", []) if isinstance(d, str)]
                if role == "coordinator"
                else [],
                is_admin=role == "city",
                role=ROLE_MINSEI if role == "minsei" else ROLE_COORDINATOR,
                now=t,
            )
            audit.record(s, actor(request), Action.ACCOUNT_ADD, now=t, kind="coordinator", record_id=c.login)
    except AlreadyExists:
        return await flash_redirect(request, here, M.DASH_ACCOUNT_TAKEN, error=True)
    except (InvalidInput, NotFound):
        return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, f"{PREFIX}/accounts/{c.id}", M.DASH_ACCOUNT_ADDED)


async def _account(request: web.Request) -> Coordinator:
    _city_only(request)
    async with services(request).db.read() as s:
        c = await s.get(Coordinator, parse_id(request.match_info["id"]))
    if c is None:
        raise NotFound("account")
    return c


async def account_page(request: web.Request) -> web.Response:
    c = await _account(request)
    assert c.id is not None
    async with services(request).db.read() as s:
        scope = await coordinators.districts_of(s, c)
        linked = await coordinators.linked_residents(s, c.id)
        districts = await dashboard.districts(s, None)
    return await render(
        request,
        "account.html",
        {"c": c, "scope": scope, "linked": linked, "districts": districts, "role": _role(c),
         "roles": M.DASH_ROLE_LABELS, "nav": "accounts"},
    )  # fmt: skip


async def account_action(request: web.Request) -> web.Response:
    c = await _account(request)
    form = await request.post()
    op = form_str(form, "op")
    here = f"{PREFIX}/accounts/{c.id}"
    me = who(request).coordinator
    if op == "deactivate" and c.id == me.id:
        return await flash_redirect(request, here, M.DASH_ACCOUNT_NOT_SELF, error=True)
    hashed = None
    if op == "password":
        password = form_str(form, "password")
        if len(password) < coordinators.MIN_PASSWORD_LENGTH:
            return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
        hashed = await request.config_dict[PASSWORDS].hash(password)
    t = now(request)
    detail: str | None = None
    try:
        async with services(request).db.session() as s:
            match op:
                case "deactivate" | "activate":
                    await coordinators.set_active(s, login=c.login, active=op == "activate")
                    action = Action.ACCOUNT_ACTIVATE if op == "activate" else Action.ACCOUNT_DEACTIVATE
                    message = M.DASH_ACCOUNT_ACTIVATED if op == "activate" else M.DASH_ACCOUNT_DEACTIVATED
                case "password":
                    await coordinators.set_password(s, login=c.login, password=password, password_hash=hashed)
                    action, message = Action.ACCOUNT_RESET, M.DASH_ACCOUNT_RESET
                case "districts":
                    codes = [d for d in form.getall("district", []) if isinstance(d, str)]
                    city = form_str(form, "city") == "yes"
                    await coordinators.set_districts(s, login=c.login, districts=codes, is_admin=city)
                    action, message = Action.ACCOUNT_DISTRICTS, M.DASH_ACCOUNT_DISTRICTS
                    detail = "all" if city else ",".join(codes)
                case "revoke":
                    had = await coordinators.revoke_token(s, login=c.login)
                    action = Action.API_KEY_REVOKE
                    message = M.DASH_ACCOUNT_KEY_REVOKED if had else M.DASH_ACCOUNT_NO_KEY
                case "link" | "unlink":
                    ref = form_str(form, "resident").strip()
                    ref = f"#{ref}" if ref.isdigit() else ref
                    if op == "link":
                        r = await coordinators.link_resident(s, login=c.login, resident=ref, now=t)
                    else:
                        r = await coordinators.unlink_resident(s, login=c.login, resident=ref)
                    action = Action.MINSEI_LINK if op == "link" else Action.MINSEI_UNLINK
                    message = M.DASH_ACCOUNT_LINKED if op == "link" else M.DASH_ACCOUNT_UNLINKED
                    detail = f"resident #{r.id}"
                case _:
                    raise NotFound(op)
            audit.record(s, actor(request), action, now=t, kind="coordinator", record_id=c.login, detail=detail)
    except (InvalidInput, NotFound) as e:
        if str(e) == op:
            raise
        return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, here, message)
