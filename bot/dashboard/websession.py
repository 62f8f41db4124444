"""The dashboard's session for one browser: a random id in the cookie, everything else in the database
(bot.store.sessions), so ending it anywhere ends it everywhere and a copied cookie dies with it."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.services import SERVICES
from bot.store import sessions

COOKIE_NAME = "sasaeai_session"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class WebSession:
    token: str | None = None  # None: nothing stored yet (no cookie until something must be kept)
    coordinator_id: int | None = None
    csrf: str = ""
    flash: dict[str, Any] | None = None
    created_at: datetime | None = None
    changed: bool = False
    ended: bool = False
    retired: list[str] = field(default_factory=list)  # ids to delete: the one before sign-in, or at sign-out

    def csrf_token(self) -> str:
        if not self.csrf:
            self.csrf = secrets.token_urlsafe(32)
            self.changed = True
        return self.csrf

    def pop_flash(self) -> dict[str, Any] | None:
        flash, self.flash = self.flash, None
        if flash is not None:
            self.changed = True
        return flash

    def set_flash(self, text: str, *, error: bool) -> None:
        self.flash = {"text": text, "error": error}
        self.changed = True

    def sign_in(self, coordinator_id: int) -> None:
        """A new id and CSRF token at sign-in: nothing from before (a planted cookie) carries over."""
        if self.token:
            self.retired.append(self.token)
        self.token, self.coordinator_id, self.created_at = None, coordinator_id, None
        self.csrf = secrets.token_urlsafe(32)
        self.changed = True

    def sign_out(self) -> None:
        if self.token:
            self.retired.append(self.token)
        self.ended = True


WEB_SESSION = web.RequestKey("sasaeai_web_session", WebSession)


def web_session(request: web.Request) -> WebSession:
    return request[WEB_SESSION]


def middleware(*, secure: bool) -> Middleware:
    @web.middleware
    async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        svc = request.config_dict[SERVICES]
        token = request.cookies.get(COOKIE_NAME, "")
        ws = WebSession()
        if token:
            async with svc.db.read() as s:
                row = await sessions.load(s, token, now=svc.clock.now())
            if row is not None:
                ws = WebSession(token, row.coordinator_id, row.csrf, row.flash, row.created_at)
        request[WEB_SESSION] = ws
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as e:
            await _store(request, ws, e, secure=secure, stale=bool(token) and ws.token is None)
            raise
        await _store(request, ws, response, secure=secure, stale=bool(token) and ws.token is None)
        return response

    return session_middleware


async def _store(
    request: web.Request, ws: WebSession, response: web.StreamResponse, *, secure: bool, stale: bool
) -> None:
    svc = request.config_dict[SERVICES]
    if not (ws.changed or ws.ended or ws.retired):
        if stale:  # a cookie for a session that ended: drop it
            response.del_cookie(COOKIE_NAME, path="/")
        return
    now = svc.clock.now()
    async with svc.db.session() as s:
        for old in ws.retired:
            await sessions.end(s, old)
        if ws.ended:
            response.del_cookie(COOKIE_NAME, path="/")
            return
        if ws.token is None:
            ws.token = sessions.new_token()
            life = sessions.SIGNED_IN_FOR if ws.coordinator_id is not None else sessions.ANONYMOUS_FOR
            response.set_cookie(
                COOKIE_NAME,
                ws.token,
                path="/",
                httponly=True,
                # Lax, not Strict: a coordinator follows the dashboard link in a LINE alert and should arrive
                # signed in; every change is a POST with a CSRF token, which Lax never sends cross-site anyway.
                samesite="Lax",
                secure=secure,
                max_age=int(life.total_seconds()),
            )
        await sessions.save(
            s,
            ws.token,
            coordinator_id=ws.coordinator_id,
            csrf=ws.csrf,
            flash=ws.flash,
            now=now,
            created_at=ws.created_at,
        )
