"""Queries on where a 1:1 conversation stands (registration steps and the like)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import Conversation


async def get(session: AsyncSession, line_user_id: str) -> Conversation | None:
    return await session.get(Conversation, line_user_id)


async def put(session: AsyncSession, *, line_user_id: str, state: str, data: dict[str, Any], now: datetime) -> None:
    conv = await session.get(Conversation, line_user_id)
    if conv is None:
        session.add(Conversation(line_user_id=line_user_id, state=state, data=data, updated_at=now))
    else:
        conv.state, conv.data, conv.updated_at = state, data, now
        session.add(conv)


async def clear(session: AsyncSession, line_user_id: str) -> None:
    conv = await session.get(Conversation, line_user_id)
    if conv is not None:
        await session.delete(conv)


async def clear_state(session: AsyncSession, line_user_id: str, state: str) -> None:
    """End the conversation if it is in `state`: one conditional DELETE instead of a read, then a delete."""
    await session.exec(
        delete(Conversation).where(col(Conversation.line_user_id) == line_user_id, col(Conversation.state) == state)
    )
