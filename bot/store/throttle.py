"""The login throttle: attempts counted per login and per client address in one table, so every server
process counts the same guesses, and each slot is taken by one conditional UPDATE (atomic on PostgreSQL
and SQLite alike) before any password is checked.

Counting before checking is what makes it hold under a flood: a hundred parallel guesses at one login
race for five slots, and the other ninety-five are refused without an argon2 check. A right password
gives its slot back (the login's count is cleared).

Per address, the rule is narrower on purpose: behind a city office's NAT (or a misconfigured proxy) many
coordinators share one address, so an address's failures never refuse a login that has no failures of
its own. A guesser spraying one password at many logins still gets at most one try per login per window
from an address over its limit (that try is a failure of the login's own), then the per-login limit holds.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import DomainError
from bot.store.models import LoginThrottle

WINDOW = timedelta(minutes=15)
MAX_PER_LOGIN = 5
MAX_PER_ADDRESS = 20
_UNLIMITED = 2**30


class Throttled(DomainError):
    """Too many failed logins for this login (or, for a login with failures, from this address)."""


@dataclass(frozen=True)
class Ticket:
    """A slot taken for one password check."""

    login_key: str
    address_key: str
    own_failures: int  # this login's attempts before this one in the window (checks in flight included)


def _key(kind: str, value: str, pepper: bytes) -> str:
    # Keyed hashes: the table then holds neither typed logins (sometimes a password typed in the wrong box)
    # nor addresses, and a copy of it cannot be reversed by hashing every IPv4 address. The key is the LINE
    # channel secret, which every server process already shares.
    return hmac.new(pepper, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


async def _ensure(session: AsyncSession, key: str, now: datetime) -> None:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoginThrottle)
    await session.exec(ins.values(key=key, attempts=0, window_start=now).on_conflict_do_nothing(index_elements=["key"]))


async def _take(session: AsyncSession, key: str, *, limit: int, now: datetime) -> int | None:
    """Count one attempt if the key is under `limit` (or its window is over): the new count, else None.

    One statement: on PostgreSQL a concurrent UPDATE of the row waits for ours and then re-checks the
    WHERE on the row as we left it; on SQLite writers take turns. Either way no two attempts see the
    same count."""
    expired = col(LoginThrottle.window_start) < now - WINDOW
    for _ in range(2):
        result = await session.exec(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == key, sa.or_(col(LoginThrottle.attempts) < limit, expired))
            .values(
                attempts=sa.case((expired, 1), else_=col(LoginThrottle.attempts) + 1),
                window_start=sa.case((expired, now), else_=col(LoginThrottle.window_start)),
            )
            .returning(col(LoginThrottle.attempts))
        )
        row = result.first()
        if row is not None:
            return int(row[0])
        # Nothing updated: over the limit, or the row was an expired one that housekeeping deleted after
        # _ensure saw it. Only the first means "refuse".
        if (await session.exec(select(LoginThrottle.key).where(col(LoginThrottle.key) == key))).first():
            return None
        await _ensure(session, key, now)
    return None


async def reserve(session: AsyncSession, *, login: str, address: str, now: datetime, pepper: bytes) -> Ticket:
    """Take a slot for one password check, or raise Throttled. Commit before checking the password, so the
    slot counts for every other process at once; raising rolls back whatever was taken."""
    login_key, address_key = _key("login", login, pepper), _key("ip", address, pepper)
    await _ensure(session, login_key, now)
    await _ensure(session, address_key, now)
    taken = await _take(session, login_key, limit=MAX_PER_LOGIN, now=now)
    if taken is None:
        raise Throttled("login")
    own_failures = taken - 1
    if await _take(session, address_key, limit=MAX_PER_ADDRESS if own_failures else _UNLIMITED, now=now) is None:
        raise Throttled("address")
    return Ticket(login_key=login_key, address_key=address_key, own_failures=own_failures)


async def succeeded(session: AsyncSession, ticket: Ticket) -> None:
    """A right password: the login's failures are forgotten, and this attempt no longer counts against the
    address (its other failures do: one good password must not reopen guessing at other logins)."""
    await session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == ticket.login_key))
    await session.exec(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == ticket.address_key, col(LoginThrottle.attempts) > 0)
        .values(attempts=col(LoginThrottle.attempts) - 1)
    )


async def forget_expired(session: AsyncSession, *, now: datetime) -> int:
    result = await session.exec(delete(LoginThrottle).where(col(LoginThrottle.window_start) < now - WINDOW))
    return int(result.rowcount or 0)
