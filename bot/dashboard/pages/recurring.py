"""Standing arrangements (毎週のお手伝い) on the dashboard: coordinators approve and stop them here; the LINE
message to the coordinators' group links to this page instead of giving a shell command. The same store
transition and flow as the CLI (`sasaeai recurring approve|stop`)."""

from __future__ import annotations

from aiohttp import web

from bot import messages as M
from bot.dashboard.audit_trail import actor
from bot.dashboard.pages.base import PREFIX, flash_redirect, form_str, now, render
from bot.dashboard.security import services, who
from bot.flows import recurring as recurring_flow
from bot.store import audit
from bot.store import recurring as store
from bot.store.errors import InvalidInput, NotFound
from bot.store.ids import parse_id
from bot.store.models import RecurringHelp, RecurringStatus, Resident


async def _visible(request: web.Request, rec_id: int) -> tuple[RecurringHelp, Resident]:
    w = who(request)
    async with services(request).db.read() as s:
        rec = await s.get(RecurringHelp, rec_id)
        resident = await s.get(Resident, rec.resident_id) if rec is not None else None
    if rec is None or resident is None or not w.may_see_resident(resident.id, rec.district_code):
        raise NotFound("recurring")
    return rec, resident


async def recurring_list(request: web.Request) -> web.Response:
    w = who(request)
    async with services(request).db.read() as s:
        rows = [r for r in await store.list_all(s) if w.may_see(r.district_code)]
    order: dict[str, int] = {RecurringStatus.PENDING_APPROVAL: 0, RecurringStatus.ACTIVE: 1}
    rows.sort(key=lambda r: (order.get(r.status, 2), r.id or 0))
    return await render(
        request,
        "recurring.html",
        {"rows": rows, "status_labels": M.DASH_RECUR_STATUS, "days": store.days_of, "nav": "recurring"},
    )


async def recurring_page(request: web.Request) -> web.Response:
    rec, resident = await _visible(request, parse_id(request.match_info["id"]))
    return await render(
        request,
        "recurring_one.html",
        {
            "rec": rec,
            "resident": resident,
            "status_labels": M.DASH_RECUR_STATUS,
            "days": store.days_of(rec),
            "nav": "recurring",
        },
    )


async def recurring_action(request: web.Request) -> web.Response:
    rec_id = parse_id(request.match_info["id"])
    await _visible(request, rec_id)  # another district's arrangement looks missing
    op = form_str(await request.post(), "op")
    here = f"{PREFIX}/recurring/{rec_id}"
    t = now(request)
    try:
        async with services(request).db.session() as s:
            if op == "approve":
                rec = await store.approve(s, recurring_id=rec_id, now=t)
                await recurring_flow.approved(s, rec, t)
                audit.record(
                    s, actor(request), audit.Action.RECURRING_APPROVE, now=t, kind="recurring", record_id=rec_id
                )
                message = M.DASH_RECUR_APPROVED
            elif op == "stop":
                await store.stop(s, recurring_id=rec_id, now=t)
                audit.record(s, actor(request), audit.Action.RECURRING_STOP, now=t, kind="recurring", record_id=rec_id)
                message = M.DASH_RECUR_STOPPED
            else:
                raise NotFound(op)
    except InvalidInput:
        return await flash_redirect(request, here, M.DASH_RECUR_REFUSED, error=True)
    services(request).wake_scheduler()  # the group post is a job due now
    return await flash_redirect(request, here, message)
