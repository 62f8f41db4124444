"""What a 民生委員's account may open: only the residents linked to it and their requests. Checked here, once,
for every page and API route that names a record, before any handler runs; the lists (未解決, 人, the API's
list) are narrowed by their handlers with `Who.residents`. Anything else (figures, exports, settings,
accounts, the audit log, supporters) is not theirs and looks missing, like another district's request."""

from __future__ import annotations

import re

from aiohttp import web

from bot.dashboard.security import WHO, Handler, services
from bot.store.errors import NotFound
from bot.store.models import HelpRequest

# Routes a 民生委員 may use; a record's id in them is checked against their residents below.
_REQUEST = re.compile(r"^/(?:dashboard|api)/requests/(?P<id>\d+)(?:/[a-z_]+)?$")
_RESIDENT = re.compile(r"^/dashboard/people/resident/(?P<id>\d+)(?:/proxies(?:/\d+)?)?$")
_OPEN = re.compile(r"^/dashboard/(?:|people|logout|sessions/end)$|^/api/requests$")


async def _allowed(request: web.Request, residents: frozenset[int]) -> bool:
    path = request.path
    if m := _RESIDENT.match(path):
        return int(m["id"]) in residents
    if m := _REQUEST.match(path):
        async with services(request).db.read() as s:
            req = await s.get(HelpRequest, int(m["id"]))
        return req is not None and req.resident_id in residents
    if request.method == "POST" and path == "/dashboard/people":
        return False  # adding people is for coordinators
    return bool(_OPEN.match(path))


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    w = request.get(WHO)
    if w is not None and w.residents is not None and not await _allowed(request, w.residents):
        if request.path.startswith("/api/"):
            return web.json_response({"error": "not found"}, status=404)
        raise NotFound("not linked to this 民生委員")
    return await handler(request)
