"""Routes of the simulator page (`/simulator`): the page, its static files, who plays whom (`cast.json`)
and the bot's clock (`clock`: read it, or move it forward when the server runs on a SimulatorClock).

The page talks to the LINE emulator directly (its control API has CORS on): it sends signed webhooks with
`POST /_emulator/events` and long-polls `GET /_emulator/messages`. This server only tells it where the
emulator is and which resident, supporters and groups the database knows, so any seeded world works.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from bot.clientaddr import is_loopback_address, is_loopback_url
from bot.clock import JST
from bot.config import ConfigError, Settings
from bot.messages import format_date
from bot.services import SERVICES
from bot.simulator.clock import SimulatorClock
from bot.store.models import LineGroup, Resident, Supporter

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC = Path(__file__).parent / "static"
MAX_SUPPORTERS = 3  # the page has room for a few 1:1 tabs, not a whole district


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def cast(request: web.Request) -> web.Response:
    """The people of one district that has a resident and a bound group, and the coordinators' group."""
    services = request.app[SERVICES]
    async with services.db.session() as s:
        groups = (await s.exec(select(LineGroup).where(col(LineGroup.active)).order_by(col(LineGroup.bound_at)))).all()
        district_groups = {g.district_code: g for g in groups if g.role == "district" and g.district_code}
        coordinators = next((g for g in groups if g.role == "coordinators"), None)
        residents = (await s.exec(select(Resident).where(col(Resident.active)).order_by(col(Resident.id)))).all()
        resident = next((r for r in residents if r.district_code in district_groups), None)
        district = resident.district_code if resident else next(iter(district_groups), None)
        supporters = []
        if district is not None:
            supporters = list(
                (
                    await s.exec(
                        select(Supporter)
                        .where(Supporter.district_code == district, col(Supporter.active))
                        .order_by(col(Supporter.id))
                        .limit(MAX_SUPPORTERS)
                    )
                ).all()
            )
    group = district_groups.get(district) if district else None
    body: dict[str, Any] = {
        "emulator": services.settings.line_api_base_url,
        "resident": {"id": resident.line_user_id, "name": resident.name} if resident else None,
        "supporters": [{"id": x.line_user_id, "name": x.name} for x in supporters],
        "group": {"id": group.group_id} if group else None,
        "coordinators": {"id": coordinators.group_id} if coordinators else None,
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def get_clock(request: web.Request) -> web.Response:
    clock = request.app[SERVICES].clock
    movable = isinstance(clock, SimulatorClock)
    return web.json_response(_clock_json(clock.now(), movable), headers={"Cache-Control": "no-store"})


async def advance_clock(request: web.Request) -> web.Response:
    """Move the bot's time forward (`{"minutes": n}`) and let the scheduler look at once."""
    services = request.app[SERVICES]
    clock = services.clock
    if not isinstance(clock, SimulatorClock):
        return web.json_response({"error": "this server's clock cannot be moved"}, status=409)
    try:
        data = await request.json()
        now = clock.advance(timedelta(minutes=float(data["minutes"])))
    except (ValueError, KeyError, TypeError) as e:
        return web.json_response({"error": str(e)}, status=400)
    services.wake_scheduler()
    return web.json_response(_clock_json(now, True))


def _clock_json(now: datetime, movable: bool) -> dict[str, Any]:
    local = now.astimezone(JST)
    text = f"{format_date(local.date())} {local.hour}:{local.minute:02d}"
    return {"now": now.isoformat(), "text": text, "movable": movable}


def refuse_unless_emulator(settings: Settings) -> None:
    """The simulator sends real, signed webhooks and shows what the bot sent: only ever against an emulator on
    this machine. Compared after parsing, so https://API.LINE.ME, a trailing dot or user-info do not pass."""
    urls = [settings.line_api_base_url, settings.line_data_api_url]
    if not all(is_loopback_url(u) for u in urls):
        raise ConfigError(
            "SIMULATOR=1 works only with the LINE emulator on this machine "
            "(LINE_API_BASE_URL=http://127.0.0.1:PORT or http://localhost:PORT)"
        )


@web.middleware
async def local_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The simulator's page and JSON (residents' LINE IDs and names in cast.json) answer only a browser on this
    machine, talking to us directly: not through a proxy (a proxy on this machine would be loopback too)."""
    if request.path.startswith("/simulator") and (
        not is_loopback_address(request.remote)
        or "X-Forwarded-For" in request.headers
        or "Forwarded" in request.headers
    ):
        raise web.HTTPNotFound()
    return await handler(request)


def add_routes(app: web.Application, settings: Settings) -> None:
    """Serve the simulator; refused unless the bot talks to an emulator on this machine."""
    refuse_unless_emulator(settings)
    log.info("simulator enabled at /simulator: for demonstrations only, never on a public server")
    app.middlewares.append(local_only)
    app.router.add_get("/simulator", page)
    app.router.add_get("/simulator/", page)
    app.router.add_get("/simulator/cast.json", cast)
    app.router.add_get("/simulator/clock", get_clock)
    app.router.add_post("/simulator/clock", advance_clock)
    app.router.add_static("/simulator/static/", STATIC, append_version=False)
