"""Job handlers are registered explicitly: one table the app hands the scheduler, every kind scheduled in it."""

from __future__ import annotations

import pytest

from bot import escalation
from bot.flows import alerting, checkin, fragments, recurring, safety
from bot.jobs_table import job_handlers
from bot.store import approval, stuck
from bot.workers.scheduler import JobContext


def test_every_kind_the_bot_schedules_has_a_handler() -> None:
    kinds = {
        fragments.MERGE_JOB,
        escalation.REMIND,
        escalation.ALERT,
        escalation.STALE,
        escalation.STALE_ALERT,
        checkin.SEND_JOB,
        checkin.MISSED_JOB,
        recurring.POST_JOB,
        recurring.OCCURRENCE_JOB,
        safety.FOLLOWUP_JOB,
        alerting.ACK_JOB,
        stuck.RELEASE_JOB,
        approval.DECIDED_JOB,
    }
    assert set(job_handlers()) == kinds


def test_a_kind_handled_twice_is_refused() -> None:
    async def other(ctx: JobContext) -> None:
        return None

    with pytest.raises(ValueError, match="handled twice"):
        job_handlers({escalation.REMIND: other})
