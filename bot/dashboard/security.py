"""CSRF tokens, the signed-in coordinator and the client's address: what every dashboard page and API call
checks first. Sessions themselves live in bot.dashboard.websession."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.clientaddr import client_address, parse_networks
from bot.services import SERVICES, Services
from bot.store import coordinators
from bot.store.dashboard import Scope, in_scope
from bot.store.models import Coordinator

CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def services(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def csrf_ok(expected: str, sent: str | None) -> bool:
    return bool(expected and sent) and hmac.compare_digest(expected.encode(), str(sent).encode())


@dataclass
class Who:
    coordinator: Coordinator
    scope: Scope  # None: all districts
    # A 民生委員's linked residents: the only residents (and their requests) they see; None for coordinators.
    residents: frozenset[int] | None = None

    def may_see(self, district_code: str | None) -> bool:
        return in_scope(self.scope, district_code)

    def may_see_resident(self, resident_id: int | None, district_code: str | None) -> bool:
        if self.residents is not None and resident_id not in self.residents:
            return False
        return self.may_see(district_code)

    @property
    def city_wide(self) -> bool:
        """Accounts and the audit log are for the city's coordinators only."""
        return self.scope is None and self.residents is None


WHO = web.RequestKey("sasaeai_who", Who)


def who(request: web.Request) -> Who:
    return request[WHO]


async def load_who(request: web.Request, coordinator_id: Any) -> Who | None:
    if not isinstance(coordinator_id, int):
        return None
    async with services(request).db.read() as s:
        c = await coordinators.get(s, coordinator_id)
        if c is None:
            return None
        return Who(c, await coordinators.districts_of(s, c), await coordinators.residents_of(s, c))


def client_ip(request: web.Request) -> str:
    """The TCP peer, or behind a proxy listed in TRUSTED_PROXIES the address that proxy saw. Never the
    header alone: anyone can send X-Forwarded-For, and a guesser would pick a new address for every try."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    host = peer[0] if isinstance(peer, tuple) and peer else request.remote
    trusted = parse_networks(services(request).settings.trusted_proxies)
    return client_address(host, request.headers.getall("X-Forwarded-For", []), trusted)
