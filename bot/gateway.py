"""The one module that talks to LINE: sends (reply/push with retry keys), profiles, loading animation.

Every call goes through here so that timeouts, error classification and the base URL
(LINE_API_BASE_URL, honoured by the whole SDK client) live in one place.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.config import Settings

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"  # LINE accepted it (or had already accepted it: 409 on a retry key)
    RETRY = "retry"  # a transient failure: try again later with the same retry key
    INVALID_TOKEN = "invalid_token"  # noqa: S105 (not a secret)
    # the reply token was used or expired: fall back to push
    REJECTED = "rejected"  # LINE will never accept it (blocked user, bad request): do not retry


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None
    error: str | None = None
    # True when LINE may have received the request although we saw no success (timeout, 5xx).
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: str
    display_name: str


class LineGateway:
    def __init__(self, settings: Settings) -> None:
        self._timeout = settings.line_timeout_seconds
        token = settings.line_channel_access_token.get_secret_value()
        # Configuration(host=...) makes every SDK call use our base URL, so the emulator (or a
        # proxy) sees all of them; blob calls (rich-menu images) have their own host at LINE.
        self._client = AsyncApiClient(Configuration(host=settings.line_api_base_url, access_token=token))
        self._blob_client = AsyncApiClient(Configuration(host=settings.line_data_api_url, access_token=token))
        self.api = AsyncMessagingApi(self._client)
        self.blob = AsyncMessagingApiBlob(self._blob_client)

    async def close(self) -> None:
        await self._client.close()
        await self._blob_client.close()

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        req = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
        return await self._send(self.api.reply_message(req, _request_timeout=self._timeout), reply=True)

    async def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        req = PushMessageRequest.from_dict({"to": to, "messages": messages})
        return await self._send(
            self.api.push_message(req, x_line_retry_key=retry_key, _request_timeout=self._timeout),
            reply=False,
        )

    async def _send(self, call: Any, *, reply: bool) -> SendResult:
        try:
            await call
            return SendResult(Outcome.SENT, 200)
        except ApiException as e:
            return _classify(e, reply=reply)
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            # No answer: LINE may or may not have taken it. A push retried with the same retry key
            # cannot double; a reply retried answers "invalid token" if the first one got through.
            return SendResult(Outcome.RETRY, None, error=type(e).__name__, ambiguous=True)

    async def show_loading(self, chat_id: str, seconds: int = 20) -> None:
        """Best effort: the animation is a courtesy, never worth failing an event for."""
        try:
            await self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=seconds),
                _request_timeout=min(self._timeout, 3.0),
            )
        except (ApiException, TimeoutError, aiohttp.ClientError, OSError, RuntimeError) as e:
            # RuntimeError: the client session closed under us at shutdown.
            log.info("loading animation not shown: %s", type(e).__name__)

    async def profile(self, user_id: str) -> Profile | None:
        """The user's profile, or None when they have not added the bot (LINE answers 404)."""
        try:
            p = await self.api.get_profile(user_id, _request_timeout=self._timeout)
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        return Profile(user_id=p.user_id, display_name=p.display_name)

    async def group_member_name(self, group_id: str, user_id: str) -> str | None:
        try:
            p = await self.api.get_group_member_profile(group_id, user_id, _request_timeout=self._timeout)
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        return str(p.display_name)


def _classify(e: ApiException, *, reply: bool) -> SendResult:
    status = int(e.status or 0)
    body = (e.body or "")[:300] if isinstance(e.body, str) else str(e.body)[:300]
    if status == 409:
        # The retry key was accepted before (our earlier attempt got through): delivered once.
        return SendResult(Outcome.SENT, status)
    if status == 429:
        return SendResult(Outcome.RETRY, status, retry_after=_retry_after(e), error=body)
    if status >= 500:
        return SendResult(Outcome.RETRY, status, error=body, ambiguous=True)
    if reply and status == 400 and "reply token" in body.lower():
        return SendResult(Outcome.INVALID_TOKEN, status, error=body)
    return SendResult(Outcome.REJECTED, status, error=body)


def _retry_after(e: ApiException) -> float | None:
    headers = e.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
