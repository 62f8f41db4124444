"""Coordinator accounts: argon2 password hashes, their districts, API tokens and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from bot.store.models import Coordinator, CoordinatorDistrict, District, LoginAttempt

_HASHER = PasswordHasher()
# Verified when the login is unknown, so a wrong login takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("sasaeai-no-such-coordinator")

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_IP = 20
MIN_PASSWORD_LENGTH = 10


class Throttled(DomainError):
    """Too many failed logins for this login or from this address; try again later."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


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
) -> Coordinator:
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise InvalidInput("login must be 1–64 characters without spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if not districts and not is_admin:
        raise InvalidInput("give at least one --district, or --admin")
    if (await session.exec(select(Coordinator).where(Coordinator.login == login))).first():
        raise AlreadyExists(f"coordinator {login} already exists")
    for code in districts:
        if await session.get(District, code) is None:
            raise NotFound(f"no district with code {code!r}")
    c = Coordinator(
        login=login,
        name=name.strip() or login,
        password_hash=hash_password(password),
        is_admin=is_admin,
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
    """The district codes a coordinator may see; None means all (admin)."""
    if coordinator.is_admin:
        return None
    rows = (
        await session.exec(
            select(CoordinatorDistrict.district_code).where(CoordinatorDistrict.coordinator_id == coordinator.id)
        )
    ).all()
    return frozenset(rows)


async def _failures(session: AsyncSession, *, since: datetime, login: str | None = None, ip: str | None = None) -> int:
    q = select(func.count()).select_from(LoginAttempt).where(col(LoginAttempt.at) >= since)
    if login is not None:
        q = q.where(LoginAttempt.login == login)
    if ip is not None:
        q = q.where(LoginAttempt.ip == ip)
    return int((await session.exec(q)).one())


async def check_throttle(session: AsyncSession, *, login: str, ip: str, now: datetime) -> None:
    since = now - THROTTLE_WINDOW
    if await _failures(session, since=since, login=login[:64]) >= MAX_FAILURES_PER_LOGIN:
        raise Throttled(login)
    if await _failures(session, since=since, ip=ip[:64]) >= MAX_FAILURES_PER_IP:
        raise Throttled(ip)


async def authenticate(
    session: AsyncSession, *, login: str, password: str, ip: str, now: datetime
) -> Coordinator | None:
    """The coordinator, or None for a wrong login or password (a failure is recorded).

    Raises Throttled before checking anything when too many failures came for this login or address.
    """
    login = login.strip()[:64]
    await check_throttle(session, login=login, ip=ip, now=now)
    c = (await session.exec(select(Coordinator).where(Coordinator.login == login))).first()
    ok = False
    try:
        ok = _HASHER.verify(c.password_hash if c is not None else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or c is None or not c.active:
        session.add(LoginAttempt(login=login, ip=ip[:64], at=now))
        return None
    if _HASHER.check_needs_rehash(c.password_hash):
        c.password_hash = hash_password(password)
    c.last_login_at = now
    session.add(c)
    # A success clears this login's failures (not the address's: one good password must not
    # reopen guessing at every other account from the same place).
    await session.exec(delete(LoginAttempt).where(col(LoginAttempt.login) == login))
    return c


async def forget_old_attempts(session: AsyncSession, *, now: datetime) -> None:
    await session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - THROTTLE_WINDOW * 4))
