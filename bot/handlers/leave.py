"""leave: the bot was removed from a group; the binding ends (marked as removed) and coordinators hear of it."""

from __future__ import annotations

from bot.context import EventContext
from bot.flows import stuck
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.group_id is None:
        return
    async with ctx.tx() as tx:
        group = await people.get_group(tx.session, ctx.group_id)
        if group is not None:
            await stuck.group_removed(tx, group)
