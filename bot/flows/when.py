"""When a help request names no day: ask once, with four quick answers and LINE's date picker,
then confirm as usual — one extra step at most."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.commands import normalize
from bot.context import EventContext, Tx
from bot.nlp.normalize import standard
from bot.store import conversations, help_requests
from bot.store.models import DRAFT, HelpRequest, Proxy, Resident

ASK_WHEN = "ask_when"
PICK_DAYS = 90  # how far ahead the date picker reaches
SHORT_ANSWER = 15  # a typed answer to 「いつごろ」 is a few words

# What residents type instead of pressing a quick reply.
TYPED: dict[str, str] = {
    normalize(w): arg
    for arg, words in {
        "today": ("今日", "きょう", "今日中", "今日お願いします"),
        "tomorrow": ("明日", "あした", "あす", "明日お願いします"),
        "week": ("今週中", "こんしゅうちゅう", "今週", "今週のうち"),
        "any": ("いつでもいい", "いつでも", "いつでもいいです", "いつでもええ", "いつでもかまわん", "いつでも結構です"),
    }.items()
    for w in words
}


def when_text(req: HelpRequest) -> str:
    """「12月2日（水）の朝」, 「今週中」, or empty when any day will do."""
    if req.when_date:
        return M.format_when(req.when_date, req.when_time, req.when_part)
    return req.when_text or ""


def said_back(req: HelpRequest) -> str:
    """For the resident: the date in their own words when they named it relative to today,
    「あさって、5日（土）の朝」; the group and the supporter read the full date (`when_text`)."""
    if req.when_date:
        return M.format_when(req.when_date, req.when_time, req.when_part, req.when_text)
    return req.when_text or ""


def needs_asking(req: HelpRequest) -> bool:
    return req.when_date is None and not req.when_text


async def confirmation(
    session: AsyncSession, req: HelpRequest, resident: Resident, secret: bytes, *, again: bool = False
) -> ui.Msg:
    """The はい／いいえ／言い直す message; a proxy is reminded whom it is for. `again`: asked once more,
    because the resident's words answered none of it (one message, not an apology and then the question)."""
    assert req.id is not None
    proxy = await session.get(Proxy, req.proxy_id) if req.proxy_id else None
    if proxy is not None:
        t = M.proxy_confirm_request(resident.name, req.category, said_back(req))
    else:
        t = M.confirm_request(req.category, said_back(req))
    return ui.confirm_request(f"{M.ASK_AGAIN}\n{t}" if again else t, req.id, secret, req.version)


async def ask(tx: Tx, req: HelpRequest, user_id: str, *, again: bool = False) -> None:
    assert req.id is not None
    await conversations.put(tx.session, line_user_id=user_id, state=ASK_WHEN, data={"request_id": req.id}, now=tx.now)
    today = tx.now.astimezone(JST).date()
    last = today + timedelta(days=PICK_DAYS)
    t = M.ask_when(req.category)
    t = f"{M.ASK_AGAIN}\n{t}" if again else t
    tx.reply(ui.ask_when(t, req.id, tx.services.secret, today.isoformat(), last.isoformat()))


# What may stand around a day in an answer to 「いつごろがよいですか？」 without making it a new request.
_AROUND_A_DAY = re.compile(
    r"[のにでがはをへもとや、。!?\s]|お願い(?:します)?|おねがい|がいい|でいい|にして|たのむ|頼む|です|ます|かな|ね|よ|わ|ごろ|頃"
)


def _bare_day(std: str, said: str) -> bool:
    return len(_AROUND_A_DAY.sub("", std.replace(said, "", 1))) <= 1


async def typed(ctx: EventContext, resident: Resident, text: str) -> bool:
    """A typed 「明日」 (or a short 「あさっての昼」) while we wait for the answer counts as pressing a button."""
    assert ctx.user_id
    norm = normalize(text)
    arg = TYPED.get(norm)
    if arg is None and len(norm) > SHORT_ANSWER:
        return False  # a longer message is a message of its own
    conv = await ctx.conversation()
    if conv is None or conv.state != ASK_WHEN:
        return False
    async with ctx.read() as s:
        req = await s.get(HelpRequest, int(conv.data.get("request_id", 0)))
    if req is None or req.id is None or req.status != DRAFT:
        return False
    if arg is not None:
        await answer(ctx, resident, req.id, arg, None)
        return True
    analysis = await ctx.services.analysis.analyze(text, ctx.now)
    today = ctx.now.astimezone(JST).date()
    when = analysis.when
    if when is None or analysis.category in ("emergency", "consult"):
        return False  # not a day, or something that must not wait: the usual way handles it
    # A bare day is the answer whatever the classifier makes of it; 「明日の雪すかし」 is a new request.
    if (
        not _bare_day(standard(text), when.text)
        and analysis.category not in ("not_request", "other_help", req.category)
        and analysis.confidence >= ctx.services.settings.confirm_threshold
    ):
        return False
    if not today <= date.fromisoformat(when.date) <= today + timedelta(days=PICK_DAYS):
        return False
    async with ctx.tx() as tx:
        req = await help_requests.set_when(
            tx.session,
            request_id=req.id,
            resident=resident,
            when_date=when.date,
            when_text=when.text or None,
            when_time=when.time,
            when_part=when.part,
        )
        await conversations.clear(tx.session, ctx.user_id)
        tx.reply(await confirmation(tx.session, req, resident, ctx.services.secret))
    return True


async def answer(ctx: EventContext, resident: Resident, request_id: int, arg: str, picked: str | None) -> None:
    assert ctx.user_id
    today = ctx.now.astimezone(JST).date()
    when_date: date | None = None
    label: str | None = None
    if arg == "today":
        when_date = today
    elif arg == "tomorrow":
        when_date = today + timedelta(days=1)
    elif arg == "week":
        label = M.WHEN_THIS_WEEK
    elif arg == "pick":
        try:
            when_date = date.fromisoformat(picked or "")
        except ValueError:
            when_date = None
        if when_date is None or not today <= when_date <= today + timedelta(days=PICK_DAYS):
            async with ctx.tx() as tx:
                tx.reply(ui.text(M.WHEN_PICK_BAD))
                req = await help_requests.get(tx.session, request_id)
                await ask(tx, req, ctx.user_id)
            return
    async with ctx.tx() as tx:
        req = await help_requests.set_when(
            tx.session,
            request_id=request_id,
            resident=resident,
            when_date=when_date.isoformat() if when_date else None,
            when_text=label,
        )
        conv = await conversations.get(tx.session, ctx.user_id)
        if conv is not None and conv.state == ASK_WHEN:
            await conversations.clear(tx.session, ctx.user_id)
        tx.reply(await confirmation(tx.session, req, resident, ctx.services.secret))
