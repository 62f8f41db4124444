"""unfollow: the user blocked the bot; pushes to them would fail, and coordinators should know."""

from __future__ import annotations

from bot.context import EventContext
from bot.flows import stuck
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.user_id is None:
        return
    async with ctx.tx() as tx:
        await people.set_followed(tx.session, line_user_id=ctx.user_id, followed=False, now=ctx.now)
        sup = await people.supporter_by_line(tx.session, ctx.user_id)
        if sup is not None:
            await stuck.supporter_gone(tx, sup, "blocked")  # details can no longer reach them
        resident = await people.resident_by_line(tx.session, ctx.user_id)
        if resident is not None:
            await stuck.resident_blocked(tx, resident)
