"""Proxies (代理) on the dashboard: who speaks for a resident on LINE (family or 民生委員), and residents with
no LINE account of their own, whom only a proxy can speak for. The same store functions as the CLI."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard.audit_trail import actor
from bot.dashboard.pages.base import PREFIX, flash_redirect, form_str, now, render
from bot.dashboard.security import services, who
from bot.store import audit, dashboard, people, proxies
from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import Resident


async def _resident(request: web.Request) -> Resident:
    w = who(request)
    async with services(request).db.read() as s:
        r = await s.get(Resident, parse_id(request.match_info["id"]))
    if r is None or not w.may_see_resident(r.id, r.district_code):
        raise NotFound("resident")
    return r


async def proxies_page(request: web.Request) -> web.Response:
    r = await _resident(request)
    assert r.id is not None
    async with services(request).db.read() as s:
        rows = await proxies.of_resident(s, r.id)
    return await render(
        request,
        "proxies.html",
        {"r": r, "rows": rows, "relations": proxies.RELATIONS, "has_line": people.has_line(r), "nav": "people"},
    )


async def proxy_add(request: web.Request) -> web.Response:
    r = await _resident(request)
    form = await request.post()
    here = f"{PREFIX}/people/resident/{r.id}/proxies"
    t = now(request)
    try:
        async with services(request).db.session() as s:
            p = await proxies.add(
                s,
                line_user_id=form_str(form, "line_user_id"),
                resident_line_id=f"#{r.id}",
                relation=form_str(form, "relation"),
                name=form_str(form, "name"),
                phone=form_str(form, "phone") or None,
                now=t,
            )
            audit.record(s, actor(request), audit.Action.PROXY_ADD, now=t, kind="resident", record_id=r.id,
                         detail=f"proxy #{p.id}")  # fmt: skip
    except AlreadyExists:
        return await flash_redirect(request, here, M.DASH_PROXY_TAKEN, error=True)
    except InvalidInput:
        return await flash_redirect(request, here, M.DASH_PERSON_INVALID, error=True)
    return await flash_redirect(request, here, M.DASH_PROXY_ADDED)


async def proxy_remove(request: web.Request) -> web.Response:
    r = await _resident(request)
    pid = parse_id(request.match_info["pid"])
    t = now(request)
    async with services(request).db.session() as s:
        p = next((x for x in await proxies.of_resident(s, r.id or 0) if x.id == pid), None)
        if p is None:
            raise NotFound("proxy")
        await proxies.remove(s, line_user_id=p.line_user_id, resident_line_id=f"#{r.id}")
        audit.record(s, actor(request), audit.Action.PROXY_REMOVE, now=t, kind="resident", record_id=r.id,
                     detail=f"proxy #{pid}")  # fmt: skip
    return await flash_redirect(request, f"{PREFIX}/people/resident/{r.id}/proxies", M.DASH_PROXY_REMOVED)


async def no_line_page(request: web.Request) -> web.Response:
    async with services(request).db.read() as s:
        districts = await dashboard.districts(s, who(request).scope)
    return await render(request, "no_line.html", {"districts": districts, "nav": "people"})


async def no_line_add(request: web.Request) -> web.Response:
    w = who(request)
    form = await request.post()
    district = form_str(form, "district")
    if not w.may_see(district):
        raise NotFound(district)
    t = now(request)
    try:
        async with services(request).db.session() as s:
            r = await people.add_resident_without_line(
                s,
                district_code=district,
                name=form_str(form, "name"),
                town=form_str(form, "town") or None,
                address=form_str(form, "address") or None,
                phone=form_str(form, "phone") or None,
                now=t,
            )
            audit.record(s, actor(request), audit.Action.PERSON_ADD, now=t, kind="resident", record_id=r.id,
                         detail="no LINE")  # fmt: skip
    except InvalidInput:
        return await flash_redirect(request, f"{PREFIX}/people/noline", M.DASH_PERSON_INVALID, error=True)
    return await flash_redirect(request, f"{PREFIX}/people/resident/{r.id}/proxies", M.DASH_NO_LINE_ADDED)
