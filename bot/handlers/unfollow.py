"""unfollow: the user blocked the bot; pushes to them would fail, and coordinators should know."""

from __future__ import annotations

from bot.context import EventContext
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.user_id is None:
        return
    async with ctx.tx() as tx:
        await people.set_followed(tx.session, line_user_id=ctx.user_id, followed=False, now=ctx.now)
