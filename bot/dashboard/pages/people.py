"""People: the residents and supporters of the coordinator's districts; add, edit, (de)activate, erase, verify."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import messages as M
from bot.dashboard.pages import matching
from bot.dashboard.pages.base import PREFIX, flash_redirect, form_str, now, render
from bot.dashboard.security import services, who
from bot.store import dashboard, erasure, people, stuck
from bot.store.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import District, Resident, Supporter


async def people_page(request: web.Request) -> web.Response:
    w = who(request)
    district = request.query.get("district", "")
    if district and not w.may_see(district):
        raise NotFound(district)
    async with services(request).db.session() as s:
        residents, supporters = await dashboard.people_of(s, scope=w.scope, district=district or None)
        districts = await dashboard.districts(s, w.scope)
    if w.residents is not None:  # a 民生委員: the residents linked to them, no supporters
        residents, supporters = [r for r in residents if r.id in w.residents], []
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
        extra = await matching.person_context(s, p)  # approval, verification, what they can do
    return await render(
        request,
        "person.html",
        {"p": p, "kind": request.match_info["kind"], "districts": districts, "nav": "people", **extra},
    )


async def person_add(request: web.Request) -> web.Response:
    w = who(request)
    form = await request.post()
    kind = form_str(form, "kind")
    district = form_str(form, "district")
    if not w.may_see(district):
        raise NotFound(district)
    t = now(request)
    try:
        async with services(request).db.session() as s:
            if kind == "supporter":
                await people.add_supporter(
                    s,
                    line_user_id=form_str(form, "line_user_id"),
                    district_code=district,
                    name=form_str(form, "name"),
                    now=t,
                )
            elif kind == "resident":
                await people.add_resident(
                    s,
                    line_user_id=form_str(form, "line_user_id"),
                    district_code=district,
                    name=form_str(form, "name"),
                    town=form_str(form, "town") or None,
                    address=form_str(form, "address") or None,
                    phone=form_str(form, "phone") or None,
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
    return await flash_redirect(request, PREFIX + "/people", M.dash_added(form_str(form, "name")))


async def _set_active(s: AsyncSession, p: Resident | Supporter, active: bool, at: datetime) -> str:
    p.active = active
    p.deactivated_at = None if active else at
    if isinstance(p, Supporter) and not active:
        await stuck.release_later(s, supporter=p, reason="removed", now=at)  # as `sasaeai supporter remove`
    return M.DASH_ACTIVATED if active else M.DASH_DEACTIVATED


async def _suspend(s: AsyncSession, p: Supporter, suspended: bool, at: datetime) -> str:
    """The same as `sasaeai supporter suspend`: no new claims; what they hold goes back to the group."""
    await people.set_suspended(s, line_user_id=p.line_user_id, suspended=suspended, now=at)
    if not suspended:
        return M.DASH_UNSUSPENDED
    await stuck.release_later(s, supporter=p, reason="suspended", now=at)
    return M.DASH_SUSPENDED


async def person_update(request: web.Request) -> web.Response:
    w = who(request)
    kind = request.match_info["kind"]
    model = _kind_model(kind)
    pid = parse_id(request.match_info["id"])
    form = await request.post()
    op = form_str(form, "op")
    here = f"{PREFIX}/people/{kind}/{pid}"
    svc = services(request)
    message = ""
    async with svc.db.session() as s:
        p: Resident | Supporter | None = await s.get(model, pid)
        if p is None or not w.may_see(p.district_code):
            raise NotFound("person")
        if op == "edit":
            district = form_str(form, "district")
            if not w.may_see(district) or await s.get(District, district) is None:
                return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
            try:
                # The same checks as adding (length, control characters, what a phone number may hold).
                people.edit(
                    p,
                    district_code=district,
                    name=form_str(form, "name"),
                    town=form_str(form, "town"),
                    address=form_str(form, "address"),
                    phone=form_str(form, "phone"),
                )
            except InvalidInput:
                return await flash_redirect(request, here, M.DASH_PERSON_INVALID, error=True)
            message = M.DASH_SAVED
        elif op in ("deactivate", "activate"):
            message = await _set_active(s, p, op == "activate", now(request))
        elif op in ("suspend", "unsuspend") and isinstance(p, Supporter):
            message = await _suspend(s, p, op == "suspend", now(request))
        elif op == "erase":
            if form_str(form, "confirm") != "yes":
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
    if op in ("suspend", "deactivate"):
        svc.wake_scheduler()  # claims they held go back to the group now, not at the next poll
    if op == "verify":
        # Ask LINE whether this person has added the bot (a profile answers only for friends).
        profile = await svc.gateway.profile(line_id)
        # Found: a friend. Not found: never added (stays 未追加) or, if we thought they were a friend, blocked.
        if profile is not None or p.followed is True:
            async with svc.db.session() as s:
                await people.set_followed(s, line_user_id=line_id, followed=profile is not None, now=now(request))
        message = M.dash_verified(profile.display_name) if profile is not None else M.DASH_NOT_VERIFIED
    return await flash_redirect(request, here, message)
