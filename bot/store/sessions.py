"""Dashboard sessions kept in the database: created at sign-in, ended by sign-out, password change,
deactivation or "end all sessions", on every server process at once (they all read this table)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import DashboardSession

SIGNED_IN_FOR = timedelta(hours=12)  # a working day; then sign in again
ANONYMOUS_FOR = timedelta(hours=1)  # the sign-in page's CSRF token and a flash message, nothing else


def new_token() -> str:
    return secrets.token_urlsafe(32)


def id_hash(token: str) -> str:
    # Only the hash is stored: a copy of the database (a backup) opens no session.
    return hashlib.sha256(token.encode()).hexdigest()


async def load(session: AsyncSession, token: str, *, now: datetime) -> DashboardSession | None:
    if not token or len(token) > 128:
        return None
    row = await session.get(DashboardSession, id_hash(token))
    return row if row is not None and row.expires_at > now else None


async def save(
    session: AsyncSession,
    token: str,
    *,
    coordinator_id: int | None,
    csrf: str,
    flash: dict[str, Any] | None,
    now: datetime,
    created_at: datetime | None,
) -> None:
    """Write the session; a signed-in one expires SIGNED_IN_FOR after sign-in, not after each page."""
    row = await session.get(DashboardSession, id_hash(token))
    if row is None:
        life = SIGNED_IN_FOR if coordinator_id is not None else ANONYMOUS_FOR
        row = DashboardSession(
            id_hash=id_hash(token), csrf=csrf, created_at=created_at or now, expires_at=(created_at or now) + life
        )
    row.coordinator_id = coordinator_id
    row.csrf = csrf
    row.flash = flash
    session.add(row)


async def end(session: AsyncSession, token: str) -> None:
    await session.exec(delete(DashboardSession).where(col(DashboardSession.id_hash) == id_hash(token)))


async def end_all(session: AsyncSession, *, coordinator_id: int) -> int:
    result = await session.exec(delete(DashboardSession).where(col(DashboardSession.coordinator_id) == coordinator_id))
    return int(result.rowcount or 0)


async def count_for(session: AsyncSession, *, coordinator_id: int, now: datetime) -> int:
    rows = await session.exec(
        select(DashboardSession.id_hash).where(
            col(DashboardSession.coordinator_id) == coordinator_id, col(DashboardSession.expires_at) > now
        )
    )
    return len(rows.all())


async def forget_expired(session: AsyncSession, *, now: datetime) -> int:
    result = await session.exec(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))
    return int(result.rowcount or 0)
