"""Escalation settings per district (when to remind, when to alert, quiet hours)."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard.pages.base import PREFIX, flash_redirect, form_str, render
from bot.dashboard.security import services, who
from bot.store import dashboard
from bot.store.errors import NotFound
from bot.store.models import District

SETTING_LIMITS = {
    "remind_after_minutes": (5, 7 * 24 * 60),
    "alert_after_minutes": (5, 14 * 24 * 60),
    "claimed_stale_hours": (1, 60 * 24),
    "quiet_start_hour": (0, 23),
    "quiet_end_hour": (0, 23),
}


async def settings_page(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.session() as s:
        districts = await dashboard.districts(s, w.scope)
    return await render(request, "settings.html", {"districts": districts, "nav": "settings"})


async def settings_submit(request: web.Request) -> web.Response:
    w = who(request)
    code = request.match_info["code"]
    if not w.may_see(code):
        raise NotFound(code)
    form = await request.post()
    values: dict[str, int] = {}
    for name, (low, high) in SETTING_LIMITS.items():
        try:
            v = int(form_str(form, name))
        except ValueError:
            return await flash_redirect(request, PREFIX + "/settings", M.DASH_NUMBER, error=True)
        if not low <= v <= high:
            return await flash_redirect(request, PREFIX + "/settings", M.dash_between(low, high), error=True)
        values[name] = v
    if values["alert_after_minutes"] <= values["remind_after_minutes"]:
        return await flash_redirect(
            request,
            PREFIX + "/settings",
            M.DASH_ALERT_AFTER_REMIND,
            error=True,
        )
    async with services(request).db.session() as s:
        d = await s.get(District, code)
        if d is None:
            raise NotFound(code)
        for k, v in values.items():
            setattr(d, k, v)
        s.add(d)
    return await flash_redirect(request, PREFIX + "/settings", M.dash_settings_saved(d.name))
