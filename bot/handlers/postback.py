"""postback: our own buttons, decoded by one codec and routed by action."""

from __future__ import annotations

from linebot.v3.webhooks import PostbackEvent

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import registration, resident, supporter
from bot.postback import Action, InvalidPostback, decode
from bot.store import people
from bot.store.errors import NotYours, StaleButton
from bot.store.models import Resident

SUPPORTER_ACTIONS = {Action.CLAIM: supporter.claim, Action.DONE: supporter.done, Action.RELEASE: supporter.release}


async def handle(ctx: EventContext) -> None:
    assert isinstance(ctx.event, PostbackEvent)
    try:
        pb = decode(ctx.event.postback.data, ctx.services.secret)
    except InvalidPostback:
        raise StaleButton() from None
    if pb.action in SUPPORTER_ACTIONS:
        await SUPPORTER_ACTIONS[pb.action](ctx, pb.ref)
        return
    if ctx.in_group or ctx.user_id is None:
        raise StaleButton()  # residents' buttons live in their 1:1 chat
    if pb.action is Action.TOWN:
        await registration.on_town(ctx, pb.ref)
        return
    if pb.action is Action.TOWN_NO:
        await registration.on_town_rejected(ctx)
        return
    res = await _resident(ctx)
    if pb.action is Action.CONFIRM:
        await resident.confirm(ctx, res, pb.ref)
    elif pb.action is Action.DECLINE:
        await resident.drop_draft(ctx, res, pb.ref, restate=False)
    elif pb.action is Action.RESTATE:
        await resident.drop_draft(ctx, res, pb.ref, restate=True)
    elif pb.action is Action.PICK:
        await resident.pick(ctx, res, pb.ref, pb.arg)
    elif pb.action is Action.CANCEL:
        await resident.cancel(ctx, res, pb.ref)
    else:
        async with ctx.tx() as tx:
            tx.reply(ui.text(M.BUTTON_EXPIRED))


async def _resident(ctx: EventContext) -> Resident:
    assert ctx.user_id
    async with ctx.read() as s:
        res = await people.resident_by_line(s, ctx.user_id)
    if res is None:
        raise NotYours()
    return res
