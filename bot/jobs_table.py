"""Every job kind and its handler, in one table the app gives the scheduler: what runs is visible here,
not decided by which modules happened to be imported."""

from __future__ import annotations

from collections.abc import Mapping

from bot import escalation
from bot.flows import alerting, approval, checkin, recurring, resident, safety, stuck
from bot.workers.scheduler import JobHandler


def job_handlers(extra: Mapping[str, JobHandler] | None = None) -> dict[str, JobHandler]:
    """The bot's job handlers; `extra` adds kinds of its own (a test standing in for a verdict)."""
    table: dict[str, JobHandler] = {}
    for jobs in (
        resident.JOBS,
        approval.JOBS,
        alerting.JOBS,
        stuck.JOBS,
        escalation.JOBS,
        checkin.JOBS,
        recurring.JOBS,
        safety.JOBS,
        extra or {},
    ):
        clash = table.keys() & jobs.keys()
        if clash:
            raise ValueError(f"job kinds handled twice: {sorted(clash)}")
        table.update(jobs)
    return table
