"""What a coordinator can do to a request or a person: each change is one transaction that records it
on the timeline (actor_kind "coordinator") and queues the LINE messages telling the people it concerns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot import escalation, ui
from bot import messages as M
from bot.context import Tx
from bot.flows import alerting
from bot.flows.resident import post_to_group, when_text
from bot.services import Services
from bot.store import coordinators, help_requests, people
from bot.store.dashboard import SENSITIVE, Scope, in_scope
from bot.store.errors import DomainError, InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import CANCELLED, CLAIMED, DONE, OPEN, HelpRequest, Resident, Supporter


class Refused(DomainError):
    """The action does not fit the request as it is now (someone else changed it meanwhile)."""


ACTIONS = ("assign", "release", "done", "cancel", "repost", "note")
MAX_NOTE = 2000


async def _transition(tx: Tx, req: HelpRequest, *, from_states: tuple[str, ...], values: dict[str, Any]) -> None:
    """Conditional on the state and version we showed the coordinator: two people acting at once, or a
    supporter pressing 完了 meanwhile, cannot both win."""
    result = await tx.session.exec(
        update(HelpRequest)
        .where(
            col(HelpRequest.id) == req.id,
            col(HelpRequest.status).in_(from_states),
            col(HelpRequest.version) == req.version,
        )
        .values(**values, version=req.version + 1)
    )
    if not result.rowcount:
        raise Refused("changed meanwhile")
    await tx.session.refresh(req)


class NotAFriend(Refused):
    """The supporter has not added the bot: LINE would refuse the details sent to them 1:1."""


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
    """Do `action` on the request; returns what to tell the coordinator. Raises NotFound outside the scope."""
    if action not in ACTIONS:
        raise NotFound(action)
    if action == "assign":
        await _check_friend(services, form, scope, now)
    async with services.db.session() as s:
        tx = Tx(session=s, now=now, services=services)
        req = await s.get(HelpRequest, request_id)
        if req is None or not in_scope(scope, req.district_code):
            raise NotFound(f"request {request_id}")
        assert req.id is not None
        if form.get("version") and form["version"] != str(req.version) and action != "note":
            raise Refused("stale page")
        resident = await s.get(Resident, req.resident_id)
        assert resident is not None
        before = await s.get(Supporter, req.supporter_id) if req.supporter_id else None

        def record(action: str, note: str | None = None) -> None:
            assert req is not None and req.id is not None
            help_requests.record(
                s, request_id=req.id, at=now, actor_kind="coordinator", actor_id=login, action=action, note=note
            )

        match action:
            case "note":
                note = form.get("note", "").strip()
                if not note:
                    raise InvalidInput("empty note")
                record(action="note", note=note[:MAX_NOTE])
                result = M.DASH_NOTE_SAVED
            case "assign":
                if req.category in SENSITIVE:
                    raise Refused("never to volunteers")
                sup = await s.get(Supporter, parse_id(form.get("supporter_id")))
                if sup is None or sup.district_code != req.district_code or not sup.active:
                    raise InvalidInput("supporter")
                if sup.followed is False:
                    raise Refused("supporter blocked the bot")
                await _transition(
                    tx,
                    req,
                    from_states=(OPEN, CLAIMED),
                    values={"status": CLAIMED, "supporter_id": sup.id, "claimed_at": now},
                )
                record(action="assigned", note=sup.name)
                details = M.supporter_details(
                    req.id, req.category, when_text(req), resident.name, resident.address, resident.phone, req.text
                )
                tx.push(
                    sup.line_user_id,
                    ui.text(M.supporter_assigned_by_coordinator(req.id)),
                    ui.supporter_details(details, req.id, services.secret),
                    purpose="details",
                    request_id=req.id,
                )
                if before is not None and before.id != sup.id:
                    tx.push(
                        before.line_user_id,
                        ui.text(M.supporter_unassigned(req.id)),
                        purpose="unassigned",
                        request_id=req.id,
                    )
                tx.push(
                    resident.line_user_id,
                    ui.text(M.supporter_coming(sup.name, req.category)),
                    purpose="coming",
                    request_id=req.id,
                )
                group = await people.district_group(s, req.district_code)
                if group is not None and before is None:
                    tx.push(group.group_id, ui.text(M.group_assigned(req.id)), purpose="assigned", request_id=req.id)
                await escalation.schedule_for_claim(tx, req)
                result = M.dash_assigned(sup.name)
            case "release":
                if req.status != CLAIMED:
                    raise Refused("not claimed")
                await _transition(
                    tx,
                    req,
                    from_states=(CLAIMED,),
                    values={"status": OPEN, "supporter_id": None, "claimed_at": None, "posted_at": now},
                )
                record(action="released", note=before.name if before else None)
                if before is not None:
                    tx.push(
                        before.line_user_id,
                        ui.text(M.supporter_released_by_coordinator(req.id)),
                        purpose="released",
                        request_id=req.id,
                    )
                tx.push(
                    resident.line_user_id, ui.text(M.REQUEST_REOPENED_RESIDENT), purpose="reopened", request_id=req.id
                )
                await post_to_group(tx, req, resident, tell_resident=False)
                result = M.DASH_RELEASED
            case "repost":
                if req.category in SENSITIVE:
                    raise Refused("never to volunteers")
                await _transition(tx, req, from_states=(OPEN,), values={"posted_at": now, "escalation_level": 0})
                record(action="reposted")
                await post_to_group(tx, req, resident, tell_resident=False)
                result = M.DASH_REPOSTED
            case "done" | "cancel":
                done = action == "done"
                await _transition(
                    tx,
                    req,
                    from_states=(OPEN, CLAIMED),
                    values={
                        "status": DONE if done else CANCELLED,
                        "closed_at": now,
                        **({"done_at": now} if done else {}),
                    },
                )
                sensitive = req.category in SENSITIVE
                record(("handled" if sensitive else "done") if done else "cancelled", form.get("note") or None)
                if not sensitive:
                    # An emergency or consultation was handled by phone or in person: no LINE message is due.
                    if before is not None:
                        tx.push(
                            before.line_user_id,
                            ui.text(M.supporter_closed_by_coordinator(req.id, done)),
                            purpose="closed",
                            request_id=req.id,
                        )
                    tx.push(
                        resident.line_user_id,
                        ui.text(
                            (M.request_done(before.name) if before else M.REQUEST_DONE_BY_COORDINATOR)
                            if done
                            else M.REQUEST_CANCELLED_BY_COORDINATOR
                        ),
                        purpose="done" if done else "cancelled",
                        request_id=req.id,
                    )
                    group = await people.district_group(s, req.district_code)
                    if group is not None:
                        tx.push(
                            group.group_id,
                            ui.text(M.group_done(req.id) if done else M.group_cancelled(req.id)),
                            purpose="done" if done else "cancelled",
                            request_id=req.id,
                        )
                result = (M.DASH_HANDLED if sensitive else M.DASH_DONE) if done else M.DASH_CANCELLED
        # Acting on the request answers its alerts: the repeats stop and the groups hear who took it.
        coordinator = await coordinators.by_login(s, login)
        if coordinator is not None and coordinator.id is not None:
            await alerting.acknowledge_for_request(
                tx, request_id=req.id, coordinator_id=coordinator.id, name=coordinator.name
            )
    services.wake_outbox()
    return result
