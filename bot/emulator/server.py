"""`EmulatorServer`: the emulator on a loopback port, with the Python helpers tests and the demo call."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator import api, control
from bot.emulator.events import Event, EventFactory, redelivery
from bot.emulator.faults import FaultRule
from bot.emulator.middleware import line_platform
from bot.emulator.openapi import messaging_api
from bot.emulator.state import DEFAULT_REPLY_TOKEN_TTL, Delivery, EmulatorState, Group, User
from bot.emulator.webhook import WebhookSender, sign

Sent = tuple[int, Event]


def build_app(server: EmulatorServer) -> web.Application:
    # Large enough for a 1 MB rich menu image plus slack; LINE's own limit is checked by the handler.
    app = web.Application(middlewares=[control.control_errors, line_platform], client_max_size=4 * 1024 * 1024)
    app[api.STATE] = server.state
    app[control.SERVER] = server
    api.add_routes(app)
    control.add_routes(app)
    return app


class EmulatorServer:
    """The LINE platform on loopback: `async with EmulatorServer(...) as emu:`, SDK host `emu.url`."""

    def __init__(
        self,
        *,
        channel_secret: str,
        access_token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        validate: bool = True,
        reply_token_ttl: float = DEFAULT_REPLY_TOKEN_TTL,
        bot_user_id: str | None = None,
        clock: Callable[[], float] = time.time,
        redelivery: bool = False,
        webhook_timeout: float = 30.0,
    ) -> None:
        """`clock` (seconds since the epoch) stamps events and deliveries and expires reply tokens.

        `redelivery=True` keeps failed webhooks for `redeliver_pending()`, like LINE's redelivery setting.
        """
        self.state = EmulatorState(
            channel_secret=channel_secret,
            access_token=access_token,
            validate=validate,
            reply_token_ttl=reply_token_ttl,
            webhook_url=webhook_url,
            clock=clock,
        )
        if bot_user_id is not None:
            self.state.bot_user_id = bot_user_id
        self.state.redelivery = redelivery
        self.host = host
        self.port = port
        self.events = EventFactory(self.state)
        self.webhook = WebhookSender(self.state, timeout=webhook_timeout)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._outage: asyncio.Task[None] | None = None

    # Lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.state.closing = False
        if self.state.validate:
            messaging_api()  # compile the spec now, not inside the first request the bot times
        self._runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()
        sockets = self._runner.addresses
        # Keep the port the OS chose, so an outage comes back where the bot expects it.
        self.port = int(sockets[-1][1])

    async def stop(self) -> None:
        if self._outage is not None:
            self._outage.cancel()
            # Awaited so the task never outlives the loop (pytest turns "destroyed but pending" into errors).
            with contextlib.suppress(asyncio.CancelledError):
                await self._outage
            self._outage = None
        await self.webhook.close()
        # An open simulator page long-polls for up to 25 s; the runner's cleanup waits for open requests.
        self.state.closing = True
        await self.state.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def start_outage(self, seconds: float, spare: object = None) -> None:
        """Stop accepting connections for `seconds` (the bot sees 'connection refused'), then listen again.

        `spare` is the connection (`request.protocol`) of a control request, closed only after it answered.
        """
        if self._outage is not None and not self._outage.done():
            raise RuntimeError("an outage is already running")
        self._outage = asyncio.get_running_loop().create_task(self._run_outage(seconds, spare))

    async def _run_outage(self, seconds: float, spare: object) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            # Kept-alive connections would otherwise still reach us: drop them, in-flight requests included (that
            # is what an outage does), except the control request that asked for it, which still gets its answer.
            for conn in self._runner.server.connections:
                if conn is spare:
                    conn.close()
                else:
                    conn.force_close()
        await asyncio.sleep(seconds)
        await self._listen()

    async def outage_over(self) -> None:
        if self._outage is not None:
            await self._outage

    # Configuration --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for the SDK's `Configuration(host=...)` (api.line.me and api-data.line.me paths)."""
        return f"http://{self.host}:{self.port}"

    @property
    def webhook_url(self) -> str | None:
        return self.state.webhook_url

    @webhook_url.setter
    def webhook_url(self, value: str | None) -> None:
        self.state.webhook_url = value

    def sign(self, body: bytes) -> str:
        return sign(self.state.channel_secret, body)

    def add_user(self, user_id: str, name: str | None = None, friend: bool = True, **extra: Any) -> User:
        return self.state.add_user(user_id, name, friend=friend, **extra)

    def add_group(self, group_id: str, name: str | None = None, members: list[str] | None = None) -> Group:
        return self.state.add_group(group_id, name, members)

    def add_fault(self, path: str, **kwargs: Any) -> FaultRule:
        return self.state.faults.add(FaultRule(path=path, **kwargs))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def set_latency(self, low: float, high: float) -> None:
        self.state.faults.latency = (low, high)

    # Reading what the bot sent --------------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        return self.state.deliveries

    @property
    def violations(self) -> list[Any]:
        return self.state.violations

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        return self.state.messages_to(chat_id)

    def assert_no_violations(self) -> None:
        """Fail with every violation spelled out (a bare `assert emu.violations == []` hides the details)."""
        if self.state.violations:
            lines = [
                f"{v.method} {v.path} -> {v.status} {v.message} {v.details} body={v.body[:300]!r}"
                for v in self.state.violations
            ]
            raise AssertionError("requests LINE would refuse:\n" + "\n".join(lines))

    async def wait_for_messages(self, chat_id: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        return await self.state.wait_for_messages(chat_id, count, timeout)

    # Sending webhooks -----------------------------------------------------------------------------

    async def send_events(self, events: list[Event]) -> tuple[int, list[Event]]:
        response = await self.webhook.send_events(events)
        return response.status, events

    async def _send(self, event: Event) -> Sent:
        response = await self.webhook.send_events([event])
        return response.status, event

    async def send_raw(self, body: bytes, signature: str | None) -> tuple[int, str]:
        response = await self.webhook.send_raw(body, signature)
        return response.status, response.body

    async def redeliver(self, event: Event) -> Sent:
        return await self._send(redelivery(event))

    async def redeliver_pending(self) -> list[tuple[int, list[Event]]]:
        """Resend the webhooks that failed while `redelivery` was on; returns (status, events) for each."""
        return [(response.status, events) for response, events in await self.webhook.redeliver_pending()]

    async def send_text(self, user_id: str, text: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.text(user_id, text, group_id=group_id, **kw))

    async def send_postback(
        self, user_id: str, data: str, group_id: str | None = None, params: dict[str, str] | None = None
    ) -> Sent:
        return await self._send(self.events.postback(user_id, data, group_id=group_id, params=params))

    async def send_sticker(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.sticker(user_id, group_id=group_id, **kw))

    async def send_image(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.image(user_id, group_id=group_id, **kw))

    async def send_video(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.video(user_id, group_id=group_id, **kw))

    async def send_audio(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.audio(user_id, group_id=group_id, **kw))

    async def send_file(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.file(user_id, group_id=group_id, **kw))

    async def send_location(self, user_id: str, group_id: str | None = None, **kw: Any) -> Sent:
        return await self._send(self.events.location(user_id, group_id=group_id, **kw))

    async def send_follow(self, user_id: str, is_unblocked: bool = False) -> Sent:
        return await self._send(self.events.follow(user_id, is_unblocked))

    async def send_unfollow(self, user_id: str) -> Sent:
        return await self._send(self.events.unfollow(user_id))

    async def send_join(self, group_id: str) -> Sent:
        return await self._send(self.events.join(group_id))

    async def send_leave(self, group_id: str) -> Sent:
        return await self._send(self.events.leave(group_id))

    async def send_member_joined(self, group_id: str, user_ids: list[str]) -> Sent:
        return await self._send(self.events.member_joined(group_id, user_ids))

    async def send_member_left(self, group_id: str, user_ids: list[str]) -> Sent:
        return await self._send(self.events.member_left(group_id, user_ids))
