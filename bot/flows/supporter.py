"""Supporters: take a request from the group (exactly one wins), finish it, or give it back."""

from __future__ import annotations

from bot import escalation, ui
from bot import messages as M
from bot.clock import JST
from bot.commands import Command, match
from bot.context import EventContext
from bot.flows import attach, relay
from bot.flows.resident import post_to_group
from bot.store import help_requests, people
from bot.store.errors import NotASupporter, WrongDistrict
from bot.store.models import Resident, Supporter


async def _supporter(ctx: EventContext) -> Supporter:
    assert ctx.user_id
    async with ctx.read() as s:
        sup = await people.supporter_by_line(s, ctx.user_id)
    if sup is None or not sup.active:
        raise NotASupporter()
    return sup


async def claim(ctx: EventContext, request_id: int) -> None:
    sup = await _supporter(ctx)
    async with ctx.read() as s:
        req = await help_requests.get(s, request_id)
        group = await people.get_group(s, ctx.group_id) if ctx.group_id else None
    # The button only counts in the district's own group, from a supporter of that district:
    # a postback replayed elsewhere, or pressed by a neighbour district's supporter, is refused.
    if group is None or group.role != "district" or group.district_code != req.district_code:
        raise WrongDistrict()
    if sup.district_code != req.district_code:
        raise WrongDistrict()
    async with ctx.read() as s:
        resident = await s.get(Resident, req.resident_id)
    refusal = (
        M.SUPPORTER_SUSPENDED
        if sup.suspended_at is not None
        else M.RESIDENT_UNREACHABLE
        if resident is not None and not resident.followed
        else None
    )
    if refusal is not None:
        # Suspended, or the resident blocked the bot (unreachable): a coordinator decides, not the first press.
        async with ctx.tx() as tx:
            tx.reply(ui.text(refusal))
        return
    if sup.followed is not True:
        # Details go 1:1 by push, which LINE only delivers to users who added the bot.
        profile = await ctx.services.gateway.profile(sup.line_user_id)
        if profile is None:
            async with ctx.tx() as tx:
                tx.reply(ui.text(M.group_not_friend(sup.name)))
            return
    async with ctx.tx() as tx:
        if sup.followed is not True:
            await people.set_followed(tx.session, line_user_id=sup.line_user_id, followed=True, now=ctx.now)
        req = await help_requests.claim(tx.session, request_id=request_id, supporter=sup, now=ctx.now)
        resident = await tx.session.get(Resident, req.resident_id)
        assert resident is not None and req.id is not None
        await escalation.schedule_for_claim(tx, req)  # ask the supporter if it is not done in time
        tx.reply(ui.text(M.group_claimed(sup.name, req.id)))
        details = await attach.details_for_supporter(tx.session, req, resident)
        tx.push(
            sup.line_user_id,
            ui.supporter_details(details, req.id, ctx.services.secret),
            purpose="details",
            request_id=req.id,
        )
        tx.push(
            resident.line_user_id,
            ui.text(M.supporter_coming(sup.name, req.category)),
            purpose="coming",
            request_id=req.id,
        )
        if (proxy := await attach.proxy_of(tx.session, req)) is not None:
            tx.push(
                proxy.line_user_id,
                ui.text(M.proxy_supporter_coming(sup.name, resident.name, req.category)),
                purpose="coming",
                request_id=req.id,
            )


async def done(ctx: EventContext, request_id: int) -> None:
    sup = await _supporter(ctx)
    async with ctx.tx() as tx:
        req = await help_requests.complete(tx.session, request_id=request_id, supporter=sup, now=ctx.now)
        resident = await tx.session.get(Resident, req.resident_id)
        assert resident is not None
        tx.reply(ui.text(M.SUPPORTER_THANKS_DONE))
        tx.push(resident.line_user_id, ui.text(M.request_done(sup.name)), purpose="done", request_id=request_id)
        if (proxy := await attach.proxy_of(tx.session, req)) is not None:
            tx.push(
                proxy.line_user_id,
                ui.text(M.proxy_request_done(sup.name, resident.name)),
                purpose="done",
                request_id=request_id,
            )
        group = await people.district_group(tx.session, req.district_code)
        if group is not None:
            tx.push(group.group_id, ui.text(M.group_done(request_id)), purpose="done", request_id=request_id)


async def release(ctx: EventContext, request_id: int) -> None:
    sup = await _supporter(ctx)
    async with ctx.tx() as tx:
        req = await help_requests.release(tx.session, request_id=request_id, supporter=sup, now=ctx.now)
        resident = await tx.session.get(Resident, req.resident_id)
        assert resident is not None
        tx.reply(ui.text(M.SUPPORTER_RELEASED))
        await post_to_group(tx, req, resident, tell_resident=False)
        tx.push(resident.line_user_id, ui.text(M.REQUEST_REOPENED_RESIDENT), purpose="reopened", request_id=request_id)


async def on_text(ctx: EventContext, sup: Supporter, text: str) -> None:
    if match(text) is not Command.ACTIVITY and await relay.from_supporter(ctx, sup, text):
        return  # words for the resident of the request in hand
    async with ctx.tx() as tx:
        if match(text) is Command.ACTIVITY:
            local = ctx.now.astimezone(JST)
            month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            assert sup.id is not None
            month, total = await help_requests.supporter_counts(tx.session, sup.id, month_start)
            tx.reply(ui.text(M.supporter_activity(sup.name, month, total)))
        else:
            tx.reply(ui.text(M.SUPPORTER_HELLO))
