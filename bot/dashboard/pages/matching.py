"""Approval of newcomers, supporters' verification and what they can do: the forms on a person's page
(bot/dashboard/templates/person_matching.html) and the context those need."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import matching
from bot import messages as M
from bot.dashboard.pages.base import PREFIX, flash_redirect, now
from bot.dashboard.security import services, who
from bot.nlp.skills import SLOTS
from bot.nlp.types import HELP_LABELS
from bot.store import approval, help_requests, supporters
from bot.store.errors import InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import HelpRequest, Resident, Supporter


async def person_context(s: AsyncSession, p: Resident | Supporter) -> dict[str, Any]:
    """What person.html's approval / verification / skills parts show."""
    if isinstance(p, Resident):
        held: list[HelpRequest] = await help_requests.held_for(s, p.id) if p.id else []
        return {"held": held, "approval_labels": M.APPROVAL_LABELS}
    return {
        "help_kinds": [k for k in HELP_LABELS],
        "slots": [(x, M.slot_name(x)) for x in SLOTS],
        "district_towns": await supporters.district_towns(s, p.district_code),
    }


def reasons(x: matching.Suggestion) -> str:
    return M.match_reasons(x.kind, x.town, x.free, x.load)


async def suggestions(
    s: AsyncSession, req: HelpRequest, resident: Resident, candidates: list[Supporter], *, at: Any
) -> list[matching.Suggestion]:
    """The assign form's supporters, best-suited first."""
    return matching.rank(
        candidates,
        await supporters.loads(s, req.district_code),
        category=req.category,
        town=resident.town,
        slot=matching.wanted_slot(req, at),
    )


async def _person(s: AsyncSession, request: web.Request, model: type[Resident] | type[Supporter]) -> Any:
    p: Resident | Supporter | None = await s.get(model, parse_id(request.match_info["id"]))
    if p is None or not who(request).may_see(p.district_code):
        raise NotFound("person")  # another district's person answers like a missing one
    return p


def _by(request: web.Request) -> str:
    c = who(request).coordinator
    return f"{c.name}（{c.login}）"


async def decide(request: web.Request) -> web.Response:
    """承認する／見送る: the server then posts (or closes) the held requests and tells the resident."""
    form = await request.post()
    op = form.get("op")
    if op not in ("approve", "decline"):
        raise NotFound(str(op))
    svc = services(request)
    async with svc.db.session() as s:
        r: Resident = await _person(s, request, Resident)
        here = f"{PREFIX}/people/resident/{r.id}"
        try:
            await approval.decide(s, resident=r, approve=op == "approve", by=_by(request), now=now(request))
        except InvalidInput:
            return await flash_redirect(request, here, M.DASH_REFUSED, error=True)
        name = r.name
    svc.wake_scheduler()
    return await flash_redirect(request, here, M.dash_approved(name) if op == "approve" else M.dash_declined(name))


async def verify(request: web.Request) -> web.Response:
    form = await request.post()
    note = form.get("note", "")
    async with services(request).db.session() as s:
        x: Supporter = await _person(s, request, Supporter)
        here = f"{PREFIX}/people/supporter/{x.id}"
        try:
            await supporters.verify(
                s, supporter=x, by=_by(request), note=note if isinstance(note, str) else "", now=now(request)
            )
        except InvalidInput:
            return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, here, M.DASH_SUPPORTER_VERIFIED)


async def skills(request: web.Request) -> web.Response:
    form = await request.post()

    def many(name: str) -> list[str]:
        return [v for v in form.getall(name, []) if isinstance(v, str)]

    async with services(request).db.session() as s:
        x: Supporter = await _person(s, request, Supporter)
        here = f"{PREFIX}/people/supporter/{x.id}"
        try:
            await supporters.set_profile(s, supporter=x, kinds=many("kinds"), towns=many("towns"), free=many("free"))
        except InvalidInput:
            return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, here, M.DASH_SAVED)


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_post("/people/resident/{id:\\d+}/approval", decide)
    r.add_post("/people/supporter/{id:\\d+}/verification", verify)
    r.add_post("/people/supporter/{id:\\d+}/skills", skills)
