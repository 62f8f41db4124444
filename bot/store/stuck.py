"""Claims nobody can finish any more (a supporter who left, blocked the bot or was suspended): handed to a job
that releases and re-posts them, so the CLI, the dashboard and LINE events all end in the same one flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.job_payloads import ReleasePayload
from bot.store import jobs
from bot.store.models import CLAIMED, HelpRequest, Supporter

RELEASE_JOB = "release_claims"
REASONS = ("left", "blocked", "suspended", "removed")


async def release_later(session: AsyncSession, *, supporter: Supporter, reason: str, now: datetime) -> int:
    """Schedule the release of every request this supporter holds (due now); returns how many they hold."""
    assert supporter.id is not None and reason in REASONS
    held = (
        await session.exec(
            select(func.count()).where(
                col(HelpRequest.supporter_id) == supporter.id, col(HelpRequest.status) == CLAIMED
            )
        )
    ).one()
    await jobs.schedule(
        session,
        key=f"{RELEASE_JOB}:{supporter.id}:{reason}:{int(now.timestamp() * 1000)}",
        kind=RELEASE_JOB,
        due_at=now,
        payload=ReleasePayload(supporter_id=supporter.id, reason=reason),
    )
    return int(held)


async def held_by(session: AsyncSession, supporter_id: int) -> list[HelpRequest]:
    return list(
        (
            await session.exec(
                select(HelpRequest)
                .where(col(HelpRequest.supporter_id) == supporter_id, col(HelpRequest.status) == CLAIMED)
                .order_by(col(HelpRequest.id))
            )
        ).all()
    )
