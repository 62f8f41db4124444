"""Sessions, CSRF tokens and the signed-in coordinator: what every dashboard page and API call checks first."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bot.config import ConfigError, Settings, is_placeholder
from bot.services import SERVICES, Services
from bot.store import coordinators
from bot.store.dashboard import Scope, in_scope
from bot.store.models import Coordinator

log = logging.getLogger(__name__)

COOKIE_NAME = "sasaeai_session"
SESSION_HOURS = 12  # a working day; then sign in again
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fernet_from_settings(settings: Settings) -> Fernet:
    """The cookie key, derived from DASHBOARD_SECRET_KEY.

    A placeholder is refused; an unset key is refused behind HTTPS (production) and otherwise replaced
    by a random one, so `make run` works (sessions then end when the process stops, and several
    processes would not share them).
    """
    raw = settings.dashboard_secret_key.get_secret_value()
    if raw and (is_placeholder(raw) or len(raw) < 16):
        raise ConfigError(
            "DASHBOARD_SECRET_KEY is a placeholder or shorter than 16 characters: set a long random value"
        )
    if not raw:
        if settings.public_base_url.startswith("https://"):
            raise ConfigError("DASHBOARD_SECRET_KEY missing: set a long random value (e.g. `openssl rand -hex 32`)")
        log.warning("DASHBOARD_SECRET_KEY is not set: using a random key; dashboard sessions end at restart")
        raw = secrets.token_hex(32)
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest()))


def cookie_storage(settings: Settings) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(
        fernet_from_settings(settings),
        cookie_name=COOKIE_NAME,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        # Lax, not Strict: a coordinator follows the dashboard link in a LINE alert and should arrive signed in;
        # every change is a POST with a CSRF token, which Lax never sends cross-site anyway.
        samesite="Lax",
        secure=settings.public_base_url.startswith("https://"),
    )


def services(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def csrf_token(session: Session) -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def csrf_ok(session: Session, sent: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(expected).encode(), str(sent).encode())


@dataclass
class Who:
    coordinator: Coordinator
    scope: Scope  # None: all districts

    def may_see(self, district_code: str | None) -> bool:
        return in_scope(self.scope, district_code)


WHO = web.RequestKey("sasaeai_who", Who)


def who(request: web.Request) -> Who:
    return request[WHO]


async def load_who(request: web.Request, coordinator_id: Any) -> Who | None:
    if not isinstance(coordinator_id, int):
        return None
    async with services(request).db.session() as s:
        c = await coordinators.get(s, coordinator_id)
        if c is None:
            return None
        return Who(c, await coordinators.districts_of(s, c))


def client_ip(request: web.Request) -> str:
    # The peer address, not X-Forwarded-For: a header anyone can set would let a guesser dodge the throttle.
    # Behind a reverse proxy, run it with aiohttp's forwarded-header support configured for that proxy.
    return request.remote or "?"
