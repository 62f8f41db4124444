"""The `/_emulator/` JSON API, so another process (subprocess tests, the demo, the simulator) can drive it."""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.events import EventFactory, redelivery
from bot.emulator.faults import FaultRule
from bot.emulator.webhook import WebhookResponse

if TYPE_CHECKING:
    from bot.emulator.server import EmulatorServer

SERVER: web.AppKey[EmulatorServer] = web.AppKey("emulator_server")
MAX_WAIT = 60.0


class BadControlRequest(Exception):
    pass


async def _json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError as e:
        raise BadControlRequest(f"invalid JSON: {e}") from None
    if not isinstance(data, dict):
        raise BadControlRequest("expected a JSON object")
    return data


# The simulator page is served by the bot's own server, so a browser calls this API cross-origin.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/_emulator/"):
        inner: web.StreamResponse = await handler(request)
        return inner
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS)
    # Mistakes in a control request are the caller's: answer 400 with the reason instead of a 500.
    try:
        response: web.StreamResponse = await handler(request)
    except (BadControlRequest, ValueError, TypeError, KeyError) as e:
        response = web.json_response({"error": f"{type(e).__name__}: {e}"}, status=400)
    response.headers.update(CORS)
    return response


def _server(request: web.Request) -> EmulatorServer:
    return request.app[SERVER]


def _config(server: EmulatorServer) -> dict[str, Any]:
    s = server.state
    return {
        "webhook_url": s.webhook_url,
        "reply_token_ttl": s.reply_token_ttl,
        "validate": s.validate,
        "latency": list(s.faults.latency) if s.faults.latency else None,
        "redelivery": s.redelivery,
        "bot_user_id": s.bot_user_id,
        "url": server.url,
    }


async def reset(request: web.Request) -> web.Response:
    _server(request).state.reset()
    return web.json_response({"ok": True})


async def get_config(request: web.Request) -> web.Response:
    return web.json_response(_config(_server(request)))


async def set_config(request: web.Request) -> web.Response:
    server = _server(request)
    data = await _json(request)
    unknown = set(data) - {"webhook_url", "reply_token_ttl", "validate", "latency", "redelivery"}
    if unknown:
        raise BadControlRequest(f"unknown config fields: {sorted(unknown)}")
    if "webhook_url" in data:
        server.state.webhook_url = data["webhook_url"]
    if "reply_token_ttl" in data:
        server.state.reply_token_ttl = float(data["reply_token_ttl"])
    if "validate" in data:
        server.state.validate = bool(data["validate"])
    if "redelivery" in data:
        server.state.redelivery = bool(data["redelivery"])
    if "latency" in data:
        lat = data["latency"]
        server.state.faults.latency = None if lat is None else (float(lat[0]), float(lat[1]))
    return web.json_response(_config(server))


async def get_people(request: web.Request) -> web.Response:
    return web.json_response(_server(request).state.snapshot())


async def add_users(request: web.Request) -> web.Response:
    data = await _json(request)
    users = data.get("users", [data])
    state = _server(request).state
    out = []
    for u in users:
        extra = {k: u[k] for k in ("blocked", "language", "picture_url", "status_message") if k in u}
        user = state.add_user(u["userId"], u.get("displayName"), friend=u.get("friend", True), **extra)
        out.append(asdict(user))
    return web.json_response({"users": out})


async def add_groups(request: web.Request) -> web.Response:
    data = await _json(request)
    groups = data.get("groups", [data])
    state = _server(request).state
    out = []
    for g in groups:
        group = state.add_group(g["groupId"], g.get("groupName"), g.get("members", []))
        if "bot_joined" in g:
            group.bot_joined = bool(g["bot_joined"])
        out.append(asdict(group))
    return web.json_response({"groups": out})


def _result(response: WebhookResponse, events: list[dict[str, Any]] | None) -> web.Response:
    return web.json_response({"status": response.status, "body": response.body, "events": events})


async def send_events(request: web.Request) -> web.Response:
    """`{"type": builder, "args": {}}`, `{"events": [...]}` (built or literal), `{"raw", "signature"}`."""
    server = _server(request)
    data = await _json(request)
    if "raw" in data or "raw_base64" in data:
        raw = base64.b64decode(data["raw_base64"]) if "raw_base64" in data else str(data["raw"]).encode()
        sign = data.get("sign", False)
        signature = server.sign(raw) if sign else data.get("signature")
        return _result(await server.webhook.send_raw(raw, signature), None)
    factory = EventFactory(server.state)
    if "events" in data:
        events = [factory.build(e["type"], e.get("args", {})) if "args" in e else e for e in data["events"]]
    else:
        events = [factory.build(data["type"], data.get("args", {}))]
    return _result(await server.webhook.send_events(events), events)


async def redeliver(request: web.Request) -> web.Response:
    data = await _json(request)
    event = redelivery(data["event"])
    return _result(await _server(request).webhook.send_events([event]), [event])


async def redeliver_pending(request: web.Request) -> web.Response:
    results = await _server(request).webhook.redeliver_pending()
    return web.json_response(
        {"results": [{"status": r.status, "body": r.body, "events": events} for r, events in results]}
    )


async def timeline(request: web.Request) -> web.Response:
    """Webhooks and deliveries after `since`, interleaved in order (the simulator's chat views), long-polled."""
    state = _server(request).state
    since = int(request.query.get("since", "0"))
    wait = min(float(request.query.get("wait", "0")), MAX_WAIT)
    items = await state.wait_for_timeline(since, wait) if wait > 0 else state.timeline_since(since)
    return web.json_response({"items": items, "last_seq": state.last_seq})


async def messages(request: web.Request) -> web.Response:
    """Deliveries after `since` (a seq), optionally for one chat `to`, long-polling up to `wait` seconds."""
    state = _server(request).state
    since = int(request.query.get("since", "0"))
    wait = min(float(request.query.get("wait", "0")), MAX_WAIT)
    to = request.query.get("to")
    if wait > 0:
        found = await state.wait_for_deliveries(since, wait, to)
    else:
        found = state.deliveries_since(since, to)
    return web.json_response({"deliveries": [d.to_dict() for d in found], "last_seq": state.last_seq})


async def violations(request: web.Request) -> web.Response:
    return web.json_response({"violations": [asdict(v) for v in _server(request).state.violations]})


async def calls(request: web.Request) -> web.Response:
    state = _server(request).state
    found = state.calls(request.query.get("path"), request.query.get("method"))
    return web.json_response({"calls": [asdict(c) for c in found]})


async def webhooks(request: web.Request) -> web.Response:
    return web.json_response({"webhooks": [asdict(w) for w in _server(request).state.webhook_calls]})


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response({"faults": [f.to_dict() for f in _server(request).state.faults.rules]})


async def add_faults(request: web.Request) -> web.Response:
    data = await _json(request)
    state = _server(request).state
    rules = [FaultRule.from_dict(f) for f in data.get("faults", [data])]
    for rule in rules:
        state.faults.add(rule)
    return web.json_response({"faults": [f.to_dict() for f in state.faults.rules]})


async def clear_faults(request: web.Request) -> web.Response:
    _server(request).state.faults.clear()
    return web.json_response({"faults": []})


async def outage(request: web.Request) -> web.Response:
    """Stop listening for `seconds` (connections are refused, this control API included), then come back."""
    data = await _json(request)
    seconds = float(data["seconds"])
    _server(request).start_outage(seconds, spare=request.protocol)
    return web.json_response({"ok": True, "seconds": seconds})


async def rich_menus(request: web.Request) -> web.Response:
    """Rich menus and which one each user sees, for the simulator (images at .../richmenus/{id}/image)."""
    s = _server(request).state
    return web.json_response(
        {
            "richmenus": [
                {"richMenuId": m.rich_menu_id, "hasImage": m.image is not None, **m.body} for m in s.rich_menus.values()
            ],
            "default": s.default_rich_menu,
            "users": s.user_rich_menus,
        }
    )


async def rich_menu_image(request: web.Request) -> web.Response:
    menu = _server(request).state.rich_menus.get(request.match_info["richMenuId"])
    if menu is None or menu.image is None:
        return web.json_response({"error": "no such image"}, status=404)
    return web.Response(body=menu.image, content_type=menu.image_type)


def add_routes(app: web.Application) -> None:
    r = app.router
    p = "/_emulator"
    r.add_post(f"{p}/reset", reset)
    r.add_get(f"{p}/config", get_config)
    r.add_post(f"{p}/config", set_config)
    r.add_get(f"{p}/people", get_people)
    r.add_post(f"{p}/users", add_users)
    r.add_post(f"{p}/groups", add_groups)
    r.add_post(f"{p}/events", send_events)
    r.add_post(f"{p}/redeliver", redeliver)
    r.add_post(f"{p}/redeliver_pending", redeliver_pending)
    r.add_get(f"{p}/messages", messages)
    r.add_get(f"{p}/timeline", timeline)
    r.add_get(f"{p}/violations", violations)
    r.add_get(f"{p}/calls", calls)
    r.add_get(f"{p}/webhooks", webhooks)
    r.add_get(f"{p}/faults", get_faults)
    r.add_post(f"{p}/faults", add_faults)
    r.add_delete(f"{p}/faults", clear_faults)
    r.add_post(f"{p}/outage", outage)
    r.add_get(f"{p}/richmenus", rich_menus)
    r.add_get(p + "/richmenus/{richMenuId}/image", rich_menu_image)
