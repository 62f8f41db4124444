"""message: texts and everything else residents send; in groups only our few commands count."""

from __future__ import annotations

from datetime import timedelta

from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    StickerMessageContent,
    TextMessageContent,
    VideoMessageContent,
)

from bot import escalation, ui
from bot import messages as M
from bot.commands import Command, clean, match
from bot.context import EventContext
from bot.flows import attach, checkin, context_read, registration, resident, safety, supporter, thanks
from bot.flows.context_read import Meaning, Rule, Speaking
from bot.store import inbox, people


async def handle(ctx: EventContext) -> None:
    assert isinstance(ctx.event, MessageEvent)
    content = ctx.event.message
    if ctx.in_group:
        await _group(ctx, content.text if isinstance(content, TextMessageContent) else None)
        return
    if ctx.user_id is None:
        return
    if await _flooding(ctx):
        return
    await checkin.close_on_message(ctx)  # any word from a resident answers 「お元気ですか？」
    if isinstance(content, TextMessageContent):
        text = clean(content.text).strip()
        if text:
            await _text(ctx, text)
        else:
            async with ctx.tx() as tx:
                tx.reply(ui.text(M.NOT_UNDERSTOOD))
    else:
        await _other(ctx, content)


async def _flooding(ctx: EventContext) -> bool:
    """Past the per-user limit, say once (kindly) to slow down and drop the rest of the burst: it costs
    nothing but a count, so one flooding account cannot slow the bot for everyone else."""
    assert ctx.user_id
    limit = ctx.services.settings.rate_limit_per_minute
    async with ctx.read() as s:
        recent = await inbox.recent_from(
            s, source_key=ctx.user_id, since=ctx.received_at - timedelta(seconds=60), up_to_id=ctx.inbox_id
        )
    if recent <= limit:
        return False
    async with ctx.tx() as tx:
        if recent == limit + 1:
            tx.reply(ui.text(M.TOO_FAST_REPLY))
    return True


async def _group(ctx: EventContext, text: str | None) -> None:
    command = match(text) if text else None
    if command is None:
        return  # supporters talking among themselves: not ours
    async with ctx.read() as s:
        group = await people.get_group(s, ctx.group_id) if ctx.group_id else None
    if group is None:
        return  # an unbound group gets nothing but the binding instructions on join
    async with ctx.tx() as tx:
        if command is Command.HELP:
            tx.reply(ui.text(M.GROUP_HELP))
        elif command is Command.UNRESOLVED:
            tx.reply(ui.text(await escalation.unresolved_text(tx, group)))  # what is still open


async def _text(ctx: EventContext, text: str) -> None:
    assert ctx.user_id
    res, _ = await ctx.speaking_for()  # a proxy (代理) speaks for their resident
    if res is not None:
        await resident.on_text(ctx, res, text)
        return
    sup = await ctx.supporter()
    conv = await ctx.conversation()
    state = conv.state if conv else None
    said = context_read.Said(
        Speaking.SUPPORTER if sup is not None else Speaking.UNREGISTERED,
        text,
        state=state,
        danger=await ctx.services.analysis.safety(text),
    )
    # Not registered: an emergency still gets help at once, before any registration step.
    got = await context_read.read_in_context(said, lambda: registration.answers_the_question(ctx, text, state))
    if got.rule is Rule.POSSIBLE_ANSWER and got.reply is not None and conv is not None:
        # Someone not registered yet answering 「いま、けがや急な具合の悪さがありますか？」 in words.
        await safety.possible_answer(ctx, None, int(conv.data.get("request_id", 0)), got.reply.value)
    elif got.meaning is Meaning.ALARM and got.danger is not None:
        await safety.handle(ctx, text=text[: resident.MAX_TEXT], analysis=got.danger, resident=None)
    elif sup is not None:
        await supporter.on_text(ctx, sup, text)
    else:
        await registration.on_text(ctx, text, state, dict(conv.data) if conv else {})


async def _other(ctx: EventContext, content: object) -> None:
    assert ctx.user_id
    res, _ = await ctx.speaking_for()
    district = None
    if res is not None:
        async with ctx.read() as s:
            district = await people.get_district(s, res.district_code)
    phone = district.contact_phone if district else None
    async with ctx.tx() as tx:
        if isinstance(content, StickerMessageContent):
            if res is None or not await thanks.pass_on(tx, res, None):
                tx.reply(ui.text(M.STICKER_REPLY))
        elif isinstance(content, AudioMessageContent):
            tx.reply(ui.with_call(M.VOICE_REPLY, M.CALL_DISTRICT, phone))
        elif isinstance(content, ImageMessageContent | VideoMessageContent):
            tx.reply(ui.with_call(M.MEDIA_REPLY, M.CALL_DISTRICT, phone))
        elif isinstance(content, FileMessageContent):
            tx.reply(ui.text(M.FILE_REPLY))
        elif isinstance(content, LocationMessageContent):
            attached = res is not None and await attach.location(
                tx, res, content.latitude, content.longitude, (content.address or content.title or None)
            )
            tx.reply(ui.text(M.LOCATION_FOR_REQUEST if attached else M.LOCATION_REPLY))
        else:
            tx.reply(ui.text(M.NOT_UNDERSTOOD))
