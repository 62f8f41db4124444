"""Coordinator accounts: argon2 password hashes, their districts, API tokens, and what ends their sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import people, sessions
from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.models import (
    ROLE_COORDINATOR,
    ROLE_MINSEI,
    Coordinator,
    CoordinatorDistrict,
    District,
    MinseiResident,
    Resident,
)

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    # On the calling thread: used by the CLI only; the server hashes and checks in bot.passwords' pool.
    return PasswordHasher().hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add(
    session: AsyncSession,
    *,
    login: str,
    name: str,
    password: str,
    districts: list[str],
    is_admin: bool,
    now: datetime,
    role: str = ROLE_COORDINATOR,
    password_hash: str | None = None,
) -> Coordinator:
    """`password_hash`: already hashed off the event loop (the dashboard); else hashed here (the CLI)."""
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise InvalidInput("login must be 1–64 characters without spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if role not in (ROLE_COORDINATOR, ROLE_MINSEI):
        raise InvalidInput(f"role must be {ROLE_COORDINATOR} or {ROLE_MINSEI}")
    if role == ROLE_MINSEI:
        # A 民生委員 sees only the residents linked to them: districts and city-wide do not apply.
        if is_admin or districts:
            raise InvalidInput("a 民生委員 account has no districts and is not city-wide: link residents instead")
    elif not districts and not is_admin:
        raise InvalidInput("give at least one --district, or --admin")
    if (await session.exec(select(Coordinator).where(Coordinator.login == login))).first():
        raise AlreadyExists(f"coordinator {login} already exists")
    for code in districts:
        if await session.get(District, code) is None:
            raise NotFound(f"no district with code {code!r}")
    c = Coordinator(
        login=login,
        name=name.strip() or login,
        password_hash=password_hash or hash_password(password),
        is_admin=is_admin,
        role=role,
        created_at=now,
    )
    session.add(c)
    await session.flush()
    assert c.id is not None
    for code in dict.fromkeys(districts):
        session.add(CoordinatorDistrict(coordinator_id=c.id, district_code=code))
    return c


async def get(session: AsyncSession, coordinator_id: int) -> Coordinator | None:
    c = await session.get(Coordinator, coordinator_id)
    return c if c is not None and c.active else None


async def by_token(session: AsyncSession, token: str) -> Coordinator | None:
    if not token:
        return None
    c = (await session.exec(select(Coordinator).where(Coordinator.api_token_hash == token_hash(token)))).first()
    return c if c is not None and c.active else None


async def new_api_token(session: AsyncSession, *, login: str) -> str:
    c = (await session.exec(select(Coordinator).where(Coordinator.login == login))).first()
    if c is None:
        raise NotFound(f"no coordinator {login!r}")
    token = secrets.token_urlsafe(32)
    c.api_token_hash = token_hash(token)
    session.add(c)
    return token


async def districts_of(session: AsyncSession, coordinator: Coordinator) -> frozenset[str] | None:
    """The district codes a coordinator may see; None means all (admin). A 民生委員 sees the districts of
    the residents linked to them (and, within those, only those residents: see `residents_of`)."""
    if coordinator.role == ROLE_MINSEI:
        linked = (
            await session.exec(
                select(Resident.district_code)
                .join(MinseiResident, col(MinseiResident.resident_id) == Resident.id)
                .where(MinseiResident.coordinator_id == coordinator.id)
            )
        ).all()
        return frozenset(linked)
    if coordinator.is_admin:
        return None
    rows = (
        await session.exec(
            select(CoordinatorDistrict.district_code).where(CoordinatorDistrict.coordinator_id == coordinator.id)
        )
    ).all()
    return frozenset(rows)


async def by_login(session: AsyncSession, login: str) -> Coordinator | None:
    return (await session.exec(select(Coordinator).where(Coordinator.login == login))).first()


async def signed_in(session: AsyncSession, *, coordinator_id: int, new_hash: str | None, now: datetime) -> None:
    c = await session.get(Coordinator, coordinator_id)
    if c is None:
        return
    if new_hash is not None:  # argon2 parameters were raised since this hash was made
        c.password_hash = new_hash
    c.last_login_at = now
    session.add(c)


async def _named(session: AsyncSession, login: str) -> Coordinator:
    c = await by_login(session, login)
    if c is None:
        raise NotFound(f"no coordinator {login!r}")
    return c


async def set_password(session: AsyncSession, *, login: str, password: str, password_hash: str | None = None) -> int:
    """A new password ends every session of the account (someone may have known the old one)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    c = await _named(session, login)
    c.password_hash = password_hash or hash_password(password)
    session.add(c)
    assert c.id is not None
    return await sessions.end_all(session, coordinator_id=c.id)


async def set_active(session: AsyncSession, *, login: str, active: bool) -> int:
    """Deactivating ends every session at once; the API token stops working too (by_token checks `active`)."""
    c = await _named(session, login)
    c.active = active
    session.add(c)
    assert c.id is not None
    return 0 if active else await sessions.end_all(session, coordinator_id=c.id)


async def end_sessions(session: AsyncSession, *, login: str) -> int:
    c = await _named(session, login)
    assert c.id is not None
    return await sessions.end_all(session, coordinator_id=c.id)


async def residents_of(session: AsyncSession, coordinator: Coordinator) -> frozenset[int] | None:
    """The resident ids a 民生委員 may see and act for; None for coordinators (their districts decide)."""
    if coordinator.role != ROLE_MINSEI:
        return None
    rows = (
        await session.exec(select(MinseiResident.resident_id).where(MinseiResident.coordinator_id == coordinator.id))
    ).all()
    return frozenset(rows)


async def set_districts(session: AsyncSession, *, login: str, districts: list[str], is_admin: bool) -> Coordinator:
    """Re-district an account: its districts are replaced (or it becomes city-wide). Sessions stay: each page
    loads the account's districts afresh, so the change holds from the next click."""
    c = await _named(session, login)
    if c.role == ROLE_MINSEI:
        raise InvalidInput("a 民生委員 account has no districts: link residents instead")
    if not districts and not is_admin:
        raise InvalidInput("give at least one district, or city-wide")
    for code in districts:
        if await session.get(District, code) is None:
            raise NotFound(f"no district with code {code!r}")
    await session.exec(delete(CoordinatorDistrict).where(col(CoordinatorDistrict.coordinator_id) == c.id))
    assert c.id is not None
    for code in dict.fromkeys(districts):
        session.add(CoordinatorDistrict(coordinator_id=c.id, district_code=code))
    c.is_admin = is_admin
    session.add(c)
    return c


async def revoke_token(session: AsyncSession, *, login: str) -> bool:
    """The API token stops working at once; False when the account had none."""
    c = await _named(session, login)
    had = c.api_token_hash is not None
    c.api_token_hash = None
    session.add(c)
    return had


async def _resident(session: AsyncSession, resident: str) -> Resident:
    r = await people.resident_by_ref(session, resident)
    if r is None or r.id is None:
        raise NotFound(f"no resident {resident!r}")
    return r


async def link_resident(session: AsyncSession, *, login: str, resident: str, now: datetime) -> Resident:
    c = await _named(session, login)
    if c.role != ROLE_MINSEI:
        raise InvalidInput(f"{login} is not a 民生委員 account")
    r = await _resident(session, resident)
    assert c.id is not None and r.id is not None
    if await session.get(MinseiResident, (c.id, r.id)) is None:
        session.add(MinseiResident(coordinator_id=c.id, resident_id=r.id, created_at=now))
    return r


async def unlink_resident(session: AsyncSession, *, login: str, resident: str) -> Resident:
    c = await _named(session, login)
    r = await _resident(session, resident)
    assert c.id is not None and r.id is not None
    link = await session.get(MinseiResident, (c.id, r.id))
    if link is None:
        raise NotFound(f"resident {resident!r} is not linked to {login}")
    await session.delete(link)
    return r


async def linked_residents(session: AsyncSession, coordinator_id: int) -> list[Resident]:
    rows = (
        await session.exec(
            select(Resident)
            .join(MinseiResident, col(MinseiResident.resident_id) == Resident.id)
            .where(MinseiResident.coordinator_id == coordinator_id)
            .order_by(col(Resident.id))
        )
    ).all()
    return list(rows)
