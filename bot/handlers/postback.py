"""postback: our own buttons, decoded by one codec and routed by action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from linebot.v3.webhooks import PostbackEvent

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import alerting, answers, checkin, recurring, registration, resident, safety, supporter, when
from bot.postback import Action, InvalidPostback, Postback, decode
from bot.store.errors import NotYours, StaleButton
from bot.store.models import Resident

REGISTRATION_ACTIONS = frozenset({Action.SKIP, Action.CONSENT, Action.FOR_SOMEONE, Action.RELATION})
SUPPORTER_ACTIONS = {
    Action.CLAIM: supporter.claim,
    Action.DONE: supporter.done,
    Action.RELEASE: supporter.release,
    Action.RECUR_CLAIM: recurring.claim,
}


ResidentAction = Callable[[EventContext, Resident, Postback], Awaitable[None]]


async def _when(ctx: EventContext, res: Resident, pb: Postback) -> None:
    assert isinstance(ctx.event, PostbackEvent)
    params = ctx.event.postback.params or {}
    await when.answer(ctx, res, pb.ref, pb.arg, params.get("date"))


# A resident's (or their proxy's) buttons, pressed in the 1:1 chat.
RESIDENT_ACTIONS: dict[Action, ResidentAction] = {
    Action.CONFIRM: lambda ctx, res, pb: resident.confirm(ctx, res, pb.ref, pb.arg),
    Action.DECLINE: lambda ctx, res, pb: resident.drop_draft(ctx, res, pb.ref, restate=False),
    Action.RESTATE: lambda ctx, res, pb: resident.drop_draft(ctx, res, pb.ref, restate=True),
    Action.PICK: lambda ctx, res, pb: resident.pick(ctx, res, pb.ref, pb.arg),
    # One plain question before a cancellation takes effect.
    Action.CANCEL: lambda ctx, res, pb: answers.ask_cancel(ctx, res, pb.ref),
    Action.CANCEL_YES: lambda ctx, res, pb: resident.cancel(ctx, res, pb.ref),
    Action.CANCEL_NO: lambda ctx, res, pb: answers.keep(ctx),
    Action.WHEN: _when,
    Action.WATCH: lambda ctx, res, pb: checkin.ask_hour(ctx, pb.arg),
    Action.WATCH_HOUR: lambda ctx, res, pb: checkin.start(ctx, res, frequency=pb.arg, hour=pb.ref),
    Action.CHECKIN_OK: lambda ctx, res, pb: checkin.answer_button(ctx, res, pb.ref),
    Action.RECUR_OK: lambda ctx, res, pb: recurring.confirm(ctx, res, pb.ref),
    Action.RECUR_NO: lambda ctx, res, pb: recurring.decline(ctx, res, pb.ref),
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
    await _one_to_one(ctx, pb)


async def _one_to_one(ctx: EventContext, pb: Postback) -> None:
    if pb.action is Action.TOWN:
        await registration.on_town(ctx, pb.ref)
    elif pb.action is Action.TOWN_NO:
        await registration.on_town_rejected(ctx)
    elif pb.action in REGISTRATION_ACTIONS:
        await registration.on_button(ctx, pb.action, pb.ref, pb.arg)
    elif pb.action is Action.POSSIBLE:
        found = await _resident_or_none(ctx)  # someone not registered yet is answered too
        await safety.possible_answer(ctx, found, pb.ref, pb.arg)
    else:
        res = await _resident(ctx)
        if pb.action is not Action.CHECKIN_OK:
            await checkin.close_on_message(ctx, by="postback")  # pressing any button is an answer too
        action = RESIDENT_ACTIONS.get(pb.action)
        if action is None:
            async with ctx.tx() as tx:
                tx.reply(ui.text(M.BUTTON_EXPIRED))
            return
        await action(ctx, res, pb)


async def _resident_or_none(ctx: EventContext) -> Resident | None:
    assert ctx.user_id
    return (await ctx.speaking_for())[0]  # a proxy presses buttons for their resident


async def _resident(ctx: EventContext) -> Resident:
    found = await _resident_or_none(ctx)
    if found is None:
        raise NotYours()
    return found
