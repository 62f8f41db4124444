"""Merging a resident's message fragments: 「こんにちは」「田中です」「だいどころの」「でんきがつかん」 are
one request. Fragments wait in the conversation row; a job keyed by the user fires MESSAGE_MERGE_SECONDS
after the last one. An emergency in any fragment does not wait."""

from __future__ import annotations

from datetime import timedelta

from bot.context import EventContext, Tx
from bot.store import conversations, jobs
from bot.store.models import Conversation

FRAGMENTS = "fragments"
MERGE_JOB = "merge"


def job_key(user_id: str) -> str:
    return f"merge:{user_id}"


async def pending(ctx: EventContext) -> list[str]:
    return texts(await ctx.conversation())


def texts(conv: Conversation | None) -> list[str]:
    """The fragments waiting in this conversation row, if it is waiting for fragments."""
    if conv is None or conv.state != FRAGMENTS:
        return []
    return [str(x) for x in conv.data.get("texts", [])]


async def add(ctx: EventContext, texts: list[str]) -> None:
    """Keep the fragments and (re)start the window; the job answers with this event's reply token."""
    assert ctx.user_id
    merge = ctx.services.settings.message_merge_seconds
    async with ctx.tx() as tx:
        await conversations.put(
            tx.session, line_user_id=ctx.user_id, state=FRAGMENTS, data={"texts": texts}, now=ctx.now
        )
        await jobs.schedule(
            tx.session,
            key=job_key(ctx.user_id),
            kind=MERGE_JOB,
            due_at=ctx.now + timedelta(seconds=merge),
            payload={
                "user": ctx.user_id,
                "reply_to": ctx.user_id,
                "reply_token": ctx.reply_token,
                "reply_deadline": ctx.reply_deadline.isoformat(),
            },
            replace=True,
        )
    ctx.services.wake_scheduler()


async def clear(tx: Tx, user_id: str) -> None:
    await conversations.clear_state(tx.session, user_id, FRAGMENTS)
    await jobs.cancel(tx.session, key=job_key(user_id), now=tx.now)
