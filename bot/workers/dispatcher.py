"""Handles stored webhook events: each once, in order per source, many sources at a time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from datetime import timedelta
from typing import Any

from linebot.v3.webhooks import Event
from pydantic import ValidationError

from bot.context import EventContext
from bot.metrics import METRICS
from bot.router import route
from bot.services import Services
from bot.store import inbox
from bot.store.batch import HANDLING_LINGER, GroupCommit, in_session
from bot.store.models import InboxEvent, InboxStatus
from bot.workers.sender import backoff_seconds

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


_LINE_ID = re.compile(r"^[UCR][0-9a-f]{32}$")


def _line_id(value: object) -> str | None:
    """LINE's ids are a letter and 32 hex digits; anything else is not a chat we could answer or store."""
    return value if isinstance(value, str) and _LINE_ID.match(value) else None


def _ids(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    src = raw.get("source")
    if not isinstance(src, dict):
        return None, None
    return _line_id(src.get("userId")), _line_id(src.get("groupId")) or _line_id(src.get("roomId"))


class Dispatcher:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._wake = asyncio.Event()
        self._stopping = False
        self._inflight: set[asyncio.Task[None]] = set()
        # Events whose handler wrote nothing (a supporter's remark in the group, a sticker in a group…) are
        # marked handled together: one UPDATE for many instead of a transaction each.
        self._finisher: GroupCommit[tuple[int, InboxStatus, str | None], bool] = GroupCommit(
            in_session(
                services.db,
                lambda s, items: inbox.finish_many(s, items, owner=services.owner, now=services.clock.now()),
            ),
            name="inbox-finisher",
            linger=HANDLING_LINGER,
        )

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        limit = self._s.settings.inbox_concurrency
        # Claim in batches: asking for one head each time one event finishes costs a statement per event.
        batch = max(1, limit // 4)
        lease = timedelta(seconds=self._s.settings.lease_seconds)
        self._finisher.start()
        while not self._stopping:
            # Cleared before the round, not after: a wake (or a stop) arriving during it is not lost.
            self._wake.clear()
            # Webhook requests queueing: answer them first (bot/edgeload.py); handling can wait a moment.
            await self._s.edge.give_way()
            free = limit - len(self._inflight)
            rows: list[InboxEvent] = []
            if free >= batch or (free > 0 and not self._inflight):
                try:
                    if await self._claimable():
                        async with self._s.db.session() as s:
                            rows = await inbox.claim_heads(
                                s, owner=self._s.owner, now=self._s.clock.now(), lease=lease, limit=free
                            )
                except Exception:
                    log.exception("inbox claim failed; retrying")
                    await asyncio.sleep(1.0)
                    continue
            if self._stopping:
                return  # claimed while shutting down: not started; the leases are handed back
            for row in rows:
                task = asyncio.create_task(self._one(row))
                self._inflight.add(task)
                task.add_done_callback(self._done)
            if rows and len(rows) == free:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def _claimable(self) -> bool:
        """On SQLite, look before claiming: a claim is a write transaction, and an idle worker's claims (one
        a second, and one per wake) took the write lock the edge's inbox writes wait for. On PostgreSQL the
        claim itself is as cheap as the look."""
        if not self._s.db.sqlite:
            return True
        async with self._s.db.read() as s:
            return await inbox.claimable(s, now=self._s.clock.now())

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()  # the next event of that source may now go

    async def drain(self, grace: float) -> None:
        """At shutdown: let in-flight events finish; what does not finish in time is cancelled (its
        transaction rolls back) and its lease handed back, so another process or the next start takes it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._inflight and loop.time() < deadline:
            await asyncio.wait(set(self._inflight), timeout=deadline - loop.time())
        pending = set(self._inflight)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._finisher.stop()

    async def _one(self, row: InboxEvent) -> None:
        assert row.id is not None
        started = time.perf_counter()
        try:
            raw = json.loads(row.body)
            event = Event.from_dict(raw)
        except (ValueError, ValidationError, TypeError, KeyError) as e:
            # An event type or shape we do not know: keep the row for inspection, do not retry it.
            await self._finish(row, InboxStatus.REJECTED, f"unparsable: {type(e).__name__}")
            METRICS.events_handled.labels(kind="unknown", result="rejected").inc()
            return
        kind = str(raw.get("type", "unknown"))[:32]
        user, group = _ids(raw)
        reply_token = getattr(event, "reply_token", None)
        ctx = EventContext(
            services=self._s,
            event=event,
            raw=raw,
            inbox_id=row.id,
            now=self._s.clock.now(),
            received_at=row.received_at,
            user_id=user,
            group_id=group,
            chat_id=group or user,
            reply_token=reply_token,
            redelivery=row.redelivery,
        )
        try:
            try:
                result = await route(ctx)
            finally:
                await ctx.close_reads()  # before the finish below waits for its batch
            if not ctx.finished:
                await self._finish(row, InboxStatus.DONE, None)
            METRICS.events_handled.labels(kind=kind, result=result).inc()
        except inbox.LeaseLost:
            log.warning("event %s was taken over by another worker; our changes were rolled back", row.id)
        except Exception as e:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.exception("event %s failed %d times; giving up", row.id, attempts)
                await self._finish(row, InboxStatus.FAILED, f"{type(e).__name__}")
                METRICS.events_handled.labels(kind=kind, result="failed").inc()
                return
            log.exception("event %s failed (attempt %d); will retry", row.id, attempts)
            try:
                async with self._s.db.session() as s:
                    await inbox.retry_later(
                        s,
                        event_id=row.id,
                        owner=self._s.owner,
                        attempts=attempts,
                        at=self._s.clock.now() + timedelta(seconds=backoff_seconds(attempts)),
                        error=type(e).__name__,
                    )
            except Exception:
                log.exception("could not record the failure of event %s; its lease will expire", row.id)
        finally:
            METRICS.handle_latency.observe(time.perf_counter() - started)

    async def _finish(self, row: InboxEvent, status: InboxStatus, error: str | None) -> None:
        """Mark an event handled when its handler committed nothing itself. False (the lease was lost to
        another worker, which handles it again) changes nothing here: there were no effects to undo."""
        assert row.id is not None
        await self._finisher.submit((row.id, status, error))
