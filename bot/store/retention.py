"""Retention: personal data of finished requests is removed after a while; the figures stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import (
    CANCELLED,
    DONE,
    Conversation,
    HelpRequest,
    InboxEvent,
    OutboxMessage,
    RelayMessage,
    RequestEvent,
)

PURGED_TEXT = ""


@dataclass(frozen=True)
class PurgeReport:
    requests: int
    notes: int
    outbox: int
    inbox: int
    conversations: int


async def purge(session: AsyncSession, *, before: datetime) -> PurgeReport:
    """Anonymise requests finished before `before`: their words, masked summary, when-text and relayed words go;
    category, district, dates, status and who helped stay, so monthly figures are unchanged. The raw
    webhook events and sent messages (which carry names, addresses and words) are deleted."""
    finished = (
        await session.exec(
            select(col(HelpRequest.id)).where(
                col(HelpRequest.status).in_((DONE, CANCELLED)),
                col(HelpRequest.closed_at) < before,
                col(HelpRequest.text) != PURGED_TEXT,
            )
        )
    ).all()
    ids = [i for i in finished if i is not None]
    notes = 0
    if ids:
        await session.exec(
            update(HelpRequest)
            .where(col(HelpRequest.id).in_(ids))
            .values(text=PURGED_TEXT, masked=PURGED_TEXT, when_text=None, cues=[])
        )
        result = await session.exec(
            update(RequestEvent)
            .where(col(RequestEvent.request_id).in_(ids), col(RequestEvent.note).is_not(None))
            .values(note=None)
        )
        notes = int(result.rowcount or 0)
        # The words relayed between supporter and resident are personal: they go with the request's words.
        relayed = await session.exec(delete(RelayMessage).where(col(RelayMessage.request_id).in_(ids)))
        notes += int(relayed.rowcount or 0)
    out = await session.exec(
        delete(OutboxMessage).where(col(OutboxMessage.status) != "pending", col(OutboxMessage.created_at) < before)
    )
    inb = await session.exec(
        delete(InboxEvent).where(col(InboxEvent.status) != "pending", col(InboxEvent.received_at) < before)
    )
    conv = await session.exec(delete(Conversation).where(col(Conversation.updated_at) < before))
    return PurgeReport(
        requests=len(ids),
        notes=notes,
        outbox=int(out.rowcount or 0),
        inbox=int(inb.rowcount or 0),
        conversations=int(conv.rowcount or 0),
    )
