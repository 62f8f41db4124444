"""Newcomers: coordinators are told of a resident who registered on LINE and of their held requests; once
a coordinator decides (CLI or dashboard, bot.store.approval), the held requests are posted or closed and the
resident is told."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.flows.request_actions import post_to_group
from bot.store import help_requests, people
from bot.store.approval import DECIDED_JOB
from bot.store.models import Resident
from bot.workers.scheduler import JobContext, JobHandler


async def decided(ctx: JobContext) -> None:
    """Run by the server right after a coordinator approved or declined, wherever they did it."""
    p = ctx.job.payload
    approve = bool(p["approved"])
    async with ctx.tx() as tx:
        resident = await tx.session.get(Resident, int(p["resident_id"]))
        if resident is None or not resident.active or resident.approval != ("approved" if approve else "declined"):
            return  # decided otherwise since (or erased): the later decision's own job speaks
        assert resident.id is not None
        posted = 0
        for req in await help_requests.held_for(tx.session, resident.id):
            assert req.id is not None
            if not await help_requests.unhold(
                tx.session, request_id=req.id, approve=approve, by=resident.decided_by, now=tx.now
            ):
                continue
            if approve:
                await tx.session.refresh(req)
                await post_to_group(tx, req, resident, tell_resident=False)
                posted += 1
        if approve:
            texts = [M.APPROVED_RESIDENT, *([M.APPROVED_HELD_POSTED] if posted else [])]
            tx.push(resident.line_user_id, *(ui.text(t) for t in texts), purpose="approved")
        else:
            district = await people.get_district(tx.session, resident.district_code)
            tx.push(
                resident.line_user_id,
                ui.with_call(M.DECLINED_RESIDENT, M.DECLINED_CALL, district.contact_phone),
                purpose="declined",
            )


JOBS: dict[str, JobHandler] = {DECIDED_JOB: decided}
