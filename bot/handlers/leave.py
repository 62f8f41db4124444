"""leave: the bot was removed from a group; the binding ends so nothing more is sent there."""

from __future__ import annotations

from bot.context import EventContext
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.group_id is None:
        return
    async with ctx.tx() as tx:
        await people.unbind_group(tx.session, group_id=ctx.group_id, now=ctx.now)
