"""The emulated platform's memory: people, groups, tokens, retry keys, rich menus and everything delivered."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.emulator import ids
from bot.emulator.faults import Faults

Via = Literal["reply", "push"]

log = logging.getLogger(__name__)

DEFAULT_REPLY_TOKEN_TTL = 60.0
# LINE keeps retry keys for 24 hours; the emulator never runs that long, so it keeps them for its lifetime.


class PlatformError(Exception):
    """A request LINE refuses for a reason of state (not of shape); mapped to an HTTP answer at the edge."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}  # more fields of LINE's error body, e.g. sentMessages on a 409


@dataclass(slots=True)
class User:
    user_id: str
    display_name: str
    friend: bool = True
    blocked: bool = False
    language: str = "ja"
    picture_url: str | None = None
    status_message: str | None = None

    @property
    def reachable(self) -> bool:
        return self.friend and not self.blocked


@dataclass(slots=True)
class Group:
    group_id: str
    name: str
    members: list[str] = field(default_factory=list)
    bot_joined: bool = True
    picture_url: str | None = None


@dataclass(slots=True)
class Delivery:
    """One accepted reply or push: what the chat `to` now shows."""

    seq: int
    at: float
    to: str
    via: Via
    retry_key: str | None
    request_id: str
    messages: list[dict[str, Any]]
    # What LINE answered: one {"id", "quoteToken"} per message (repeated in a 409 for the same retry key).
    sent_messages: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ApiCall:
    at: float
    method: str
    path: str
    status: int
    request_id: str


@dataclass(slots=True)
class Violation:
    """A request the bot sent that LINE's spec (or a documented limit, or the access token) rejects."""

    at: float
    method: str
    path: str
    status: int
    message: str
    details: list[dict[str, str]]
    body: str


@dataclass(slots=True)
class ReplyToken:
    token: str
    chat_id: str
    expires_at: float
    used: bool = False


@dataclass(slots=True)
class RichMenu:
    rich_menu_id: str
    body: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None


@dataclass(slots=True)
class WebhookCall:
    """One webhook POST to the bot; `status` is None while it is in flight and 0 when no answer came."""

    seq: int
    at: float
    events: list[dict[str, Any]]
    status: int | None = None
    body: str = ""


class EmulatorState:
    """Everything the emulator knows; tests read and change it directly, other processes via /_emulator/."""

    def __init__(
        self,
        *,
        channel_secret: str,
        access_token: str,
        validate: bool = True,
        reply_token_ttl: float = DEFAULT_REPLY_TOKEN_TTL,
        webhook_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.validate = validate
        self.reply_token_ttl = reply_token_ttl
        self.webhook_url = webhook_url
        self.clock = clock
        # Like LINE's "webhook redelivery" setting: failed webhooks wait in `pending_redelivery` until
        # `WebhookSender.redeliver_pending()` sends them again with isRedelivery true.
        self.redelivery = False
        self.bot_user_id = ids.user_id()  # the webhook `destination`
        self.bot_display_name = "ささえあい"
        self.faults = Faults()
        self._changed = asyncio.Condition()
        # Set while the server stops: long-polls answer at once instead of holding the shutdown for their wait.
        self.closing = False
        self.reset()

    def reset(self) -> None:
        """Forget people, chats, deliveries and faults; keep the configuration."""
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.deliveries: list[Delivery] = []
        self.api_calls: list[ApiCall] = []
        self.violations: list[Violation] = []
        self.webhook_calls: list[WebhookCall] = []
        self.reply_tokens: dict[str, ReplyToken] = {}
        self.retry_keys: dict[str, Delivery] = {}  # retry key -> the accepted request's delivery
        self.rich_menus: dict[str, RichMenu] = {}
        self.default_rich_menu: str | None = None
        self.user_rich_menus: dict[str, str] = {}
        self.loading: list[dict[str, Any]] = []
        self.contents: dict[str, tuple[bytes, str]] = {}  # message id -> (bytes, content type) users sent
        self.pending_redelivery: list[list[dict[str, Any]]] = []
        self.faults.clear()
        # One counter orders webhooks and deliveries together, so a chat view can interleave them.
        self._seq = 0

    # People and chats -----------------------------------------------------------------------------

    def add_user(self, user_id: str, display_name: str | None = None, *, friend: bool = True, **extra: Any) -> User:
        user = self.users.get(user_id)
        if user is None:
            user = User(user_id, display_name or f"User {user_id[-4:]}", friend=friend)
            self.users[user_id] = user
        else:
            if display_name is not None:
                user.display_name = display_name
            user.friend = friend
        for key, value in extra.items():
            if not hasattr(user, key):
                raise ValueError(f"unknown user field {key!r}")
            setattr(user, key, value)
        return user

    def add_group(self, group_id: str, name: str | None = None, members: list[str] | None = None) -> Group:
        group = self.groups.get(group_id)
        if group is None:
            group = Group(group_id, name or f"Group {group_id[-4:]}")
            self.groups[group_id] = group
        elif name is not None:
            group.name = name
        for member in members or []:
            # A group member who never befriended the bot still has a group profile: not made a friend.
            if member not in self.users:
                self.add_user(member, friend=False)
            if member not in group.members:
                group.members.append(member)
        return group

    def ensure_sender(self, user_id: str, group_id: str | None) -> None:
        """A user who writes exists; in a 1:1 chat they are a friend (only friends can write to the bot)."""
        user = self.users.get(user_id)
        if user is None:
            self.add_user(user_id, friend=group_id is None)
        elif group_id is None and not user.blocked:
            # Known only as a group member so far: writing 1:1 means they have added the bot.
            user.friend = True
        if group_id is not None:
            self.add_group(group_id, members=[user_id])

    # Reply tokens ---------------------------------------------------------------------------------

    def issue_reply_token(self, chat_id: str) -> str:
        token = ids.reply_token()
        self.reply_tokens[token] = ReplyToken(token, chat_id, self.clock() + self.reply_token_ttl)
        return token

    def consume_reply_token(self, token: str) -> str:
        """The chat the token answers; a token works once and only before it expires."""
        entry = self.reply_tokens.get(token)
        if entry is None or entry.used or self.clock() > entry.expires_at:
            raise PlatformError(400, "Invalid reply token")
        entry.used = True
        return entry.chat_id

    # Deliveries -----------------------------------------------------------------------------------

    def check_reachable(self, chat_id: str) -> None:
        """LINE will not send to a user who has not added or has blocked the bot, nor to a chat it left."""
        if chat_id.startswith("U"):
            user = self.users.get(chat_id)
            if user is None or not user.reachable:
                raise PlatformError(400, "Failed to send messages")
        elif chat_id.startswith(("C", "R")):
            group = self.groups.get(chat_id)
            if group is None or not group.bot_joined:
                raise PlatformError(400, "Failed to send messages")
        else:
            raise PlatformError(400, "The property, 'to', in the request body is invalid (line: -, column: -)")

    def check_retry_key(self, retry_key: str | None) -> None:
        accepted = self.retry_keys.get(retry_key) if retry_key is not None else None
        if accepted is not None:
            raise PlatformError(
                409,
                "The retry key is already accepted",
                {"x-line-accepted-request-id": accepted.request_id},
                {"sentMessages": accepted.sent_messages},
            )

    async def deliver(
        self,
        to: str,
        via: Via,
        messages: list[dict[str, Any]],
        *,
        request_id: str,
        retry_key: str | None = None,
    ) -> Delivery:
        sent = [{"id": ids.message_id(), "quoteToken": ids.quote_token()} for _ in messages]
        delivery = Delivery(self.next_seq(), self.clock(), to, via, retry_key, request_id, messages, sent)
        self.deliveries.append(delivery)
        if retry_key is not None:
            self.retry_keys[retry_key] = delivery
        await self.notify()
        return delivery

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def record_webhook(self, events: list[dict[str, Any]]) -> WebhookCall:
        """Log a webhook as it leaves, before the bot answers, so it precedes the replies it causes."""
        call = WebhookCall(self.next_seq(), self.clock(), events)
        self.webhook_calls.append(call)
        await self.notify()
        return call

    def timeline_since(self, seq: int) -> list[dict[str, Any]]:
        """Webhooks sent and messages delivered after `seq`, in order: what every chat showed."""
        items: list[dict[str, Any]] = [{"kind": "webhook", **asdict(w)} for w in self.webhook_calls if w.seq > seq] + [
            {"kind": "delivery", **d.to_dict()} for d in self.deliveries if d.seq > seq
        ]
        return sorted(items, key=lambda item: int(item["seq"]))

    async def wait_for_timeline(self, since: int, timeout: float) -> list[dict[str, Any]]:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: self._seq > since or self.closing)
        except TimeoutError:
            pass
        return self.timeline_since(since)

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    @property
    def last_seq(self) -> int:
        return self._seq

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        """Every message the chat received, in order, each with `via`, `seq`, `at` and `retry_key` added."""
        return [
            {**m, "via": d.via, "seq": d.seq, "at": d.at, "retry_key": d.retry_key}
            for d in self.deliveries
            if d.to == chat_id
            for m in d.messages
        ]

    def deliveries_since(self, seq: int, to: str | None = None) -> list[Delivery]:
        return [d for d in self.deliveries if d.seq > seq and (to is None or d.to == to)]

    async def wait_for_messages(self, chat_id: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Wait until `chat_id` has received at least `count` messages; TimeoutError says what did arrive."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(self.messages_to(chat_id)) >= count)
        except TimeoutError:
            got = [m.get("text", m.get("altText", m.get("type"))) for m in self.messages_to(chat_id)]
            raise TimeoutError(f"{chat_id} received {len(got)} of {count} messages within {timeout}s: {got}") from None
        return self.messages_to(chat_id)

    async def wait_for_deliveries(self, since: int, timeout: float, to: str | None = None) -> list[Delivery]:  # noqa: ASYNC109
        """Long-poll helper: deliveries after `since`, waiting up to `timeout` for the first one."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: bool(self.deliveries_since(since, to)) or self.closing)
        except TimeoutError:
            pass
        return self.deliveries_since(since, to)

    # Logs -----------------------------------------------------------------------------------------

    def record_call(self, method: str, path: str, status: int, request_id: str) -> None:
        self.api_calls.append(ApiCall(self.clock(), method, path, status, request_id))

    def calls(self, path: str | None = None, method: str | None = None) -> list[ApiCall]:
        return [
            c
            for c in self.api_calls
            if (path is None or c.path == path) and (method is None or c.method == method.upper())
        ]

    def record_violation(
        self, method: str, path: str, status: int, message: str, details: list[dict[str, str]], body: bytes
    ) -> None:
        # Logged so a violation in the demo or a subprocess is not silent. Only the status and property paths:
        # the body and jsonschema's messages quote the values, which may be a resident's words.
        where = ", ".join(d.get("property", "") for d in details) or "-"
        log.warning("LINE would refuse %s %s with %s (properties: %s)", method, path, status, where)
        text = body[:2000].decode("utf-8", "replace")
        self.violations.append(Violation(self.clock(), method, path, status, message, details, text))

    # Event side effects ---------------------------------------------------------------------------

    def apply_event(self, event: dict[str, Any]) -> None:
        """What an event means for the platform, applied before LINE tells the bot about it."""
        kind = event.get("type")
        source = event.get("source") or {}
        user_id = source.get("userId")
        chat_id = source.get("groupId") or source.get("roomId")
        if kind == "follow" and user_id:
            self.add_user(user_id, friend=True, blocked=False)
        elif kind == "unfollow" and user_id:
            self.add_user(user_id, friend=False, blocked=True)
        elif kind == "join" and chat_id:
            self.add_group(chat_id).bot_joined = True
        elif kind == "leave" and chat_id:
            self.add_group(chat_id).bot_joined = False
        elif kind == "memberJoined" and chat_id:
            joined = [m["userId"] for m in event.get("joined", {}).get("members", [])]
            self.add_group(chat_id, members=joined)
        elif kind == "memberLeft" and chat_id:
            group = self.add_group(chat_id)
            for m in event.get("left", {}).get("members", []):
                if m["userId"] in group.members:
                    group.members.remove(m["userId"])
        elif user_id and kind in ("message", "postback"):
            self.ensure_sender(user_id, chat_id)

    def snapshot(self) -> dict[str, Any]:
        """Users and groups as JSON, for the control API."""
        return {
            "users": [asdict(u) for u in self.users.values()],
            "groups": [asdict(g) for g in self.groups.values()],
        }
