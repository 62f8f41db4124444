"""Routes an event to its handler by kind, and maps domain errors to plain answers — the one edge."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from linebot.v3.webhooks import (
    FollowEvent,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    PostbackEvent,
    UnfollowEvent,
)

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import approval  # noqa: F401  (registers the job that carries out coordinators' decisions)
from bot.handlers import follow, join, leave, members, message, postback, unfollow
from bot.store import errors

log = logging.getLogger(__name__)

Handler = Callable[[EventContext], Awaitable[None]]

HANDLERS: dict[type, Handler] = {
    MessageEvent: message.handle,
    PostbackEvent: postback.handle,
    FollowEvent: follow.handle,
    UnfollowEvent: unfollow.handle,
    JoinEvent: join.handle,
    LeaveEvent: leave.handle,
    MemberJoinedEvent: members.joined,
    MemberLeftEvent: members.left,
}

ERROR_TEXT: dict[type[errors.DomainError], str] = {
    errors.AlreadyTaken: M.ALREADY_TAKEN,
    errors.NotASupporter: M.NOT_A_SUPPORTER,
    errors.WrongDistrict: M.WRONG_DISTRICT,
    errors.NotYours: M.NOT_YOUR_REQUEST,
    errors.RequestClosed: M.REQUEST_CLOSED,
    errors.NotFound: M.REQUEST_GONE,
    errors.StaleButton: M.BUTTON_EXPIRED,
}


async def route(ctx: EventContext) -> str:
    """Handle one event; returns the outcome for metrics ("ok", "ignored", "refused")."""
    handler = HANDLERS.get(type(ctx.event))
    if handler is None:
        return "ignored"
    try:
        await handler(ctx)
        return "ok"
    except errors.DomainError as e:
        if ctx.finished:
            raise  # raised after the event's transaction committed: a bug, not a user's doing
        await answer_refusal(ctx, e)
        return "refused"


async def answer_refusal(ctx: EventContext, error: errors.DomainError) -> None:
    """A refused action gets a kind word. In a group, the presser is told 1:1, sparing the group the noise,
    except a non-supporter, who may not have added the bot and is answered in the group."""
    text = ERROR_TEXT.get(type(error), M.BUTTON_EXPIRED)
    async with ctx.tx() as tx:
        if ctx.in_group and ctx.user_id and not isinstance(error, errors.NotASupporter):
            tx.push(ctx.user_id, ui.text(text), purpose="refusal")
        else:
            tx.reply(ui.text(text))
