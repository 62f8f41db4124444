"""join: the bot was added to a group. An unbound group gets only the instructions to bind it."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.store import people


async def handle(ctx: EventContext) -> None:
    if ctx.group_id is None:
        return
    async with ctx.read() as s:
        group = await people.get_group(s, ctx.group_id)
    async with ctx.tx() as tx:
        tx.reply(ui.text(M.GROUP_BOUND_HELLO if group else M.group_unbound(ctx.group_id)))
