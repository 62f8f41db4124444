"""What a coordinator can do to a request: each action is one transaction through the same flow a supporter's
or resident's button uses (bot.flows.request_actions), recorded on the timeline as the coordinator's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot import messages as M
from bot.context import Tx
from bot.flows import request_actions
from bot.services import Services
from bot.store import help_requests, people
from bot.store.dashboard import SENSITIVE, Scope, in_scope
from bot.store.errors import AlreadyTaken, DomainError, InvalidInput, NotFound, NotYours, RequestClosed
from bot.store.help_requests import Actor
from bot.store.ids import parse_id
from bot.store.models import HelpRequest, Supporter


class Refused(DomainError):
    """The action does not fit the request as it is now (someone else changed it meanwhile)."""


class NotAFriend(Refused):
    """The supporter has not added the bot: LINE would refuse the details sent to them 1:1."""


MAX_NOTE = 2000


@dataclass(frozen=True)
class Act:
    """One action as the dashboard's form asks for it: the request as read, who acts, and the form."""

    tx: Tx
    req: HelpRequest
    by: Actor
    version: int
    form: dict[str, str]

    @property
    def id(self) -> int:
        assert self.req.id is not None
        return self.req.id

    def note(self) -> str | None:
        return self.form.get("note") or None


async def _note(a: Act) -> str:
    note = a.form.get("note", "").strip()
    if not note:
        raise InvalidInput("empty note")
    help_requests.record(
        a.tx.session,
        request_id=a.id,
        at=a.tx.now,
        actor_kind=a.by.kind,
        actor_id=a.by.id,
        action="note",
        note=note[:MAX_NOTE],
    )
    return M.DASH_NOTE_SAVED


async def _assign(a: Act) -> str:
    if a.req.category in SENSITIVE:
        raise Refused("never to volunteers")
    sup = await a.tx.session.get(Supporter, parse_id(a.form.get("supporter_id")))
    if sup is None or sup.district_code != a.req.district_code or not sup.active:
        raise InvalidInput("supporter")
    if sup.followed is False:
        raise Refused("supporter blocked the bot")
    await request_actions.claim(a.tx, request_id=a.id, supporter=sup, by=a.by, version=a.version)
    return M.dash_assigned(sup.name)


async def _release(a: Act) -> str:
    await request_actions.release(a.tx, request_id=a.id, by=a.by, version=a.version)
    return M.DASH_RELEASED


async def _repost(a: Act) -> str:
    if a.req.category in SENSITIVE:
        raise Refused("never to volunteers")
    await request_actions.repost(a.tx, request_id=a.id, by=a.by, version=a.version)
    return M.DASH_REPOSTED


async def _done(a: Act) -> str:
    await request_actions.complete(a.tx, request_id=a.id, by=a.by, version=a.version, note=a.note())
    return M.DASH_HANDLED if a.req.category in SENSITIVE else M.DASH_DONE


async def _cancel(a: Act) -> str:
    await request_actions.cancel(a.tx, request_id=a.id, by=a.by, version=a.version, note=a.note())
    return M.DASH_CANCELLED


# The request page's forms post to /requests/{id}/{action}; each returns what to tell the coordinator.
ACTIONS: dict[str, Callable[[Act], Awaitable[str]]] = {
    "assign": _assign,
    "release": _release,
    "done": _done,
    "cancel": _cancel,
    "repost": _repost,
    "note": _note,
}
# A note changes nothing about the request: a page read before someone else acted may still add one.
VERSIONLESS = frozenset({"note"})


async def _check_friend(services: Services, form: dict[str, str], scope: Scope, now: datetime) -> None:
    """Ask LINE, outside the transaction, whether the supporter can receive the details (as a claim does)."""
    supporter_id = parse_id(form.get("supporter_id"))
    async with services.db.session() as s:
        sup = await s.get(Supporter, supporter_id)
    if sup is None or sup.followed is True or not in_scope(scope, sup.district_code):
        return  # unknown or another district's: refused inside the transaction, naming no one
    profile = await services.gateway.profile(sup.line_user_id)
    if profile is None:
        raise NotAFriend(sup.name)
    async with services.db.session() as s:
        await people.set_followed(s, line_user_id=sup.line_user_id, followed=True, now=now)


async def act(
    services: Services,
    *,
    request_id: int,
    scope: Scope,
    login: str,
    action: str,
    form: dict[str, str],
    now: datetime,
) -> str:
    """Do `action` on the request; returns what to tell the coordinator. Raises NotFound outside the scope,
    Refused when the request changed since the page showed it (or the action does not fit it)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound(action)
    if action == "assign":
        await _check_friend(services, form, scope, now)
    async with services.db.session() as s:
        tx = Tx(session=s, now=now, services=services)
        req = await s.get(HelpRequest, request_id)
        if req is None or not in_scope(scope, req.district_code):
            raise NotFound(f"request {request_id}")
        if form.get("version") and form["version"] != str(req.version) and action not in VERSIONLESS:
            raise Refused("stale page")
        try:
            # Conditional on the version we read: two people acting at once, or a supporter pressing 完了
            # meanwhile, cannot both win.
            result = await handler(Act(tx=tx, req=req, by=Actor.coordinator(login), version=req.version, form=form))
        except (AlreadyTaken, NotYours, RequestClosed) as e:
            raise Refused("changed meanwhile") from e
    services.wake_outbox()
    return result
