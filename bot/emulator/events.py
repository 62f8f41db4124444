"""Webhook event builders, shaped as `spec/webhook.yml` says; reply tokens are issued through the state."""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator import ids
from bot.emulator.state import EmulatorState

Event = dict[str, Any]

# Builders a remote caller may name in the control API (`{"type": "text", "args": {...}}`).
BUILDERS = (
    "text",
    "sticker",
    "image",
    "video",
    "audio",
    "file",
    "location",
    "postback",
    "follow",
    "unfollow",
    "join",
    "leave",
    "member_joined",
    "member_left",
)


# Placeholder media for users' images, videos, voice messages and files, served by GET .../content; a test
# that cares about the bytes passes its own `content=`.
_PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da6300010000050001a5f645400000000049454e44ae426082"
)
PLACEHOLDER_CONTENT = {
    "image": (_PNG_1X1, "image/png"),
    "video": (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
    "audio": (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom", "audio/x-m4a"),
    "file": (b"%PDF-1.4\n%%EOF\n", "application/octet-stream"),
}


def source(user_id: str | None, group_id: str | None = None, room_id: str | None = None) -> dict[str, str]:
    if group_id is not None:
        src = {"type": "group", "groupId": group_id}
    elif room_id is not None:
        src = {"type": "room", "roomId": room_id}
    else:
        src = {"type": "user"}
    if user_id is not None:
        src["userId"] = user_id
    return src


def redelivery(event: Event) -> Event:
    """The same event as LINE redelivers it: same webhookEventId and reply token, isRedelivery true."""
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    return again


class EventFactory:
    """Builds events as LINE would send them now, issuing a reply token for every event kind that has one."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _base(
        self,
        kind: str,
        user_id: str | None,
        group_id: str | None = None,
        room_id: str | None = None,
        *,
        replyable: bool = True,
    ) -> Event:
        now_ms = int(self.state.clock() * 1000)
        event: Event = {
            "type": kind,
            "timestamp": now_ms,
            "mode": "active",
            "webhookEventId": ids.ulid(now_ms),
            "deliveryContext": {"isRedelivery": False},
            "source": source(user_id, group_id, room_id),
        }
        if replyable:
            chat = group_id or room_id or user_id
            assert chat is not None
            event["replyToken"] = self.state.issue_reply_token(chat)
        return event

    def _message(
        self,
        user_id: str,
        group_id: str | None,
        room_id: str | None,
        content: dict[str, Any],
        media: tuple[bytes, str] | None = None,
    ) -> Event:
        event = self._base("message", user_id, group_id, room_id)
        message_id = ids.message_id()
        event["message"] = {"id": message_id, **content}
        if media is not None:
            self.state.contents[message_id] = media
        return event

    @staticmethod
    def _media(kind: str, content: bytes | None, content_type: str | None) -> tuple[bytes, str]:
        default, default_type = PLACEHOLDER_CONTENT[kind]
        return (default if content is None else content, content_type or default_type)

    def text(
        self,
        user_id: str,
        text: str,
        group_id: str | None = None,
        room_id: str | None = None,
        quoted_message_id: str | None = None,
    ) -> Event:
        content: dict[str, Any] = {"type": "text", "text": text, "quoteToken": ids.quote_token()}
        if quoted_message_id is not None:
            content["quotedMessageId"] = quoted_message_id
        return self._message(user_id, group_id, room_id, content)

    def sticker(
        self,
        user_id: str,
        package_id: str = "446",
        sticker_id: str = "1988",
        group_id: str | None = None,
        room_id: str | None = None,
        keywords: list[str] | None = None,
    ) -> Event:
        content: dict[str, Any] = {
            "type": "sticker",
            "packageId": package_id,
            "stickerId": sticker_id,
            "stickerResourceType": "STATIC",
            "quoteToken": ids.quote_token(),
        }
        if keywords is not None:
            content["keywords"] = keywords
        return self._message(user_id, group_id, room_id, content)

    def image(
        self,
        user_id: str,
        group_id: str | None = None,
        room_id: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Event:
        message = {"type": "image", "contentProvider": {"type": "line"}, "quoteToken": ids.quote_token()}
        return self._message(user_id, group_id, room_id, message, self._media("image", content, content_type))

    def video(
        self,
        user_id: str,
        duration_ms: int = 8000,
        group_id: str | None = None,
        room_id: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Event:
        message = {
            "type": "video",
            "duration": duration_ms,
            "contentProvider": {"type": "line"},
            "quoteToken": ids.quote_token(),
        }
        return self._message(user_id, group_id, room_id, message, self._media("video", content, content_type))

    def audio(
        self,
        user_id: str,
        duration_ms: int = 5000,
        group_id: str | None = None,
        room_id: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Event:
        message = {"type": "audio", "duration": duration_ms, "contentProvider": {"type": "line"}}
        return self._message(user_id, group_id, room_id, message, self._media("audio", content, content_type))

    def file(
        self,
        user_id: str,
        file_name: str = "document.pdf",
        file_size: int = 2048,
        group_id: str | None = None,
        room_id: str | None = None,
        content: bytes | None = None,
    ) -> Event:
        message = {"type": "file", "fileName": file_name, "fileSize": file_size}
        return self._message(user_id, group_id, room_id, message, self._media("file", content, None))

    def location(
        self,
        user_id: str,
        latitude: float = 36.5613,
        longitude: float = 136.6562,
        title: str | None = None,
        address: str | None = "石川県金沢市広坂1丁目1-1",
        group_id: str | None = None,
        room_id: str | None = None,
    ) -> Event:
        content: dict[str, Any] = {"type": "location", "latitude": latitude, "longitude": longitude}
        if title is not None:
            content["title"] = title
        if address is not None:
            content["address"] = address
        return self._message(user_id, group_id, room_id, content)

    def postback(
        self,
        user_id: str,
        data: str,
        group_id: str | None = None,
        room_id: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Event:
        """`params` as LINE sends them from pickers: {"date": "2026-12-02"}, {"time": "09:00"}, "datetime"."""
        event = self._base("postback", user_id, group_id, room_id)
        postback: dict[str, Any] = {"data": data}
        if params is not None:
            postback["params"] = params
        event["postback"] = postback
        return event

    def follow(self, user_id: str, is_unblocked: bool = False) -> Event:
        event = self._base("follow", user_id)
        event["follow"] = {"isUnblocked": is_unblocked}
        return event

    def unfollow(self, user_id: str) -> Event:
        return self._base("unfollow", user_id, replyable=False)

    def join(self, group_id: str) -> Event:
        # Join events carry no userId: LINE does not say who added the bot.
        return self._base("join", None, group_id)

    def leave(self, group_id: str) -> Event:
        return self._base("leave", None, group_id, replyable=False)

    def member_joined(self, group_id: str, user_ids: list[str]) -> Event:
        event = self._base("memberJoined", None, group_id)
        event["joined"] = {"members": [{"type": "user", "userId": u} for u in user_ids]}
        return event

    def member_left(self, group_id: str, user_ids: list[str]) -> Event:
        event = self._base("memberLeft", None, group_id, replyable=False)
        event["left"] = {"members": [{"type": "user", "userId": u} for u in user_ids]}
        return event

    def build(self, name: str, args: dict[str, Any]) -> Event:
        """Build by name, for the control API; only the names in BUILDERS are reachable."""
        if name not in BUILDERS:
            raise ValueError(f"unknown event builder {name!r}; known: {', '.join(BUILDERS)}")
        builder = getattr(self, name)
        event: Event = builder(**args)
        return event
