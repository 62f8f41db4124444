"""Sends queued outbox messages to LINE exactly once, with retry keys, backoff and reply fallback.

Up to `concurrency` calls are in flight at once, each to a different chat (a chat's next message is
leased only once the one before it is settled). A slot is refilled as soon as a call ends, rather than
after a whole round: one slow call no longer holds back every other chat, and an emergency answer
written meanwhile takes the next free slot (bot/store/outbox.py orders the heads by priority).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.gateway import LineGateway, Outcome, SendResult
from bot.metrics import METRICS
from bot.store import outbox
from bot.store.batch import HANDLING_LINGER, GroupCommit, in_session
from bot.store.db import Database
from bot.store.models import OutboxStatus, ReplyState
from bot.store.outbox import Delivery
from bot.store.priority import Priority

log = logging.getLogger(__name__)

_MAY_HAVE_GONE = (ReplyState.INFLIGHT, ReplyState.UNSURE)
# The least time between two claims of this sender. When it keeps up, each call that ends or each new message
# started a claim of its own: 2,881 claims for ~3,000 messages in bench/e2e.py on SQLite (2026-12-05), each a
# GROUP BY over the waiting rows, an UPDATE and the merge of followers, ~5 ms at the one write lock. One claim in
# each 50 ms takes what gathered meanwhile; an emergency answer waits at most that much more.
MIN_CLAIM_GAP = 0.05
SETTLE_GRACE = 10.0  # seconds a stopping sender keeps trying to record the outcome of a call it made


def backoff_seconds(attempts: int, base: float = 1.0) -> float:
    """base × 1, 2, 4 … capped at 5 minutes, with jitter so many senders do not retry in step."""
    delay = min(300.0, base * 2.0 ** max(0, attempts - 1))
    return delay * (0.75 + random.random() / 2)


class OutboxSender:
    def __init__(
        self,
        *,
        db: Database,
        gateway: LineGateway,
        clock: Clock,
        owner: str,
        concurrency: int,
        max_attempts: int,
        lease_seconds: float,
        backoff_base: float = 1.0,
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._clock = clock
        self._owner = owner
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._lease = timedelta(seconds=lease_seconds)
        self._backoff = backoff_base
        self._wake = asyncio.Event()
        self._stopping = False
        self._busy: set[str] = set()  # chats with a call of ours in flight
        # Marks and delivery records of messages sent side by side share a transaction (bot/store/batch.py).
        self._updates: GroupCommit[outbox.Update, bool] = GroupCommit(
            in_session(db, lambda s, items: outbox.update_leased(s, items, owner=owner)),
            name="outbox-updates",
            linger=HANDLING_LINGER,
        )
        self._claimed_at = -MIN_CLAIM_GAP

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        self._updates.start()
        try:
            await self._loop()
        finally:
            await self._updates.stop()  # drain() after this writes its records one by one

    async def _loop(self) -> None:
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping:
                # Cleared before the round, not after: a wake (or a stop) arriving during it is not lost.
                self._wake.clear()
                claimed = 0
                free = self._concurrency - len(inflight)
                if free > 0:
                    gap = self._claimed_at + MIN_CLAIM_GAP - asyncio.get_running_loop().time()
                    if gap > 0 and not self._stopping:
                        await asyncio.sleep(gap)
                        free = self._concurrency - len(inflight)
                    self._claimed_at = asyncio.get_running_loop().time()
                    try:
                        claimed = self._start(await self._claim(free), inflight)
                    except Exception:
                        # A database outage must not kill the loop: log, wait, try again.
                        log.exception("outbox round failed")
                        await asyncio.sleep(1.0)
                        continue
                if inflight:
                    if claimed == free:
                        await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    else:
                        # Every due head is taken: a slot frees when a call ends (its chat's next message
                        # may be due), or new messages are written.
                        await self._wait_for(inflight)
                    continue
                # Compute the timeout first: a coroutine made before a cancellation point leaks if cancelled there.
                idle = await self._idle_wait()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=idle)
        finally:
            # Never abandon a call midway: its outcome must be recorded (exactly once).
            if inflight:
                await asyncio.wait(inflight)

    async def _wait_for(self, inflight: set[asyncio.Task[None]]) -> None:
        woken = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait({*inflight, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()

    def _start(self, deliveries: list[Delivery], inflight: set[asyncio.Task[None]]) -> int:
        for d in deliveries:
            self._busy.add(d.row.to)  # before the next claim can run
            task = asyncio.create_task(self._deliver_logged(d), name="outbox-send")
            inflight.add(task)
            task.add_done_callback(inflight.discard)
        return len(deliveries)

    async def _deliver_logged(self, d: Delivery) -> None:
        try:
            await self._deliver(d)
        except Exception:
            # Its lease runs out and the message is offered again (same retry key): nothing is lost.
            log.exception("delivering outbox message %s failed", d.row.id)
        finally:
            self._busy.discard(d.row.to)

    async def _claim(self, limit: int) -> list[Delivery]:
        METRICS.outbox_claims.inc()
        async with self._db.session() as s:
            return await outbox.claim_heads(
                s, owner=self._owner, now=self._clock.now(), lease=self._lease, limit=limit, busy=set(self._busy)
            )

    async def _idle_wait(self) -> float:
        try:
            async with self._db.read() as s:
                due = await outbox.next_due(s)
        except Exception:
            return 1.0
        if due is None:
            return 5.0
        return max(0.05, min(5.0, (due - self._clock.now()).total_seconds()))

    async def run_once(self) -> bool:
        """One batch of heads, sent side by side (shutdown's drain)."""
        deliveries = await self._claim(self._concurrency)
        if not deliveries:
            return False
        await asyncio.gather(*(self._deliver(d) for d in deliveries))
        return True

    async def _deliver(self, d: Delivery) -> None:
        row, messages = d.row, d.messages
        now = self._clock.now()
        use_reply = row.reply_token is not None and row.reply_deadline is not None and now < row.reply_deadline
        if not use_reply and row.reply_state in _MAY_HAVE_GONE and row.priority > Priority.RESIDENT:
            # An earlier reply may have used the token (we crashed, or lost the answer, while it was out), and
            # the token has expired: LINE cannot tell us whether it arrived. A resident's answer is pushed
            # (read twice is better than never). A supporter's details or a group post is not: read twice, two
            # people act on it, while a lost one is caught by the reminders and escalation that follow every
            # open request.
            log.warning("message %s: an earlier reply may have arrived and its token expired; not pushed", row.id)
            METRICS.outbox_unsure.inc()
            await self._record(d, SendResult(Outcome.SENT), via="reply", reply_state=ReplyState.UNSURE)
            return
        if not use_reply:
            if row.reply_state in _MAY_HAVE_GONE:
                METRICS.outbox_repushed.inc()  # a resident's answer: read twice is better than never
            result = await self._gateway.push(row.to, messages, row.retry_key)
            await self._record(d, result, via="push", reply_state=ReplyState.UNTRIED)
            return
        assert row.reply_token is not None
        # A reply has no retry key. If an earlier reply got no answer (or we crashed while sending it),
        # a later "invalid reply token" means that reply used the token: it was delivered.
        prior_unsure = row.reply_state in _MAY_HAVE_GONE
        await self._mark(d, reply_state=ReplyState.UNSURE if prior_unsure else ReplyState.INFLIGHT)
        result = await self._gateway.reply(row.reply_token, messages)
        if result.outcome is Outcome.INVALID_TOKEN and prior_unsure:
            await self._record(d, SendResult(Outcome.SENT, result.status), via="reply", reply_state=ReplyState.UNSURE)
            return
        if result.outcome in (Outcome.INVALID_TOKEN, Outcome.REJECTED) and result.status == 400:
            # Token expired or refused, and no earlier reply of ours used it: push, so nothing is lost.
            result = await self._gateway.push(row.to, messages, row.retry_key)
            await self._record(d, result, via="push", reply_state=ReplyState.UNTRIED)
            return
        state = ReplyState.UNSURE if prior_unsure or result.ambiguous else ReplyState.UNTRIED
        await self._record(d, result, via="reply", reply_state=state)

    async def _mark(self, d: Delivery, *, reply_state: ReplyState) -> None:
        assert d.row.id is not None
        await self._updates.submit((d.row.id, {"reply_state": reply_state}, False))  # committed before the call

    async def _record(self, d: Delivery, result: SendResult, *, via: str, reply_state: ReplyState) -> None:
        row = d.row
        now = self._clock.now()
        attempts = row.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "lease_owner": None,
            "lease_until": None,
            "reply_state": reply_state,
        }
        if result.outcome is Outcome.SENT:
            values |= {"status": OutboxStatus.SENT, "sent_at": now, "via": via, "last_error": None}
            METRICS.outbox_sent.labels(via=via).inc()
        elif result.outcome is Outcome.RETRY and attempts < self._max_attempts:
            delay = result.retry_after if result.retry_after is not None else backoff_seconds(attempts, self._backoff)
            err = f"{'no answer' if result.ambiguous else 'retry'} {result.status or result.error}"
            values |= {"next_attempt_at": now + timedelta(seconds=delay), "last_error": err[:500]}
            METRICS.outbox_retries.inc()
        else:
            values |= {"status": OutboxStatus.FAILED, "last_error": f"{result.status} {result.error}"[:500]}
            METRICS.outbox_failed.inc()
            log.warning("message %s to a %s could not be delivered: %s", row.id, _kind(row.to), result.status)
        assert row.id is not None
        await self._settle((row.id, values, bool(d.merged)))

    async def _settle(self, item: outbox.Update) -> None:
        """Write a call's outcome, retrying while the database is away.

        The call has happened; only its record is missing. Giving up here would leave the row to be offered
        again when its lease ends, and by then a reply token has expired, so a reply that did reach the
        resident would be pushed a second time (seen across a PostgreSQL restart). The chat stays busy in
        this process meanwhile, and the update only applies while the lease is still ours, so a record that
        comes late can never overwrite another worker's. At shutdown it stops trying after `SETTLE_GRACE`.
        """
        delay = 0.1
        give_up: float | None = None
        while True:
            try:
                await self._updates.submit(item)
                return
            except Exception:
                now = asyncio.get_running_loop().time()
                if self._stopping:
                    give_up = give_up or now + SETTLE_GRACE
                    if now >= give_up:
                        raise
                log.warning("recording the outcome of outbox message %s failed; trying again", item[0])
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    async def drain(self, deadline: datetime) -> None:
        """At shutdown: send what is due until the deadline; the rest stays queued for the next start."""
        while self._clock.now() < deadline:
            if not await self.run_once():
                return


def _kind(chat_id: str) -> str:
    return {"U": "user", "C": "group", "R": "room"}.get(chat_id[:1], "chat")
