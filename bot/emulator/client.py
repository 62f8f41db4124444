"""`EmulatorClient`: the control API from another process (subprocess tests, the demo, the simulator)."""

from __future__ import annotations

import asyncio
import base64
import time
from types import TracebackType
from typing import Any

import aiohttp


class EmulatorClient:
    """Mirrors `/_emulator/`; create it inside a running loop: `async with EmulatorClient(url) as c:`."""

    def __init__(self, base_url: str, timeout: float = 70.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _call(self, method: str, path: str, json: Any = None, params: dict[str, str] | None = None) -> Any:
        url = f"{self.base_url}/_emulator/{path}"
        async with self._session.request(method, url, json=json, params=params) as resp:
            data = await resp.json()
            if resp.status >= 400:
                raise RuntimeError(f"{method} {path}: {resp.status} {data}")
            return data

    async def reset(self) -> None:
        await self._call("POST", "reset")

    async def config(self, **changes: Any) -> dict[str, Any]:
        """Read the configuration, changing any of webhook_url, reply_token_ttl, validate, latency first."""
        if changes:
            result: dict[str, Any] = await self._call("POST", "config", changes)
            return result
        result = await self._call("GET", "config")
        return result

    async def add_user(self, user_id: str, name: str | None = None, friend: bool = True, **extra: Any) -> Any:
        body = {"userId": user_id, "displayName": name, "friend": friend, **extra}
        return (await self._call("POST", "users", body))["users"][0]

    async def add_group(self, group_id: str, name: str | None = None, members: list[str] | None = None) -> Any:
        body = {"groupId": group_id, "groupName": name, "members": members or []}
        return (await self._call("POST", "groups", body))["groups"][0]

    async def people(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "people")
        return result

    async def send(self, builder: str, **args: Any) -> tuple[int, dict[str, Any]]:
        """Send one event built by name (text, postback, follow, ...; the same arguments as EventFactory)."""
        data = await self._call("POST", "events", {"type": builder, "args": args})
        return data["status"], data["events"][0]

    async def send_text(self, user_id: str, text: str, group_id: str | None = None) -> tuple[int, dict[str, Any]]:
        return await self.send("text", user_id=user_id, text=text, group_id=group_id)

    async def send_postback(
        self, user_id: str, data: str, group_id: str | None = None, params: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        return await self.send("postback", user_id=user_id, data=data, group_id=group_id, params=params)

    async def send_events(self, events: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        data = await self._call("POST", "events", {"events": events})
        return data["status"], data["events"]

    async def redeliver(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = await self._call("POST", "redeliver", {"event": event})
        return data["status"], data["events"][0]

    async def send_raw(self, body: bytes, signature: str | None = None, sign: bool = False) -> tuple[int, str]:
        payload = {"raw_base64": base64.b64encode(body).decode(), "signature": signature, "sign": sign}
        data = await self._call("POST", "events", payload)
        return data["status"], data["body"]

    async def redeliver_pending(self) -> list[dict[str, Any]]:
        """Resend webhooks that failed while `redelivery` was on: [{status, body, events}]."""
        result: list[dict[str, Any]] = (await self._call("POST", "redeliver_pending"))["results"]
        return result

    async def timeline(self, since: int = 0, wait: float = 0) -> dict[str, Any]:
        """`{items: [{kind: "webhook"|"delivery", seq, ...}], last_seq}`: both sides of every chat, in order."""
        result: dict[str, Any] = await self._call("GET", "timeline", params={"since": str(since), "wait": str(wait)})
        return result

    async def deliveries(self, since: int = 0, wait: float = 0, to: str | None = None) -> dict[str, Any]:
        params = {"since": str(since), "wait": str(wait)}
        if to is not None:
            params["to"] = to
        result: dict[str, Any] = await self._call("GET", "messages", params=params)
        return result

    async def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        found = (await self.deliveries(to=chat_id))["deliveries"]
        return [
            {**m, "via": d["via"], "seq": d["seq"], "at": d["at"], "retry_key": d["retry_key"]}
            for d in found
            for m in d["messages"]
        ]

    async def wait_for_messages(self, chat_id: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            got = await self.messages_to(chat_id)
            left = deadline - time.monotonic()
            if len(got) >= count:
                return got
            if left <= 0:
                raise TimeoutError(f"{chat_id} received {len(got)} of {count} messages within {timeout}s")
            # Long-poll for the next delivery to this chat instead of sleeping in a loop.
            last = got[-1]["seq"] if got else 0
            await self.deliveries(since=last, wait=left, to=chat_id)

    async def violations(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = (await self._call("GET", "violations"))["violations"]
        return result

    async def calls(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"path": path, "method": method}.items() if v is not None}
        result: list[dict[str, Any]] = (await self._call("GET", "calls", params=params))["calls"]
        return result

    async def add_fault(self, path: str, **rule: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = (await self._call("POST", "faults", {"path": path, **rule}))["faults"]
        return result

    async def clear_faults(self) -> None:
        await self._call("DELETE", "faults")

    async def outage(self, seconds: float) -> None:
        await self._call("POST", "outage", {"seconds": seconds})

    async def wait_until_up(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """For a freshly started `python -m bot.emulator`: retry until the control API answers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.config()
                return
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)  # the process is starting; there is nothing to wait on but time
