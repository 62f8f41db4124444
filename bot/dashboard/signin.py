"""Checking a sign-in: take a throttle slot (committed, so every process counts it), check the password off
the event loop, and on success give the slot back. Raises throttle.Throttled or passwords.Busy."""

from __future__ import annotations

from datetime import datetime

from bot.clientaddr import throttle_bucket
from bot.metrics import METRICS
from bot.passwords import Passwords
from bot.services import Services
from bot.store import coordinators, sessions, throttle


async def check(svc: Services, pw: Passwords, *, login: str, password: str, address: str, now: datetime) -> int | None:
    """The coordinator's id for a right login and password of an active account, else None."""
    login = login.strip()[:64]
    try:
        async with svc.db.session() as s:
            c = await coordinators.by_login(s, login)
            stored, cid, active = (c.password_hash, c.id, c.active) if c is not None else (None, None, False)
            ticket = await throttle.reserve(
                s, login=login, address=throttle_bucket(address)[:64], now=now, pepper=svc.secret
            )
    except throttle.Throttled:
        METRICS.logins_throttled.inc()
        raise
    # An unknown login is checked against a dummy hash: it costs as long as a wrong password. An account
    # without failures of its own goes first and is never turned away, however many others are guessing.
    ok = await pw.verify(stored, password, first=stored is not None and ticket.own_failures == 0)
    if not ok or not active or cid is None or stored is None:
        return None  # the slot stays taken: this was a failure of this login's own
    new_hash = await pw.rehash_if_needed(stored, password)
    async with svc.db.session() as s:
        await throttle.succeeded(s, ticket)
        await coordinators.signed_in(s, coordinator_id=cid, new_hash=new_hash, now=now)
        # Housekeeping at a quiet moment (a few sign-ins a day): the tables stay small even without cron.
        await throttle.forget_expired(s, now=now)
        await sessions.forget_expired(s, now=now)
    return cid
