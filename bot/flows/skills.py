"""A supporter tells the bot, in their own words, what they can do, where and when (「できること」):
three short questions in their 1:1 chat, each answer read by bot.nlp.skills, then said back."""

from __future__ import annotations

from typing import Any

from bot import messages as M
from bot import ui
from bot.commands import Command, match
from bot.context import EventContext
from bot.flows.reading import Reply, read
from bot.nlp import skills
from bot.nlp import towns as town_words
from bot.store import conversations, supporters
from bot.store.models import Supporter

ASK_KINDS, ASK_TOWNS, ASK_FREE = "skills_kinds", "skills_towns", "skills_free"
STATES = frozenset({ASK_KINDS, ASK_TOWNS, ASK_FREE})
_STOP = ("やめる", "やめます", "やめ", "中止", "キャンセル")


async def start(ctx: EventContext, sup: Supporter) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=ASK_KINDS, data={}, now=ctx.now)
        tx.reply(ui.text(M.SKILLS_ASK_KINDS))


async def on_text(ctx: EventContext, sup: Supporter, text: str) -> bool:
    """True when the words were for this conversation (a 「できること」 or an answer to its question)."""
    assert ctx.user_id
    if match(text) is Command.SKILLS:
        await start(ctx, sup)
        return True
    async with ctx.read() as s:
        conv = await conversations.get(s, ctx.user_id)
        town_names = await supporters.district_towns(s, sup.district_code)
    if conv is None or conv.state not in STATES:
        return False
    data: dict[str, Any] = dict(conv.data)
    if text.strip() in _STOP or read(text) is Reply.CANCEL:
        async with ctx.tx() as tx:
            await conversations.clear(tx.session, ctx.user_id)
            tx.reply(ui.text(M.SKILLS_CANCELLED))
        return True
    readings = await ctx.services.analysis.readings([text, *town_names])
    if conv.state == ASK_KINDS:
        kinds = skills.kinds(text, readings[0])
        if not kinds:
            await _ask(ctx, ASK_KINDS, data, M.SKILLS_KINDS_AGAIN)
        else:
            example = town_names[0] if town_names else "長町"
            await _ask(ctx, ASK_TOWNS, {"kinds": kinds}, M.SKILLS_ASK_TOWNS.format(example=example))
        return True
    if conv.state == ASK_TOWNS:
        cands = [town_words.Town(i, n, r) for i, (n, r) in enumerate(zip(town_names, readings[1:], strict=True))]
        said = skills.towns(text, readings[0], cands)
        if not said:
            await _ask(ctx, ASK_TOWNS, data, M.SKILLS_TOWNS_AGAIN.format(towns="、".join(town_names)))
        else:
            await _ask(ctx, ASK_FREE, {**data, "towns": said}, M.SKILLS_ASK_FREE)
        return True
    free = skills.free(text)
    if not free:
        await _ask(ctx, ASK_FREE, data, M.SKILLS_FREE_AGAIN)
        return True
    kinds = [str(k) for k in data.get("kinds", [])]
    towns = [str(t) for t in data.get("towns", [])]
    async with ctx.tx() as tx:
        fresh = await tx.session.get(Supporter, sup.id)
        assert fresh is not None
        await supporters.set_profile(tx.session, supporter=fresh, kinds=kinds, towns=towns, free=free)
        await conversations.clear(tx.session, ctx.user_id)
        tx.reply(ui.text(M.skills_saved(fresh.kinds, fresh.towns, fresh.free)))
    return True


async def _ask(ctx: EventContext, state: str, data: dict[str, Any], question: str) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=state, data=data, now=ctx.now)
        tx.reply(ui.text(question))
