"""The webhook edge: verify, store in the inbox, answer 200 — nothing slow happens here."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.commands import is_group_command
from bot.metrics import METRICS
from bot.services import SERVICES
from bot.store import inbox
from bot.store.db import Database

log = logging.getLogger(__name__)

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def signature_ok(secret: bytes, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def event_key(event: dict[str, Any]) -> str:
    """webhookEventId when it is a real one; otherwise a hash of the event, so a redelivery of the same
    content is still recognised and distinct events sharing a bogus id are not merged."""
    wid = event.get("webhookEventId")
    if isinstance(wid, str) and _ULID.match(wid):
        return wid
    canonical = {k: v for k, v in event.items() if k != "deliveryContext"}
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return "h:" + digest[:64]


def source_key(event: dict[str, Any]) -> str:
    src = event.get("source")
    if isinstance(src, dict):
        for field in ("userId", "groupId", "roomId"):
            value = src.get(field)
            if isinstance(value, str) and value:
                return value[:140]
    return "-"


def redact_group_chatter(event: dict[str, Any]) -> dict[str, Any]:
    """Supporters' conversation in a group is not ours to keep: store only our own commands."""
    src, msg = event.get("source"), event.get("message")
    if (
        isinstance(src, dict)
        and src.get("type") in ("group", "room")
        and isinstance(msg, dict)
        and msg.get("type") == "text"
        and not (isinstance(msg.get("text"), str) and is_group_command(msg["text"]))
    ):
        event = {**event, "message": {**msg, "text": "", "redacted": True}}
    return event


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


async def callback(request: web.Request) -> web.Response:
    started = time.perf_counter()
    services = request.app[SERVICES]
    settings = services.settings
    if request.content_length is not None and request.content_length > settings.webhook_max_body_bytes:
        return _error(413, "body too large")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "body too large")
    if not signature_ok(services.secret, body, request.headers.get("X-Line-Signature")):
        return _error(400, "invalid signature")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _error(400, "invalid JSON")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return _error(400, "events must be a list of objects")
    if len(events) > settings.webhook_max_events:
        return _error(413, "too many events")
    now = services.clock.now()
    rows = []
    for e in events:
        e = redact_group_chatter(e)
        delivery = e.get("deliveryContext")
        rows.append(
            {
                "event_key": event_key(e),
                "source_key": source_key(e),
                "body": json.dumps(e, ensure_ascii=False),
                "redelivery": bool(isinstance(delivery, dict) and delivery.get("isRedelivery") is True),
                "received_at": now,
                "status": "pending",
                "attempts": 0,
            }
        )
    if rows:
        try:
            writer = request.app.get(INBOX_WRITER)
            if writer is not None:
                new = await writer.insert(rows)
            else:
                async with services.db.session() as s:
                    new = await inbox.insert(s, rows)
        except (SQLAlchemyError, OSError) as e:
            # Not stored means not acknowledged: LINE redelivers what we answer 5xx to.
            log.error("inbox write failed (%s): answering 503 so LINE redelivers", type(e).__name__)
            return _error(503, "temporarily unavailable")
        METRICS.events_received.inc(new)
        METRICS.events_duplicate.inc(len(rows) - new)
        services.wake_inbox()
    METRICS.webhook_latency.observe(time.perf_counter() - started)
    return web.json_response({})


# --- Group commit of inbox writes ----------------------------------------------------------------------
# Under a burst, many webhook requests are in flight at once. Each used to pay for its own transaction
# (pool checkout, BEGIN, INSERT, COMMIT); with SQLite they also queued one by one on the write lock.
# The writer instead stores everything waiting in one transaction, and the next batch gathers while one
# is being written. A request is answered only after its batch committed, and a failed batch fails
# every request in it (503), so "answered 200" still means "stored".


# A statement carries 7 parameters a row; PostgreSQL takes at most 32,767 parameters a statement.
ROWS_PER_STATEMENT = 1000


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[int]]] = []
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def insert(self, rows: list[dict[str, Any]]) -> int:
        """Store `rows` with whatever else is waiting; returns how many of them were new."""
        if self._task is None or self._task.done():
            async with self._db.session() as s:  # not started (or stopping): write alone
                return await inbox.insert(s, rows)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, future))
        self._kick.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            batch, self._waiting = self._waiting, []
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[tuple[list[dict[str, Any]], asyncio.Future[int]]]) -> None:
        try:
            everything = [r for rows, _ in batch for r in rows]
            new_keys: set[str] = set()
            async with self._db.session() as s:  # one transaction, in statements of bounded size
                for i in range(0, len(everything), ROWS_PER_STATEMENT):
                    new_keys |= await inbox.insert_returning_keys(s, everything[i : i + ROWS_PER_STATEMENT])
        except BaseException as e:
            for _, future in batch:
                if not future.done():
                    future.set_exception(e if isinstance(e, Exception) else SQLAlchemyError("writer stopped"))
            if not isinstance(e, Exception):
                raise
            return
        for rows, future in batch:
            if not future.done():
                mine = {r["event_key"] for r in rows}
                count = len(mine & new_keys)
                new_keys -= mine  # the same event in two requests of one batch counts as new once
                future.set_result(count)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, future in self._waiting:
            if not future.done():
                future.set_exception(SQLAlchemyError("server stopping"))
        self._waiting = []


INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)


async def inbox_writer_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: after the resources are up, start the writer; stop it before they are closed."""
    writer = InboxWriter(app[SERVICES].db)
    writer.start()
    app[INBOX_WRITER] = writer
    yield
    await writer.stop()
