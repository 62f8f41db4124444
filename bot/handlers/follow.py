"""follow: someone added the bot (or unblocked it)."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import registration, stuck
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.user_id is None:
        return
    async with ctx.read() as s:
        resident = await people.resident_by_line(s, ctx.user_id)
        supporter = await people.supporter_by_line(s, ctx.user_id)
    if resident is None and supporter is None:
        await registration.start(ctx)
        return
    async with ctx.tx() as tx:
        await people.set_followed(tx.session, line_user_id=ctx.user_id, followed=True, now=ctx.now)
        if resident is not None and resident.followed is False:
            await stuck.resident_back(tx, resident)  # their open requests may be taken again
        tx.reply(ui.text(M.WELCOME_REGISTERED if resident else M.SUPPORTER_HELLO))
