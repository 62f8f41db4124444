"""A request's page and the coordinator's actions on it."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard import actions
from bot.dashboard.pages.base import PREFIX, flash_redirect, now, render
from bot.dashboard.security import services, who
from bot.store import dashboard, relays
from bot.store.errors import InvalidInput
from bot.store.ids import parse_id


def request_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


async def request_page(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.session() as s:
        d = await dashboard.detail(s, request_id=request_id(request), scope=w.scope)
        relayed = await relays.for_request(s, request_id(request))  # after detail: its scope check comes first
    return await render(
        request,
        "request.html",
        {
            "d": d,
            "kind": dashboard.kind_of(d.req),
            "sensitive": d.req.category in dashboard.SENSITIVE,
            "action_labels": M.DASH_ACTION_LABELS,
            "actor_labels": M.DASH_ACTOR_LABELS,
            "purpose_labels": M.DASH_PURPOSE_LABELS,
            "delivery_status": M.DASH_DELIVERY_STATUS,
            "job_labels": M.DASH_JOB_LABELS,
            "relayed": relayed,
            "relay_labels": M.DASH_RELAY_SENDERS,
            "when": M.format_when(d.req.when_date, d.req.when_time, d.req.when_part),
            "nav": "home",
        },
    )


async def request_action(request: web.Request) -> web.Response:
    w = who(request)
    rid = request_id(request)
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    here = f"{PREFIX}/requests/{rid}"
    try:
        text = await actions.act(
            services(request),
            request_id=rid,
            scope=w.scope,
            login=w.coordinator.login,
            action=request.match_info["action"],
            form=fields,
            now=now(request),
        )
    except actions.NotAFriend as e:
        return await flash_redirect(request, here, M.dash_not_a_friend(str(e)), error=True)
    except actions.Refused:
        return await flash_redirect(request, here, M.DASH_REFUSED, error=True)
    except InvalidInput:
        return await flash_redirect(request, here, M.DASH_CHECK_INPUT, error=True)
    return await flash_redirect(request, here, text)
