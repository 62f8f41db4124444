"""One flow per action on a posted request (post, claim/assign, release, complete, cancel, re-post): the store
transition and the LINE messages it decides, called alike from LINE, the dashboard and escalation, so whoever
acts, the same people hear the same words."""

from __future__ import annotations

from bot import escalation, matching, ui
from bot import messages as M
from bot.context import Tx
from bot.flows import attach
from bot.flows.when import when_text
from bot.nlp.types import SAFETY_LABELS
from bot.store import help_requests, people, supporters
from bot.store.help_requests import Actor
from bot.store.models import CLAIMED, OPEN, HelpRequest, Resident, Supporter


async def _resident(tx: Tx, req: HelpRequest) -> Resident:
    resident = await tx.session.get(Resident, req.resident_id)
    assert resident is not None
    return resident


async def _supporter(tx: Tx, supporter_id: int | None) -> Supporter | None:
    return await tx.session.get(Supporter, supporter_id) if supporter_id is not None else None


async def post_to_group(tx: Tx, req: HelpRequest, resident: Resident, *, tell_resident: bool = True) -> None:
    """The group sees the category, the town, the time and the masked words — never who or where exactly."""
    assert req.id is not None
    group = await people.district_group(tx.session, req.district_code)
    district = await people.get_district(tx.session, req.district_code)
    if group is None:
        await tx.tell_coordinators(
            req.district_code,
            ui.text(M.coordinator_no_group(district.name, req.id)),
            purpose="no_group",
            request_id=req.id,
        )
        if tell_resident:
            # Only promise a call when there is a number to call.
            tx.reply(ui.text(M.REQUEST_NO_GROUP if resident.phone else M.REQUEST_NO_GROUP_NO_PHONE))
        return
    post = ui.request_post(
        req, when=when_text(req), town=resident.town, district_name=district.name, secret=tx.services.secret
    )
    # The best-suited (they said they can do this kind of help) are named, so LINE tells them by name.
    suited = matching.suited(await supporters.suggestions(tx.session, req, now=tx.now))
    if suited:
        names = M.group_suited([f"{{s{i}}}" for i in range(len(suited))], req.id, req.category)
        tx.push(
            group.group_id,
            ui.mentions(names, [x.supporter.line_user_id for x in suited]),
            post,  # last: the card with the button is what the group sees at the bottom of the chat
            purpose="group_post",
            request_id=req.id,
        )
    else:
        tx.push(group.group_id, post, purpose="group_post", request_id=req.id)
    # Reminders, then an alert to coordinators, if nobody takes it (restarted by each re-post).
    await escalation.schedule_for_post(tx, req)
    if tell_resident:
        tx.reply(ui.text(M.REQUEST_POSTED))


async def claim(tx: Tx, *, request_id: int, supporter: Supporter, by: Actor, version: int | None = None) -> HelpRequest:
    """A supporter takes the request in the group, or a coordinator assigns it: the supporter gets the details
    1:1 (contact, proxy, map link), the resident and their proxy hear who is coming, a stale claim is watched."""
    # Kept in a name: the session's identity map holds rows weakly, and help_requests.claim gets the same row
    # again (read anew when this copy was already collected).
    current = await help_requests.get(tx.session, request_id)
    before = await _supporter(tx, current.supporter_id)
    req = await help_requests.claim(
        tx.session, request_id=request_id, supporter=supporter, now=tx.now, by=by, version=version
    )
    assert req.id is not None
    resident = await _resident(tx, req)
    details = ui.supporter_details(
        await attach.details_for_supporter(tx.session, req, resident), req.id, tx.services.secret
    )
    if by.is_coordinator:
        intro = ui.text(M.supporter_assigned_by_coordinator(req.id))
        tx.push(supporter.line_user_id, intro, details, purpose="details", request_id=req.id)
        if before is not None and before.id != supporter.id:
            tx.push(
                before.line_user_id, ui.text(M.supporter_unassigned(req.id)), purpose="unassigned", request_id=req.id
            )
    else:
        tx.reply(ui.text(M.group_claimed(supporter.name, req.id)))
        tx.push(supporter.line_user_id, details, purpose="details", request_id=req.id)
    tx.push(
        resident.line_user_id,
        ui.text(M.supporter_coming(supporter.name, req.category)),
        purpose="coming",
        request_id=req.id,
    )
    if (proxy := await attach.proxy_of(tx.session, req)) is not None:
        tx.push(
            proxy.line_user_id,
            ui.text(M.proxy_supporter_coming(supporter.name, resident.name, req.category)),
            purpose="coming",
            request_id=req.id,
        )
    if by.is_coordinator and before is None:
        # A claim in the group announces itself (the reply above); an assignment is news to the group.
        group = await people.district_group(tx.session, req.district_code)
        if group is not None:
            tx.push(group.group_id, ui.text(M.group_assigned(req.id)), purpose="assigned", request_id=req.id)
    await escalation.schedule_for_claim(tx, req)  # ask the supporter if it is not done in time
    return req


async def release(
    tx: Tx, *, request_id: int, by: Actor, supporter: Supporter | None = None, version: int | None = None
) -> HelpRequest:
    """The supporter gives the request back (or a coordinator takes it off them): it goes to the group again."""
    req, had = await help_requests.release(
        tx.session, request_id=request_id, now=tx.now, by=by, supporter=supporter, version=version
    )
    resident = await _resident(tx, req)
    if by.is_coordinator:
        if (before := await _supporter(tx, had)) is not None:
            tx.push(
                before.line_user_id,
                ui.text(M.supporter_released_by_coordinator(request_id)),
                purpose="released",
                request_id=request_id,
            )
    else:
        tx.reply(ui.text(M.SUPPORTER_RELEASED))
    await post_to_group(tx, req, resident, tell_resident=False)
    tx.push(resident.line_user_id, ui.text(M.REQUEST_REOPENED_RESIDENT), purpose="reopened", request_id=request_id)
    return req


async def complete(
    tx: Tx,
    *,
    request_id: int,
    by: Actor,
    supporter: Supporter | None = None,
    version: int | None = None,
    note: str | None = None,
) -> HelpRequest:
    """Done: the resident (and their proxy) is thanked by the supporter's name, the group hears it is done.
    An emergency or consultation closed by a coordinator was handled by phone or in person: no LINE message."""
    req = await help_requests.complete(
        tx.session, request_id=request_id, now=tx.now, by=by, supporter=supporter, version=version, note=note
    )
    if req.category in SAFETY_LABELS:
        return req
    resident = await _resident(tx, req)
    sup = await _supporter(tx, req.supporter_id)
    if by.is_coordinator:
        if sup is not None:
            tx.push(
                sup.line_user_id,
                ui.text(M.supporter_closed_by_coordinator(request_id, True)),
                purpose="closed",
                request_id=request_id,
            )
    else:
        tx.reply(ui.text(M.SUPPORTER_THANKS_DONE))
    done_text = M.request_done(sup.name) if sup is not None else M.REQUEST_DONE_BY_COORDINATOR
    tx.push(resident.line_user_id, ui.text(done_text), purpose="done", request_id=request_id)
    if sup is not None and (proxy := await attach.proxy_of(tx.session, req)) is not None:
        tx.push(
            proxy.line_user_id,
            ui.text(M.proxy_request_done(sup.name, resident.name)),
            purpose="done",
            request_id=request_id,
        )
    group = await people.district_group(tx.session, req.district_code)
    if group is not None:
        tx.push(group.group_id, ui.text(M.group_done(request_id)), purpose="done", request_id=request_id)
    return req


async def cancel(
    tx: Tx,
    *,
    request_id: int,
    by: Actor,
    resident: Resident | None = None,
    version: int | None = None,
    note: str | None = None,
) -> HelpRequest:
    """Called off, by the resident or a coordinator: the supporter who had it and the group are told."""
    req, before = await help_requests.cancel(
        tx.session, request_id=request_id, now=tx.now, by=by, resident=resident, version=version, note=note
    )
    if by.is_coordinator and req.category in SAFETY_LABELS:
        return req  # handled by phone or in person, as for complete()
    sup = await _supporter(tx, req.supporter_id) if before == CLAIMED else None
    if by.is_coordinator:
        if sup is not None:
            tx.push(
                sup.line_user_id,
                ui.text(M.supporter_closed_by_coordinator(request_id, False)),
                purpose="closed",
                request_id=request_id,
            )
        owner = await _resident(tx, req)
        tx.push(
            owner.line_user_id,
            ui.text(M.REQUEST_CANCELLED_BY_COORDINATOR),
            purpose="cancelled",
            request_id=request_id,
        )
    else:
        tx.reply(ui.text(M.CANCELLED_BY_RESIDENT))
        if sup is not None:
            tx.push(
                sup.line_user_id,
                ui.text(M.supporter_request_cancelled(request_id)),
                purpose="cancelled",
                request_id=request_id,
            )
    if before in (OPEN, CLAIMED):
        group = await people.district_group(tx.session, req.district_code)
        if group is not None:
            tx.push(group.group_id, ui.text(M.group_cancelled(request_id)), purpose="cancelled", request_id=request_id)
    return req


async def repost(tx: Tx, *, request_id: int, by: Actor, version: int | None = None) -> HelpRequest:
    """Post an open request to its group again; the reminders and the alert start over."""
    req = await help_requests.repost(tx.session, request_id=request_id, now=tx.now, by=by, version=version)
    await post_to_group(tx, req, await _resident(tx, req), tell_resident=False)
    return req
