"""The webhook edge: verify, store in the inbox, answer 200 — nothing slow happens here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.commands import is_group_command
from bot.metrics import METRICS
from bot.services import SERVICES, Services
from bot.store import inbox
from bot.store.batch import BatchCommit, GroupCommit, in_session
from bot.store.direct import DirectConnection, WriteFailed
from bot.store.models import InboxStatus

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
    services = request.app[SERVICES]
    with services.edge.request():
        return await _callback(request, services)


async def _callback(request: web.Request, services: Services) -> web.Response:
    started = time.perf_counter()
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
                "status": InboxStatus.PENDING,
                "attempts": 0,
            }
        )
    if rows:
        try:
            new = await request.app[INBOX_WRITER].submit(rows)  # alone, if the writer is stopping
        except (SQLAlchemyError, WriteFailed, OSError) as e:
            # Not stored means not acknowledged: LINE redelivers what we answer 5xx to.
            log.error("inbox write failed (%s): answering 503 so LINE redelivers", type(e).__name__)
            return _error(503, "temporarily unavailable")
        METRICS.events_received.inc(new)
        METRICS.events_duplicate.inc(len(rows) - new)
        services.wake_inbox()
    METRICS.webhook_latency.observe(time.perf_counter() - started)
    return web.json_response({})


# --- Group commit of inbox writes ----------------------------------------------------------------------
# Under a burst, many webhook requests are in flight at once; they share one transaction (bot/store/batch.py)
# instead of paying for one each, and with SQLite, queueing one by one on the write lock. A request is
# answered only after its batch committed, and a failed batch fails every request in it (503), so
# "answered 200" still means "stored".

InboxWriter = GroupCommit[list[dict[str, Any]], int]

INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)


async def inbox_writer_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: after the resources are up, start the writer; stop it before they are closed."""
    db = app[SERVICES].db
    direct = DirectConnection(db)
    commit: BatchCommit[list[dict[str, Any]], int]
    if direct.available:  # the driver's own connection: a fraction of the session's CPU (bot/store/direct.py)
        commit = partial(inbox.insert_requests_direct, direct)
    else:
        commit = in_session(db, inbox.insert_requests)
    writer: InboxWriter = GroupCommit(commit, name="inbox-writer", max_batch=1000)
    writer.start()
    app[INBOX_WRITER] = writer
    try:
        yield
    finally:
        await writer.stop()
        await direct.close()
