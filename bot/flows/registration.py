"""Registering a new resident in plain steps: town (confirmed with buttons), then name."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.commands import Command, match
from bot.context import EventContext
from bot.store import conversations, people
from bot.store.models import Town

REG_TOWN, REG_NAME = "reg_town", "reg_name"
MENU_COMMANDS = frozenset({Command.ASK, Command.STATUS, Command.HELP})  # the rich menu's message buttons


async def start(ctx: EventContext, *, welcome: str = M.WELCOME_NEW) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=REG_TOWN, data={}, now=ctx.now)
        tx.reply(ui.text(welcome))


async def on_text(ctx: EventContext, text: str, state: str | None, data: dict[str, object]) -> None:
    assert ctx.user_id
    if state in (REG_TOWN, REG_NAME) and match(text) in MENU_COMMANDS:
        # A rich-menu button pressed halfway through: it is neither a town nor a name.
        async with ctx.tx() as tx:
            tx.reply(ui.text(M.REGISTER_FIRST_NAME if state == REG_NAME else M.REGISTER_FIRST_TOWN))
        return
    if state == REG_NAME:
        await _name(ctx, text, data)
        return
    if state != REG_TOWN:
        await start(ctx, welcome=M.NOT_REGISTERED_YET)
        return
    async with ctx.read() as s:
        found = await people.find_towns(s, text)
    async with ctx.tx() as tx:
        if not found:
            tx.reply(ui.text(M.ASK_TOWN_AGAIN))
        elif len(found) == 1:
            town, district = found[0]
            assert town.id is not None
            tx.reply(ui.confirm_town(town.id, town.name, district.name, ctx.services.secret))
        else:
            tx.reply(ui.pick_town([(t.id or 0, t.name, d.name) for t, d in found], ctx.services.secret))


async def on_town(ctx: EventContext, town_id: int) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        town = await tx.session.get(Town, town_id)
        if town is None:
            tx.reply(ui.text(M.ASK_TOWN_AGAIN))
            return
        await conversations.put(
            tx.session, line_user_id=ctx.user_id, state=REG_NAME, data={"town_id": town_id}, now=ctx.now
        )
        tx.reply(ui.text(M.ASK_NAME))


async def on_town_rejected(ctx: EventContext) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=REG_TOWN, data={}, now=ctx.now)
        tx.reply(ui.text(M.ASK_TOWN_AGAIN))


async def _name(ctx: EventContext, text: str, data: dict[str, object]) -> None:
    assert ctx.user_id
    name = text.strip().removesuffix("です").removesuffix("さん").strip()[:50]
    async with ctx.tx() as tx:
        town = await tx.session.get(Town, int(str(data.get("town_id", 0))))
        if town is None or not name:
            await conversations.put(tx.session, line_user_id=ctx.user_id, state=REG_TOWN, data={}, now=ctx.now)
            tx.reply(ui.text(M.ASK_TOWN_AGAIN))
            return
        await people.add_resident(
            tx.session,
            line_user_id=ctx.user_id,
            district_code=town.district_code,
            name=name,
            town=town.name,
            now=ctx.now,
        )
        await conversations.clear(tx.session, ctx.user_id)
        tx.reply(ui.text(M.registered(name)))
