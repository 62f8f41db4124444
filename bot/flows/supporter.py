"""Supporters: take a request from the group (exactly one wins), finish it, or give it back."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.commands import Command, match
from bot.context import EventContext
from bot.flows import relay, request_actions, skills
from bot.store import help_requests, people
from bot.store.errors import NotASupporter, WrongDistrict
from bot.store.help_requests import Actor
from bot.store.models import Resident, Supporter


async def _supporter(ctx: EventContext) -> Supporter:
    assert ctx.user_id
    sup = await ctx.supporter()
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
        await request_actions.claim(tx, request_id=request_id, supporter=sup, by=Actor.supporter(sup))


async def done(ctx: EventContext, request_id: int) -> None:
    sup = await _supporter(ctx)
    async with ctx.tx() as tx:
        await request_actions.complete(tx, request_id=request_id, by=Actor.supporter(sup), supporter=sup)


async def release(ctx: EventContext, request_id: int) -> None:
    sup = await _supporter(ctx)
    async with ctx.tx() as tx:
        await request_actions.release(tx, request_id=request_id, by=Actor.supporter(sup), supporter=sup)


async def on_text(ctx: EventContext, sup: Supporter, text: str) -> None:
    if await skills.on_text(ctx, sup, text):
        return  # 「できること」, or the answer to one of its questions
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
