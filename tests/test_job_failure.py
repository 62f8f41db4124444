"""A job that fails every time is given up after MAX_ATTEMPTS runs, never retried after, and shown to the
coordinators of its district on the dashboard (as undeliverable messages are). Before, it retried forever."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.emulator import EmulatorServer
from bot.store import dashboard, jobs, people
from bot.store.models import Job
from bot.workers.scheduler import MAX_ATTEMPTS, JobContext
from tests.conftest import Bot, build_world, make_settings, settled, start_bot

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
BROKEN = "test_broken"
BACKOFF_MAX = 400  # seconds: backoff_seconds is capped at 300 s, with up to 25% jitter


async def _broken(ctx: JobContext) -> None:
    raise RuntimeError("broken on purpose")


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def fbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url), clock=clock, jobs={BROKEN: _broken})
    yield b
    await b.runner.cleanup()


async def _job(bot: Bot) -> Job:
    async with bot.db.session() as s:
        return (await s.exec(select(Job).where(Job.kind == BROKEN))).one()


async def test_a_job_that_keeps_failing_is_given_up_and_shown_to_coordinators(
    fbot: Bot, emu: EmulatorServer, clock: ManualClock
) -> None:
    world = await build_world(fbot, emu)
    async with fbot.db.session() as s:
        res = await people.resident_by_line(s, world.resident)
        assert res is not None
        await jobs.schedule(s, key="broken:1", kind=BROKEN, due_at=clock.now(), payload={"resident_id": res.id})  # type: ignore[arg-type]  # a kind of its own
    for _ in range(MAX_ATTEMPTS):
        await settled(fbot)  # it ran, failed and waits for its retry (or was given up)
        clock.advance(BACKOFF_MAX)
    await settled(fbot)
    job = await _job(fbot)
    assert job.status == "failed" and job.attempts == MAX_ATTEMPTS and job.lease_owner is None

    clock.advance(24 * 3600)  # never tried again
    await settled(fbot)
    assert (await _job(fbot)).attempts == MAX_ATTEMPTS

    async with fbot.db.session() as s:
        mine = await dashboard.failed_jobs(s, scope=frozenset({world.district}))
        others = await dashboard.failed_jobs(s, scope=frozenset({"K02"}))
        everyone = await dashboard.failed_jobs(s, scope=None)
    assert [j.row.key for j in mine] == ["broken:1"] and others == [] and len(everyone) == 1
