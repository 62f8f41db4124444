"""A resident's words read against what the bot is waiting for, before the model's guess: the answer to a
confirmation, to 「いつごろ」 or to 「取りやめますか？」; the possible-emergency question asked again when the
words do not answer it; a corrected date or kind; a cancellation; 「だれがくるん？」 answered from the
request's state. None of these → False, and the words are read as a new message. Where this comes in the
order (after a sure sign of danger, before the model's guess) is decided in context_read."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.commands import normalize
from bot.context import EventContext
from bot.flows import safety, when
from bot.flows.reading import Reply, kind_named, read
from bot.nlp import dates
from bot.nlp.normalize import standard
from bot.nlp.types import HELP_LABELS, SAFETY_LABELS, Part, When
from bot.store import conversations, help_requests
from bot.store.models import CLAIMED, DRAFT, OPEN, HelpRequest, Resident, Supporter

CONFIRM_CANCEL = "confirm_cancel"
PICK_KIND = "pick_kind"  # the kind-of-help buttons are shown; a typed kind counts as pressing one
CORRECTION = 25  # 「ちがう、あさってや」: a correction is a few words
_DAY_WORD = re.compile(r"日|曜|週|あした|あさって|しあさって|きょう|あす")
_WANT = re.compile(r"がいい|がええ|がよい|でいい|でええ|でお願い")
_PARTS: dict[str, Part] = {
    "早朝": "early_morning",
    "朝": "morning",
    "午前": "morning",
    "昼": "noon",
    "午後": "afternoon",
    "夕方": "evening",
    "夜": "night",
}
# Without 「ちがう」, these say the words change the request asked about rather than make a new one.
_MARKER = re.compile(r"にして|にしてほし|のほう|の方|じゃなくて|ではなくて|やなくて|でなくて|に変え|にかえ")


async def in_context(ctx: EventContext, resident: Resident, text: str) -> bool:
    assert ctx.user_id and resident.id is not None
    reply = read(text)
    conv = await ctx.conversation()
    async with ctx.read() as s:
        draft = await help_requests.pending_draft(s, resident.id)
        active = await help_requests.open_for_resident(s, resident.id)
    state = conv.state if conv else None
    data = dict(conv.data) if conv else {}
    # The caller read the words in context first (context_read): a sure sign of danger went ahead, and
    # はい／いいえ／わからない to the possible-emergency question were answered there.
    if state == safety.POSSIBLE and not await _new_request(ctx, text):
        # Not an answer: the danger question again (with 119), never a greeting.
        async with ctx.tx() as tx:
            tx.reply(ui.possible_emergency(int(data.get("request_id", 0)), ctx.services.secret), urgent=True)
        return True
    if state == CONFIRM_CANCEL:
        if reply in (Reply.YES, Reply.CANCEL):
            await cancel(ctx, resident, int(data.get("request_id", 0)))
            return True
        if reply is Reply.NO:
            await keep(ctx)
            return True
    if (
        state == PICK_KIND
        and draft is not None
        and draft.id == int(data.get("request_id", 0))
        and reply is None
        and await _kind_typed(ctx, resident, draft.id, text)
    ):
        return True
    if (
        draft is not None
        and draft.id is not None
        and await _on_draft(ctx, resident, draft, reply, text, asking_when=state == when.ASK_WHEN)
    ):
        return True
    if reply in (Reply.WHO, Reply.WHEN, Reply.NOBODY):
        await _about_request(ctx, reply, active)
        return True
    if reply is Reply.CANCEL:
        if not active:
            async with ctx.tx() as tx:
                tx.reply(ui.text(M.NO_OPEN_REQUESTS))
            return True
        req = active[-1][0]
        assert req.id is not None
        await ask_cancel(ctx, resident, req.id)
        return True
    return False


async def _new_request(ctx: EventContext, text: str) -> bool:
    analysis = await ctx.services.analysis.analyze(text, ctx.now)
    return analysis.category in HELP_LABELS and analysis.confidence >= ctx.services.settings.confirm_threshold


async def _on_draft(
    ctx: EventContext, resident: Resident, draft: HelpRequest, reply: Reply | None, text: str, *, asking_when: bool
) -> bool:
    from bot.flows import resident as flow  # the request flow imports this module

    assert draft.id is not None and ctx.user_id
    if reply is Reply.CANCEL:
        await flow.drop_draft(ctx, resident, draft.id, restate=False)
        return True
    if reply is Reply.ANY_DAY:
        await when.answer(ctx, resident, draft.id, "any", None)
        return True
    if reply in (Reply.YES, Reply.NO) or reply is None:
        corrected = (
            await _correction(ctx, resident, draft, text, reading_no=reply is Reply.NO)
            if reply is not Reply.YES
            else False
        )
        if corrected:
            return True
        if asking_when and reply is None:
            return False  # 「明日」「あさっての朝」 and new requests: when.typed and the usual way
        if reply is Reply.YES and not asking_when:
            await flow.confirm(ctx, resident, draft.id)
            return True
        if reply is Reply.NO:
            await flow.drop_draft(ctx, resident, draft.id, restate=False)
            return True
        return False
    if reply in (Reply.YES, Reply.WHO, Reply.WHEN, Reply.NOBODY, Reply.UNSURE):
        # Nothing is decided before はい: ask the one question again rather than guess.
        async with ctx.tx() as tx:
            if asking_when:
                await when.ask(tx, draft, ctx.user_id, again=True)
            else:
                tx.reply(await when.confirmation(tx.session, draft, resident, ctx.services.secret, again=True))
        return True
    return False


_NOT_THAT = re.compile(
    r"^(?:ちがう|違う|ちがい|いや|いえ|そうじゃなく|そうでなく)[、。,\s ちがうて]*|(?:や|です|だ|やわ|やよ)[。!\s]*$"
)


async def _correction(
    ctx: EventContext, resident: Resident, draft: HelpRequest, text: str, *, reading_no: bool
) -> bool:
    """「ちがう、あさってや」「あさってにして」「ちがう、買い物や」: change the draft and confirm again."""
    assert draft.id is not None
    if len(text) > CORRECTION or normalize(text) in when.TYPED:
        return False  # 「今週中」「明日」 answer 「いつごろ」 as the buttons do (when.typed)
    today = ctx.now.astimezone(JST).date()
    said = dates.resolve(standard(text), ctx.now)
    if said is not None and draft.when_date and not _DAY_WORD.search(said.text):
        # 「ちがう、10時にして」 moves the time on the day already agreed, not to the next 10時.
        said = When(draft.when_date, said.time, said.part, draft.when_text or "")
    if said is None and draft.when_date and (reading_no or _MARKER.search(text) or _WANT.search(text)):
        part = next((p for word, p in _PARTS.items() if word in text), None)
        if part is not None:  # 「午後にして」「ちがう、夕方がいい」
            said = When(draft.when_date, None, part, draft.when_text or "")
    if said is not None and not today <= date.fromisoformat(said.date) <= today + timedelta(days=when.PICK_DAYS):
        said = None
    # 「ちがう、雪すかしや」: the kind is read from the words after the no (the no itself reads as no request)
    analysis = await ctx.services.analysis.analyze(_NOT_THAT.sub("", text) or text, ctx.now)
    category = None
    if (
        analysis.category in HELP_LABELS
        and analysis.category not in ("other_help", draft.category)
        and analysis.confidence >= ctx.services.settings.confirm_threshold
    ):
        category = analysis.category
    elif analysis.category not in SAFETY_LABELS and (reading_no or _MARKER.search(text)):
        category = kind_named(analysis.scores, besides=(draft.category,))  # 「ちがう、雪すかしや」: a kind named
    if category is not None and not (reading_no or _MARKER.search(text)):
        return False  # 「買い物をお願いしたい」 is a new request; 「ちがう、買い物や」 changes this one
    if said is None and category is None:
        return False
    async with ctx.tx() as tx:
        req = draft
        if category is not None:
            req = await help_requests.set_category(
                tx.session, request_id=draft.id, resident=resident, category=category
            )
        if said is not None:
            req = await help_requests.set_when(
                tx.session,
                request_id=draft.id,
                resident=resident,
                when_date=said.date,
                when_text=said.text or None,
                when_time=said.time,
                # 「ちがう、あさってや」 moves the day; the part of day said before (朝) still holds.
                when_part=said.part or (draft.when_part if said.time is None else None),
            )
        help_requests.record(
            tx.session,
            request_id=draft.id,
            at=ctx.now,
            actor_kind="resident",
            actor_id=resident.line_user_id,
            action="corrected",
        )
        assert ctx.user_id
        conv = await conversations.get(tx.session, ctx.user_id)
        if conv is not None and conv.state == when.ASK_WHEN:
            await conversations.clear(tx.session, conv.line_user_id)
        tx.reply(await when.confirmation(tx.session, req, resident, ctx.services.secret))
    return True


async def _kind_typed(ctx: EventContext, resident: Resident, request_id: int, text: str) -> bool:
    """「買い物」「その他」 typed instead of pressing a kind-of-help button."""
    from bot.flows import resident as flow

    if len(text) > CORRECTION:
        return False
    if normalize(text) in (normalize(M.OTHER_LABEL), "ほか", "そのほか"):
        await flow.pick(ctx, resident, request_id, "other_help")
        return True
    analysis = await ctx.services.analysis.analyze(text, ctx.now)
    if analysis.category in SAFETY_LABELS:
        return False  # a danger is never a kind of help: the message goes on to be read as such
    kind = analysis.category if analysis.category in HELP_LABELS else None
    if kind is None or analysis.confidence < ctx.services.settings.confirm_threshold:
        kind = kind_named(analysis.scores)
    if kind is None:
        return False
    await flow.pick(ctx, resident, request_id, kind)
    return True


async def _about_request(ctx: EventContext, reply: Reply, active: list[tuple[HelpRequest, Supporter | None]]) -> None:
    """「だれがくるん？」「いつくるん？」「まだ？」: the request's state, in plain words. Never an alarm."""
    async with ctx.tx() as tx:
        if not active:
            tx.reply(ui.text(M.NO_OPEN_REQUESTS))
            return
        claimed = [(r, s) for r, s in active if r.status == CLAIMED and s is not None]
        req, sup = claimed[-1] if claimed else active[-1]
        said = when.said_back(req)
        if sup is not None and req.status == CLAIMED:
            if reply is Reply.WHEN:
                tx.reply(ui.text(M.when_planned(said) + "\n" + M.who_is_coming(sup.name, "")))
            else:
                tx.reply(ui.text(M.who_is_coming(sup.name, said)))
        else:
            tx.reply(
                ui.text(M.STILL_LOOKING if reply is not Reply.WHEN else M.when_planned(said) + "\n" + M.STILL_LOOKING)
            )


async def ask_cancel(ctx: EventContext, resident: Resident, request_id: int) -> None:
    """One plain yes/no question before a cancellation takes effect (words or 【取りやめる】 alike)."""
    assert ctx.user_id
    async with ctx.tx() as tx:
        req = await help_requests.get(tx.session, request_id)
        if req.resident_id != resident.id or req.status not in (OPEN, CLAIMED, DRAFT):
            tx.reply(ui.text(M.NO_OPEN_REQUESTS))
            return
        await conversations.put(
            tx.session, line_user_id=ctx.user_id, state=CONFIRM_CANCEL, data={"request_id": request_id}, now=ctx.now
        )
        tx.reply(ui.ask_cancel(M.ask_cancel(req.category, when.said_back(req)), request_id, ctx.services.secret))


async def cancel(ctx: EventContext, resident: Resident, request_id: int) -> None:
    from bot.flows import resident as flow

    await flow.cancel(ctx, resident, request_id)


async def keep(ctx: EventContext) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        conv = await conversations.get(tx.session, ctx.user_id)
        if conv is not None and conv.state == CONFIRM_CANCEL:
            await conversations.clear(tx.session, ctx.user_id)
        tx.reply(ui.text(M.CANCEL_KEPT))
