"""postback: our own buttons, decoded by one codec and routed by action."""

from __future__ import annotations

from linebot.v3.webhooks import PostbackEvent

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import alerting, answers, checkin, recurring, registration, resident, safety, supporter, when
from bot.postback import Action, InvalidPostback, decode
from bot.store import proxies
from bot.store.errors import NotYours, StaleButton
from bot.store.models import Resident

REGISTRATION_ACTIONS = frozenset({Action.SKIP, Action.CONSENT, Action.FOR_SOMEONE, Action.RELATION})
SUPPORTER_ACTIONS = {
    Action.CLAIM: supporter.claim,
    Action.DONE: supporter.done,
    Action.RELEASE: supporter.release,
    Action.RECUR_CLAIM: recurring.claim,
}


async def handle(ctx: EventContext) -> None:
    assert isinstance(ctx.event, PostbackEvent)
    try:
        pb = decode(ctx.event.postback.data, ctx.services.secret)
    except InvalidPostback:
        raise StaleButton() from None
    if pb.action in SUPPORTER_ACTIONS:
        await SUPPORTER_ACTIONS[pb.action](ctx, pb.ref)
        return
    if pb.action is Action.ALERT_ACK:
        await alerting.acknowledge(ctx, pb.ref)  # a coordinator in a coordinators' group
        return
    if ctx.in_group or ctx.user_id is None:
        raise StaleButton()  # residents' buttons live in their 1:1 chat
    if pb.action is Action.TOWN:
        await registration.on_town(ctx, pb.ref)
        return
    if pb.action is Action.TOWN_NO:
        await registration.on_town_rejected(ctx)
        return
    if pb.action in REGISTRATION_ACTIONS:
        await registration.on_button(ctx, pb.action, pb.ref, pb.arg)
        return
    if pb.action is Action.POSSIBLE:
        found = await _resident_or_none(ctx)  # someone not registered yet is answered too
        await safety.possible_answer(ctx, found, pb.ref, pb.arg)
        return
    res = await _resident(ctx)
    if pb.action is not Action.CHECKIN_OK:
        await checkin.close_on_message(ctx, by="postback")  # pressing any button is an answer too
    if pb.action is Action.CONFIRM:
        await resident.confirm(ctx, res, pb.ref, pb.arg)
    elif pb.action is Action.DECLINE:
        await resident.drop_draft(ctx, res, pb.ref, restate=False)
    elif pb.action is Action.RESTATE:
        await resident.drop_draft(ctx, res, pb.ref, restate=True)
    elif pb.action is Action.PICK:
        await resident.pick(ctx, res, pb.ref, pb.arg)
    elif pb.action is Action.CANCEL:
        await answers.ask_cancel(ctx, res, pb.ref)  # one plain question before it takes effect
    elif pb.action is Action.CANCEL_YES:
        await resident.cancel(ctx, res, pb.ref)
    elif pb.action is Action.CANCEL_NO:
        await answers.keep(ctx)
    elif pb.action is Action.WHEN:
        params = ctx.event.postback.params or {}
        await when.answer(ctx, res, pb.ref, pb.arg, params.get("date"))
    elif pb.action is Action.WATCH:
        await checkin.ask_hour(ctx, pb.arg)
    elif pb.action is Action.WATCH_HOUR:
        await checkin.start(ctx, res, frequency=pb.arg, hour=pb.ref)
    elif pb.action is Action.CHECKIN_OK:
        await checkin.answer_button(ctx, res, pb.ref)
    elif pb.action is Action.RECUR_OK:
        await recurring.confirm(ctx, res, pb.ref)
    elif pb.action is Action.RECUR_NO:
        await recurring.decline(ctx, res, pb.ref)
    else:
        async with ctx.tx() as tx:
            tx.reply(ui.text(M.BUTTON_EXPIRED))


async def _resident_or_none(ctx: EventContext) -> Resident | None:
    assert ctx.user_id
    async with ctx.read() as s:
        found = await proxies.resident_for(s, ctx.user_id)  # a proxy presses buttons for their resident
    return found[0] if found else None


async def _resident(ctx: EventContext) -> Resident:
    found = await _resident_or_none(ctx)
    if found is None:
        raise NotYours()
    return found
