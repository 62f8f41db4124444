"""A registered resident's words and buttons: understand, confirm, post to the group, report status."""

from __future__ import annotations

from dataclasses import replace

from bot import messages as M
from bot import ui
from bot.commands import Command
from bot.context import EventContext, FlowContext, Tx
from bot.flows import (
    answers,
    attach,
    checkin,
    context_read,
    fragments,
    newcomers,
    reading,
    recurring,
    relay,
    request_actions,
    safety,
    thanks,
    when,
)
from bot.flows.context_read import Meaning, Rule
from bot.nlp.types import HELP_LABELS, Analysis, HelpLabel
from bot.store import conversations, help_requests, proxies
from bot.store.help_requests import Actor
from bot.store.models import DRAFT, HELD, Resident
from bot.workers.scheduler import JobContext, JobHandler

MAX_TEXT = 2000  # longer texts are cut: a request is a few sentences, not a letter's every page


async def on_text(ctx: EventContext, resident: Resident, text: str) -> None:
    assert ctx.user_id and resident.id
    _, proxy = await ctx.speaking_for()
    merging = ctx.services.settings.message_merge_seconds > 0
    conv = await ctx.conversation()
    pending = fragments.texts(conv) if merging else []
    texts = [*pending, text]
    said = context_read.Said(
        context_read.Speaking.PROXY if proxy is not None else context_read.Speaking.RESIDENT,
        text,
        state=conv.state if conv else None,
        pending=tuple(pending),
        danger=await ctx.services.analysis.safety("\n".join(texts)[:MAX_TEXT]),
        waits=merging,
    )
    got = await context_read.read_in_context(said, lambda: _read_in_flow(ctx, resident, text))
    if got.handled:
        return
    if got.meaning is Meaning.COMMAND:
        await _command(ctx, resident, got.command)
        return
    if got.rule is Rule.POSSIBLE_ANSWER and got.reply is not None and conv is not None:
        await safety.possible_answer(ctx, resident, int(conv.data.get("request_id", 0)), got.reply.value)
        return
    if got.meaning is Meaning.QUESTION:
        await answers.in_context(ctx, resident, text)  # answered from the request's state (or the draft's)
        return
    ctx.services.spawn(ctx.services.gateway.show_loading(ctx.user_id))
    if not merging:
        await understand(ctx, resident, text)
    elif got.meaning is Meaning.ALARM and got.danger is not None:
        # An emergency in any fragment is acted on now, with everything said so far.
        await safety.handle(ctx, text="\n".join(texts)[:MAX_TEXT], analysis=got.danger, resident=resident)
    else:
        await fragments.add(ctx, texts)


async def _read_in_flow(ctx: EventContext, resident: Resident, text: str) -> bool:
    """What the bot asked, or the supporter the resident is talking to: True when the words were that."""
    return (
        await answers.in_context(ctx, resident, text)
        or await when.typed(ctx, resident, text)
        or await relay.from_resident(ctx, resident, text)
    )


async def _command(ctx: EventContext, resident: Resident, command: Command | None) -> None:
    if command is Command.STATUS:
        await status(ctx, resident)
    elif command is Command.WATCH_START:
        await checkin.offer(ctx)
    elif command is Command.WATCH_STOP:
        await checkin.stop(ctx, resident)
    else:
        async with ctx.tx() as tx:
            tx.reply(ui.text(M.ASK_TROUBLE if command is Command.ASK else M.HOW_TO_USE))


async def merged(ctx: JobContext) -> None:
    """The merge window closed: understand the fragments as one message."""
    if ctx.user_id is None:
        return
    async with ctx.read() as s:
        found = await proxies.resident_for(s, ctx.user_id)  # a proxy's fragments speak for their resident
        resident = found[0] if found else None
        conv = await conversations.get(s, ctx.user_id)
    if resident is None or conv is None or conv.state != fragments.FRAGMENTS:
        return
    texts = [str(x) for x in conv.data.get("texts", [])]
    if texts:
        await understand(ctx, resident, "\n".join(texts))


async def understand(ctx: FlowContext, resident: Resident, text: str) -> None:
    """Analyse the resident's words and answer: safety first, then a confirmation of the help asked for."""
    assert ctx.user_id
    too_long = len(text) > MAX_TEXT
    words = text[:MAX_TEXT]
    analysis = await ctx.services.analysis.analyze(words, ctx.now)
    if analysis.category == "not_request" and (kind := reading.asked_help(analysis.category, analysis.scores, words)):
        analysis = replace(analysis, category=kind, confidence=analysis.scores[kind])
    if analysis.category in ("emergency", "consult"):
        await safety.handle(ctx, text=words, analysis=analysis, resident=resident)
        return
    async with ctx.tx() as tx:
        await fragments.clear(tx, ctx.user_id)
        if too_long:
            tx.reply(ui.text(M.TOO_LONG_REPLY))
        # Thanks after a request was done go to the supporter who helped, whatever the classifier says.
        if (analysis.category == "not_request" or thanks.is_short_thanks(words)) and await thanks.pass_on(
            tx, resident, words
        ):
            return
        if analysis.category == "not_request":
            draft = await help_requests.pending_draft(tx.session, resident.id) if resident.id else None
            if draft is not None:
                # The greeting is never the answer to a question the bot asked: ask it again.
                conv = await conversations.get(tx.session, ctx.user_id)
                if conv is not None and conv.state == when.ASK_WHEN:
                    await when.ask(tx, draft, ctx.user_id, again=True)
                else:
                    tx.reply(await when.confirmation(tx.session, draft, resident, ctx.services.secret, again=True))
                return
            tx.reply(ui.text(_small_talk_reply(words)))
            return
        await _drop_old_drafts(tx, resident)
        days = recurring.weekdays(words)
        if days and analysis.confidence >= ctx.services.settings.confirm_threshold:
            await recurring.propose(tx, ctx, resident, words, analysis, days)  # 「毎週月曜と木曜の…」
            return
        await draft_and_ask(tx, ctx, resident, words, analysis)


async def draft_and_ask(tx: Tx, ctx: FlowContext, resident: Resident, words: str, analysis: Analysis) -> None:
    """A draft of the request, then the one next question: the kind of help, the day, or はい／いいえ."""
    assert ctx.user_id
    req = await help_requests.create(
        tx.session, resident=resident, text=words, analysis=analysis, status=DRAFT, now=ctx.now
    )
    assert req.id is not None
    await attach.on_new_request(tx, req, resident, ctx.user_id)
    # 'other_help' names no kind the resident would recognise (「ちょっとしたお手伝いですね」): let them pick
    if analysis.confidence < ctx.services.settings.confirm_threshold or analysis.category == "other_help":
        # The kind may be typed as well as picked (answers.PICK_KIND reads it).
        await conversations.put(
            tx.session, line_user_id=ctx.user_id, state=answers.PICK_KIND, data={"request_id": req.id}, now=ctx.now
        )
        tx.reply(ui.pick_category(_likely(analysis), req.id, ctx.services.secret))
    elif when.needs_asking(req):
        await when.ask(tx, req, ctx.user_id)
    else:
        tx.reply(await when.confirmation(tx.session, req, resident, ctx.services.secret))


def _small_talk_reply(text: str) -> str:
    thanks = ("ありがと", "有難", "有り難", "あんやと", "きのどく", "気の毒", "感謝", "お世話")
    return M.THANKS_REPLY if any(w in text for w in thanks) else M.GREETING_REPLY


def _likely(analysis: Analysis) -> list[HelpLabel]:
    ranked: list[HelpLabel] = sorted(
        (label for label in HELP_LABELS if label != "other_help"), key=lambda lb: -analysis.scores.get(lb, 0.0)
    )
    return ranked[:3]


async def _drop_old_drafts(tx: Tx, resident: Resident) -> None:
    assert resident.id is not None
    while (old := await help_requests.pending_draft(tx.session, resident.id)) is not None and old.id is not None:
        await help_requests.drop_draft(
            tx.session, request_id=old.id, resident=resident, now=tx.now, action="superseded"
        )


async def pick(ctx: EventContext, resident: Resident, request_id: int, category: str) -> None:
    if category not in HELP_LABELS:
        category = "other_help"
    async with ctx.tx() as tx:
        req = await help_requests.set_category(tx.session, request_id=request_id, resident=resident, category=category)
        conv = await conversations.get(tx.session, ctx.user_id or "")
        if conv is not None and conv.state == answers.PICK_KIND:
            await conversations.clear(tx.session, conv.line_user_id)
        if when.needs_asking(req) and ctx.user_id:
            await when.ask(tx, req, ctx.user_id)  # the kind is known now; the day is the one question left
        else:
            tx.reply(await when.confirmation(tx.session, req, resident, ctx.services.secret))


async def confirm(ctx: EventContext, resident: Resident, request_id: int, version: str = "") -> None:
    async with ctx.tx() as tx:
        current = await help_requests.get(tx.session, request_id)
        if (
            version
            and current.status == DRAFT
            and version != str(current.version)
            and current.resident_id == resident.id
        ):
            # An older card, from before a correction: show what would be asked for now, and ask again.
            tx.reply(await when.confirmation(tx.session, current, resident, ctx.services.secret, again=True))
            return
        req = await help_requests.confirm(tx.session, request_id=request_id, resident=resident, now=ctx.now)
        if req.status == HELD:
            await newcomers.held(tx, req, resident)
        else:
            await request_actions.post_to_group(tx, req, resident)


async def drop_draft(ctx: EventContext, resident: Resident, request_id: int, *, restate: bool) -> None:
    async with ctx.tx() as tx:
        await help_requests.drop_draft(
            tx.session,
            request_id=request_id,
            resident=resident,
            now=ctx.now,
            action="restate" if restate else "declined",
        )
        tx.reply(ui.text(M.REQUEST_RESTATE if restate else M.REQUEST_DECLINED))


async def status(ctx: EventContext, resident: Resident) -> None:
    assert resident.id is not None
    async with ctx.tx() as tx:
        rows = await help_requests.open_for_resident(tx.session, resident.id)
        if not rows:
            tx.reply(ui.text(M.NO_OPEN_REQUESTS))
            return
        items = [
            (req.id or 0, M.status_line(req.category, req.status, when.said_back(req), sup.name if sup else None))
            for req, sup in rows
        ]
        tx.reply(ui.text(M.STATUS_HEADER), ui.status_list(items, ctx.services.secret))


async def cancel(ctx: EventContext, resident: Resident, request_id: int) -> None:
    async with ctx.tx() as tx:
        conv = await conversations.get(tx.session, ctx.user_id or "")
        if conv is not None and conv.state == answers.CONFIRM_CANCEL:
            await conversations.clear(tx.session, conv.line_user_id)
        await request_actions.cancel(tx, request_id=request_id, by=Actor.resident(resident), resident=resident)


# The jobs this module runs (bot.jobs_table gives them to the scheduler).
JOBS: dict[str, JobHandler] = {
    fragments.MERGE_JOB: merged,
}
