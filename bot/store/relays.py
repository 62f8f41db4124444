"""Queries on the words relayed between a request's supporter and its resident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import CLAIMED, HelpRequest, RelayMessage, Supporter

SUPPORTER, RESIDENT = "supporter", "resident"


def add(session: AsyncSession, *, request_id: int, sender: str, text: str, now: datetime) -> None:
    session.add(RelayMessage(request_id=request_id, sender=sender, text=text, at=now))


async def for_request(session: AsyncSession, request_id: int) -> list[RelayMessage]:
    return list(
        (
            await session.exec(
                select(RelayMessage).where(RelayMessage.request_id == request_id).order_by(col(RelayMessage.id))
            )
        ).all()
    )


async def _latest(session: AsyncSession, *conds: object) -> HelpRequest | None:
    """Of the claimed requests matching, the one talked about last (or taken last)."""
    last_word = (
        select(func.max(col(RelayMessage.at)))
        .where(col(RelayMessage.request_id) == col(HelpRequest.id))
        .scalar_subquery()
    )
    rows = (
        await session.exec(
            select(HelpRequest)
            .where(col(HelpRequest.status) == CLAIMED, *conds)  # type: ignore[arg-type]
            .order_by(func.coalesce(last_word, col(HelpRequest.claimed_at)).desc(), col(HelpRequest.id).desc())
        )
    ).first()
    return rows


async def supporter_target(session: AsyncSession, supporter: Supporter) -> HelpRequest | None:
    """Whom a supporter's words in the 1:1 chat are for: their claimed request talked about last."""
    return await _latest(session, col(HelpRequest.supporter_id) == supporter.id)


async def resident_target(session: AsyncSession, resident_id: int) -> HelpRequest | None:
    return await _latest(
        session, col(HelpRequest.resident_id) == resident_id, col(HelpRequest.supporter_id).is_not(None)
    )
