"""memberJoined / memberLeft in a bound group: greet newcomers; a supporter who leaves their
district's group can no longer take requests from it."""

from __future__ import annotations

from linebot.v3.webhooks import MemberJoinedEvent, MemberLeftEvent
from sqlalchemy import update
from sqlmodel import col, select

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import stuck
from bot.store import people
from bot.store.models import Supporter


async def joined(ctx: EventContext) -> None:
    assert isinstance(ctx.event, MemberJoinedEvent)
    async with ctx.read() as s:
        group = await people.get_group(s, ctx.group_id) if ctx.group_id else None
    async with ctx.tx() as tx:
        if group is not None and group.role == "district":
            tx.reply(ui.text(M.GROUP_HELP))


async def left(ctx: EventContext) -> None:
    assert isinstance(ctx.event, MemberLeftEvent)
    user_ids = [m.user_id for m in ctx.event.left.members if getattr(m, "user_id", None)]
    async with ctx.tx() as tx:
        group = await people.get_group(tx.session, ctx.group_id) if ctx.group_id else None
        if group is None or group.role != "district" or not user_ids:
            return
        await tx.session.exec(
            update(Supporter)
            .where(col(Supporter.line_user_id).in_(user_ids), col(Supporter.district_code) == group.district_code)
            .values(active=False)
        )
        gone = await tx.session.exec(
            select(Supporter).where(
                col(Supporter.line_user_id).in_(user_ids), col(Supporter.district_code) == group.district_code
            )
        )
        for sup in gone.all():
            await stuck.supporter_gone(tx, sup, "left")  # what they held goes back to the group
