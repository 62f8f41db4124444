"""Runs scheduled jobs (merge windows, reminders, escalations, check-ins) when they fall due.

Each job runs in one transaction with the messages it decides, and is marked done in that same
transaction: a crash re-runs it whole, and the lease plus the conditional finish mean that several
server processes on one PostgreSQL run each job once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import SharedReads, Tx
from bot.services import Services
from bot.store import jobs
from bot.store.models import Job
from bot.workers.sender import backoff_seconds

log = logging.getLogger(__name__)

# After this many failed runs a job is given up and shown to coordinators (the inbox gives up after 8 too):
# a job that fails every time would otherwise retry forever, and nobody would learn of it.
MAX_ATTEMPTS = 8


@dataclass
class JobContext:
    """A job's context; it satisfies FlowContext, so flows run the same for a job as for an event.

    A job may carry a reply target (`reply_to`, `reply_token`, `reply_deadline` in its payload):
    the merge window answers with the last fragment's reply token, which is still fresh.
    """

    services: Services
    job: Job
    now: datetime
    finished: bool = False
    _reads: SharedReads = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._reads = SharedReads(self.services.db)

    @property
    def user_id(self) -> str | None:
        value = self.job.payload.get("user")
        return str(value) if value else None

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The job's lookups share one read transaction, as an event's do (bot/context.SharedReads)."""
        return self._reads.read()

    async def close_reads(self) -> None:
        await self._reads.close()

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        assert not self.finished and self.job.id is not None
        p = self.job.payload
        deadline = datetime.fromisoformat(p["reply_deadline"]) if p.get("reply_deadline") else None
        async with self._reads.write() as s:
            t = Tx(
                session=s,
                now=self.now,
                services=self.services,
                reply_chat=p.get("reply_to") or self.user_id,
                reply_token=p.get("reply_token"),
                reply_deadline=deadline,
            )
            yield t
            await t.forward_to_proxies()
            t.flush_reply()
            await jobs.finish(s, job_id=self.job.id, owner=self.services.owner, now=self.now, due_at=self.job.due_at)
        self.finished = True
        self.services.wake_outbox()


JobHandler = Callable[[JobContext], Awaitable[None]]
# Each job kind's handler, given to the Scheduler by the app (bot.jobs_table): no registration by import.
JobHandlers = Mapping[str, JobHandler]


def _lane(job: Job) -> str:
    """Who or what a job is about; jobs about the same one never run at the same time."""
    for field in ("user", "request_id", "recurring_id", "resident_id", "checkin_id"):
        if job.payload.get(field) is not None:
            return f"{field}:{job.payload[field]}"
    return job.key


class Scheduler:
    def __init__(self, services: Services, handlers: JobHandlers) -> None:
        self._s = services
        self._handlers = handlers
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        interval = self._s.settings.scheduler_interval_seconds
        while not self._stopping:
            # Cleared before the round, not after: a wake (or a stop) arriving during it is not lost.
            self._wake.clear()
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("scheduler round failed")
                ran = 0
                await asyncio.sleep(1.0)
            if ran:
                continue
            # Compute the timeout first: a coroutine made before a cancellation point leaks if cancelled there.
            idle = await self._idle(interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)

    async def _idle(self, interval: float) -> float:
        try:
            async with self._s.db.read() as s:  # a look: on SQLite it must not queue for the write lock
                due = await jobs.next_due(s)
        except Exception:
            return interval
        if due is None:
            return interval
        return max(0.02, min(interval, (due - self._s.clock.now()).total_seconds()))

    async def run_once(self) -> int:
        now = self._s.clock.now()
        lease = timedelta(seconds=self._s.settings.lease_seconds)
        if self._s.db.sqlite:
            # Look before claiming: a claim is a write transaction, and on SQLite the edge's inbox writes wait
            # for the one write lock; most rounds (each wake, each interval) find nothing due.
            async with self._s.db.read() as s:
                first = await jobs.next_due(s)
            if first is None or (first if first.tzinfo else first.replace(tzinfo=UTC)) > now:
                return 0
        async with self._s.db.session() as s:
            due = await jobs.claim_due(s, owner=self._s.owner, now=now, lease=lease, limit=20)
        # Side by side, not one after another: a snowstorm morning makes ~20 merge windows close a second,
        # each waiting on the NLP thread and the database (run in turn they fell minutes behind). Jobs of
        # one person or request still run in turn, in due order.
        lanes: dict[str, list[Job]] = {}
        for job in due:
            lanes.setdefault(_lane(job), []).append(job)
        slots = asyncio.Semaphore(self._s.settings.job_concurrency)

        async def lane(queue: list[Job]) -> None:
            for job in queue:
                async with slots:
                    await self._run(job)

        await asyncio.gather(*(lane(q) for q in lanes.values()))
        return len(due)

    async def _run(self, job: Job) -> None:
        assert job.id is not None
        handler = self._handlers.get(job.kind)
        ctx = JobContext(services=self._s, job=job, now=self._s.clock.now())
        try:
            try:
                if handler is None:
                    log.error("no handler for job kind %s; dropping job %s", job.kind, job.id)
                else:
                    await handler(ctx)
            finally:
                await ctx.close_reads()  # before a job that wrote nothing is marked done below
            if not ctx.finished:
                async with ctx.tx():
                    pass
        except jobs.JobLeaseLost:
            log.info("job %s was rescheduled or taken over; its changes were rolled back", job.id)
        except Exception:
            if job.attempts >= MAX_ATTEMPTS:
                log.exception("job %s (%s) failed %d times; giving up", job.id, job.kind, job.attempts)
                async with self._s.db.session() as s:
                    await jobs.fail(s, job_id=job.id, owner=self._s.owner, now=self._s.clock.now())
                return
            log.exception("job %s (%s) failed; retrying later", job.id, job.kind)
            async with self._s.db.session() as s:
                await jobs.release(
                    s,
                    job_id=job.id,
                    owner=self._s.owner,
                    retry_at=self._s.clock.now() + timedelta(seconds=backoff_seconds(job.attempts)),
                )
