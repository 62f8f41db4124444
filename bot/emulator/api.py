"""The Messaging API endpoints the bot uses, answering from `EmulatorState` the way LINE answers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.emulator import ids
from bot.emulator.images import IMAGE_TYPES, check_rich_menu_image
from bot.emulator.state import EmulatorState, Group, PlatformError, RichMenu

STATE = web.AppKey("emulator_state", EmulatorState)
# Set by the middleware for each call, echoed in x-line-request-id and recorded with deliveries.
REQUEST_ID = web.RequestKey("emulator_request_id", str)

MESSAGE_QUOTA = 200  # the free plan's monthly push quota


def ok(payload: Any = None, status: int = 200) -> web.Response:
    return web.json_response({} if payload is None else payload, status=status)


async def read_json(request: web.Request) -> dict[str, Any]:
    # With validation off the spec check did not run, so the shape is checked here just enough not to crash.
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise PlatformError(400, "The request body has 1 error(s)") from None
    if not isinstance(body, dict):
        raise PlatformError(400, "The request body has 1 error(s)")
    return body


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise PlatformError(400, "The request body has 1 error(s)")
    return messages


# Messages ------------------------------------------------------------------------------------------


async def reply(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_json(request)
    messages = _messages(body)
    chat_id = state.consume_reply_token(str(body.get("replyToken", "")))
    state.check_reachable(chat_id)
    delivery = await state.deliver(chat_id, "reply", messages, request_id=request[REQUEST_ID])
    return ok({"sentMessages": delivery.sent_messages})


async def push(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_json(request)
    messages = _messages(body)
    retry_key = request.headers.get("X-Line-Retry-Key")
    state.check_retry_key(retry_key)
    to = str(body.get("to", ""))
    state.check_reachable(to)
    delivery = await state.deliver(to, "push", messages, request_id=request[REQUEST_ID], retry_key=retry_key)
    return ok({"sentMessages": delivery.sent_messages})


async def validate_messages(request: web.Request) -> web.Response:
    # The form was checked by the middleware; reaching the handler means LINE would accept these messages.
    _messages(await read_json(request))
    return ok()


async def message_content(request: web.Request) -> web.Response:
    """What a user sent as an image, video, voice message or file (served on the api-data host path)."""
    found = request.app[STATE].contents.get(request.match_info["messageId"])
    if found is None:
        raise PlatformError(404, "Not found")
    data, content_type = found
    return web.Response(body=data, content_type=content_type)


async def message_content_transcoding(request: web.Request) -> web.Response:
    if request.match_info["messageId"] not in request.app[STATE].contents:
        raise PlatformError(404, "Not found")
    return ok({"status": "succeeded"})


async def quota(request: web.Request) -> web.Response:
    return ok({"type": "limited", "value": MESSAGE_QUOTA})


async def quota_consumption(request: web.Request) -> web.Response:
    # Replies are free on LINE; only pushes count against the quota.
    state = request.app[STATE]
    return ok({"totalUsage": sum(1 for d in state.deliveries if d.via == "push")})


async def loading_start(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_json(request)
    chat_id = str(body.get("chatId", ""))
    seconds = body.get("loadingSeconds", 20)
    if not isinstance(seconds, int) or seconds % 5 or not 5 <= seconds <= 60:
        raise PlatformError(400, "The loadingSeconds value is invalid")
    user = state.users.get(chat_id)
    if user is None or not user.reachable:
        raise PlatformError(400, "The chatId is invalid")
    state.loading.append({"chatId": chat_id, "loadingSeconds": seconds, "at": state.clock()})
    return ok(status=202)


# Profiles and groups ----------------------------------------------------------------------------------------


def _profile(user_id: str, state: EmulatorState, *, full: bool) -> dict[str, Any]:
    user = state.users[user_id]
    out: dict[str, Any] = {"displayName": user.display_name, "userId": user.user_id}
    if user.picture_url:
        out["pictureUrl"] = user.picture_url
    if full:
        out["language"] = user.language
        if user.status_message:
            out["statusMessage"] = user.status_message
    return out


async def profile(request: web.Request) -> web.Response:
    state = request.app[STATE]
    user_id = request.match_info["userId"]
    user = state.users.get(user_id)
    if user is None or not user.reachable:
        raise PlatformError(404, "Not found")
    return ok(_profile(user_id, state, full=True))


def _group(request: web.Request) -> tuple[EmulatorState, Group]:
    state = request.app[STATE]
    group = state.groups.get(request.match_info["groupId"])
    if group is None or not group.bot_joined:
        raise PlatformError(404, "Not found")
    return state, group


async def group_member_profile(request: web.Request) -> web.Response:
    state, group = _group(request)
    user_id = request.match_info["userId"]
    if user_id not in group.members:
        raise PlatformError(404, "Not found")
    return ok(_profile(user_id, state, full=False))


async def group_summary(request: web.Request) -> web.Response:
    _, group = _group(request)
    out = {"groupId": group.group_id, "groupName": group.name}
    if group.picture_url:
        out["pictureUrl"] = group.picture_url
    return ok(out)


async def group_members_count(request: web.Request) -> web.Response:
    _, group = _group(request)
    return ok({"count": len(group.members)})


async def bot_info(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return ok(
        {
            "userId": state.bot_user_id,
            "basicId": "@000sasae",
            "displayName": state.bot_display_name,
            "chatMode": "bot",
            "markAsReadMode": "auto",
        }
    )


# Rich menus -----------------------------------------------------------------------------------------------


def _menu(state: EmulatorState, rich_menu_id: str) -> RichMenu:
    menu = state.rich_menus.get(rich_menu_id)
    if menu is None:
        raise PlatformError(404, "Not found")
    return menu


def _menu_json(menu: RichMenu) -> dict[str, Any]:
    return {"richMenuId": menu.rich_menu_id, **menu.body}


async def richmenu_create(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_json(request)
    menu = RichMenu(ids.rich_menu_id(), body)
    state.rich_menus[menu.rich_menu_id] = menu
    return ok({"richMenuId": menu.rich_menu_id})


async def richmenu_validate(request: web.Request) -> web.Response:
    await read_json(request)
    return ok()


async def richmenu_list(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return ok({"richmenus": [_menu_json(m) for m in state.rich_menus.values()]})


async def richmenu_get(request: web.Request) -> web.Response:
    return ok(_menu_json(_menu(request.app[STATE], request.match_info["richMenuId"])))


async def richmenu_delete(request: web.Request) -> web.Response:
    state = request.app[STATE]
    menu = _menu(state, request.match_info["richMenuId"])
    del state.rich_menus[menu.rich_menu_id]
    if state.default_rich_menu == menu.rich_menu_id:
        state.default_rich_menu = None
    state.user_rich_menus = {u: m for u, m in state.user_rich_menus.items() if m != menu.rich_menu_id}
    return ok()


async def richmenu_upload(request: web.Request) -> web.Response:
    state = request.app[STATE]
    menu = _menu(state, request.match_info["richMenuId"])
    if menu.image is not None:
        raise PlatformError(400, "An image has already been uploaded to the richmenu")
    content_type = request.content_type
    if content_type not in IMAGE_TYPES:
        raise PlatformError(415, "Unsupported Media Type")
    image = await request.read()
    check_rich_menu_image(image, content_type, menu.body.get("size", {}))
    menu.image, menu.image_type = image, content_type
    return ok()


async def richmenu_download(request: web.Request) -> web.Response:
    menu = _menu(request.app[STATE], request.match_info["richMenuId"])
    if menu.image is None:
        raise PlatformError(404, "Not found")
    return web.Response(body=menu.image, content_type=menu.image_type)


def _menu_with_image(state: EmulatorState, rich_menu_id: str) -> RichMenu:
    menu = _menu(state, rich_menu_id)
    if menu.image is None:
        raise PlatformError(400, "must upload richmenu image before applying it to user")
    return menu


async def default_richmenu_set(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.default_rich_menu = _menu_with_image(state, request.match_info["richMenuId"]).rich_menu_id
    return ok()


async def default_richmenu_get(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.default_rich_menu is None:
        raise PlatformError(404, "no default richmenu")
    return ok({"richMenuId": state.default_rich_menu})


async def default_richmenu_delete(request: web.Request) -> web.Response:
    request.app[STATE].default_rich_menu = None
    return ok()


async def user_richmenu_link(request: web.Request) -> web.Response:
    state = request.app[STATE]
    user_id = request.match_info["userId"]
    menu = _menu_with_image(state, request.match_info["richMenuId"])
    if user_id not in state.users:
        raise PlatformError(400, "The user ID is invalid")
    state.user_rich_menus[user_id] = menu.rich_menu_id
    return ok()


async def user_richmenu_get(request: web.Request) -> web.Response:
    state = request.app[STATE]
    menu_id = state.user_rich_menus.get(request.match_info["userId"])
    if menu_id is None:
        raise PlatformError(404, "the user has no richmenu")
    return ok({"richMenuId": menu_id})


async def user_richmenu_unlink(request: web.Request) -> web.Response:
    request.app[STATE].user_rich_menus.pop(request.match_info["userId"], None)
    return ok()


def add_routes(app: web.Application) -> None:
    # Fixed paths before templated ones, so /richmenu/list is not taken for a rich menu id.
    r = app.router
    r.add_post("/v2/bot/message/reply", reply)
    r.add_post("/v2/bot/message/push", push)
    r.add_post("/v2/bot/message/validate/reply", validate_messages)
    r.add_post("/v2/bot/message/validate/push", validate_messages)
    r.add_get("/v2/bot/message/{messageId}/content", message_content)
    r.add_get("/v2/bot/message/{messageId}/content/transcoding", message_content_transcoding)
    r.add_get("/v2/bot/message/quota", quota)
    r.add_get("/v2/bot/message/quota/consumption", quota_consumption)
    r.add_post("/v2/bot/chat/loading/start", loading_start)
    r.add_get("/v2/bot/profile/{userId}", profile)
    r.add_get("/v2/bot/group/{groupId}/member/{userId}", group_member_profile)
    r.add_get("/v2/bot/group/{groupId}/summary", group_summary)
    r.add_get("/v2/bot/group/{groupId}/members/count", group_members_count)
    r.add_get("/v2/bot/info", bot_info)
    r.add_post("/v2/bot/richmenu", richmenu_create)
    r.add_post("/v2/bot/richmenu/validate", richmenu_validate)
    r.add_get("/v2/bot/richmenu/list", richmenu_list)
    r.add_get("/v2/bot/richmenu/{richMenuId}", richmenu_get)
    r.add_delete("/v2/bot/richmenu/{richMenuId}", richmenu_delete)
    r.add_post("/v2/bot/richmenu/{richMenuId}/content", richmenu_upload)
    r.add_get("/v2/bot/richmenu/{richMenuId}/content", richmenu_download)
    r.add_get("/v2/bot/user/all/richmenu", default_richmenu_get)
    r.add_delete("/v2/bot/user/all/richmenu", default_richmenu_delete)
    r.add_post("/v2/bot/user/all/richmenu/{richMenuId}", default_richmenu_set)
    r.add_get("/v2/bot/user/{userId}/richmenu", user_richmenu_get)
    r.add_delete("/v2/bot/user/{userId}/richmenu", user_richmenu_unlink)
    r.add_post("/v2/bot/user/{userId}/richmenu/{richMenuId}", user_richmenu_link)
