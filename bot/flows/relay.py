"""The relay between the supporter who took a request and its resident: what one writes in their 1:1 chat
reaches the other with who said it, until the request is done or released. Neither needs the other's
LINE ID or phone; nothing goes to the group; the words are kept with the request and purged with it."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.context import EventContext
from bot.flows import attach, reading
from bot.nlp.decision import IN_CONVERSATION_EMERGENCY
from bot.store import relays
from bot.store.models import Resident, Supporter

MAX_WORDS = 1000  # a chat line, not a letter


async def from_supporter(ctx: EventContext, sup: Supporter, text: str) -> bool:
    """False when the supporter has no request in hand (their words then get the usual answer)."""
    async with ctx.read() as s:
        found = await relays.supporter_target(s, sup)
    if found is None or found.id is None:
        return False
    async with ctx.tx() as tx:
        req = found
        assert req.id is not None
        resident = await tx.session.get(Resident, req.resident_id)
        assert resident is not None
        words = text[:MAX_WORDS]
        relays.add(tx.session, request_id=req.id, sender=relays.SUPPORTER, text=words, now=ctx.now)
        msg = ui.text(M.relayed_to_resident(sup.name, words))
        tx.push(resident.line_user_id, msg, purpose="relay", request_id=req.id)
        if (proxy := await attach.proxy_of(tx.session, req)) is not None:
            tx.push(proxy.line_user_id, msg, purpose="relay", request_id=req.id)
        tx.reply(ui.text(M.relay_sent_to_resident(req.id, resident.name)))
    return True


# A request of its own asks for something (雪すかしもお願いしたい); 「玄関は裏にまわってください」 is for the
# supporter who is coming, however the classifier reads its words. With an ask in the words, a kind of help
# other than the one under way likely is a request of its own (the confirmation that follows lets the
# resident say otherwise).


async def from_resident(ctx: EventContext, resident: Resident, text: str) -> bool:
    """Words from a resident whose request a supporter has taken go to that supporter, unless they are a
    new request (or a danger, which the usual way answers)."""
    assert resident.id is not None
    async with ctx.read() as s:
        req = await relays.resident_target(s, resident.id)
        sup = await s.get(Supporter, req.supporter_id) if req is not None and req.supporter_id else None
    if req is None or req.id is None or sup is None:
        return False
    analysis = await ctx.services.analysis.analyze(text[:MAX_WORDS], ctx.now)
    if analysis.category == "consult" or (
        analysis.category == "emergency"
        and (analysis.cues != ("model",) or analysis.scores["emergency"] >= IN_CONVERSATION_EMERGENCY)
    ):
        return False  # the usual way answers it: 119 or the place to consult, and the coordinators told
    if reading.asked_help(analysis.category, analysis.scores, text, besides=(req.category,)):
        return False  # 「雪すかしもお願いしたい」 is a request of its own
    async with ctx.tx() as tx:
        words = text[:MAX_WORDS]
        relays.add(tx.session, request_id=req.id, sender=relays.RESIDENT, text=words, now=ctx.now)
        tx.push(
            sup.line_user_id,
            ui.text(M.relayed_to_supporter(req.id, resident.name, words)),
            purpose="relay",
            request_id=req.id,
        )
        tx.reply(ui.text(M.relay_sent_to_supporter(sup.name)))
    return True
