"""Escalation that never forgets: reminders to the group, alerts to coordinators, nudges for stale claims.

Every step is a row in the `job` table, keyed by the request and the moment it was posted (or claimed),
so a re-post restarts the chain and an old chain finds itself outdated. Handlers re-check the request
when they fire: a claimed, done or cancelled request gets nothing. Each step raises
`escalation_level` and is written on the request's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import job_payloads, matching, ui
from bot import messages as M
from bot.clock import JST
from bot.context import Tx
from bot.flows.when import when_text
from bot.job_payloads import ClaimedPayload, PostedPayload
from bot.store import dashboard, help_requests, jobs, people, supporters
from bot.store.models import CLAIMED, OPEN, District, HelpRequest, LineGroup, Resident, Supporter
from bot.workers.scheduler import JobContext, JobHandler

REMIND, ALERT, STALE, STALE_ALERT = "esc_remind", "esc_alert", "esc_stale", "esc_stale_alert"
# After a supporter was asked about a stale claim, coordinators hear of it if it is still not done this much later.
STALE_GRACE = timedelta(hours=12)
# Emergencies and consultations never go to volunteers; coordinators were alerted at once by bot.flows.safety.
NEVER_TO_GROUP = ("emergency", "consult")
UNRESOLVED_MAX_LINES = 20  # a LINE message people read on a phone; the dashboard has the rest


def epoch(when: datetime | None) -> int:
    """Milliseconds: a re-post in the same second as the first posting must still start a chain of its own."""
    return int(when.timestamp() * 1000) if when is not None else 0


def in_quiet_hours(now: datetime, district: District) -> bool:
    start, end = district.quiet_start_hour, district.quiet_end_hour
    if start == end:
        return False
    h = now.astimezone(JST).hour
    return (h >= start or h < end) if start > end else (start <= h < end)


def quiet_end(now: datetime, district: District) -> datetime:
    """The next moment quiet hours end (local time), as UTC-aware datetime."""
    local = now.astimezone(JST)
    end = local.replace(hour=district.quiet_end_hour, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


def not_quiet(when: datetime, district: District) -> datetime:
    return quiet_end(when, district) if in_quiet_hours(when, district) else when


def dashboard_url(tx_or_ctx: Tx | JobContext, request_id: int) -> str:
    base = tx_or_ctx.services.settings.public_base_url.rstrip("/")
    return f"{base}/dashboard/requests/{request_id}"


async def schedule_for_post(tx: Tx, req: HelpRequest) -> None:
    """Called when a request is posted to its group: start (or restart) the unclaimed chain."""
    assert req.id is not None
    if req.category in NEVER_TO_GROUP or req.posted_at is None:
        return
    district = await people.get_district(tx.session, req.district_code)
    posted = epoch(req.posted_at)
    payload = PostedPayload(request_id=req.id, posted=posted)
    remind_at = not_quiet(req.posted_at + timedelta(minutes=district.remind_after_minutes), district)
    alert_at = req.posted_at + timedelta(minutes=district.alert_after_minutes)
    await jobs.schedule(tx.session, key=f"remind:{req.id}:{posted}", kind=REMIND, due_at=remind_at, payload=payload)
    await jobs.schedule(tx.session, key=f"alert:{req.id}:{posted}", kind=ALERT, due_at=alert_at, payload=payload)
    tx.services.wake_scheduler()


async def schedule_for_claim(tx: Tx, req: HelpRequest) -> None:
    """Called when a supporter takes a request (or a coordinator assigns it): watch for a stale claim."""
    assert req.id is not None
    if req.claimed_at is None:
        return
    district = await people.get_district(tx.session, req.district_code)
    claimed = epoch(req.claimed_at)
    due = not_quiet(req.claimed_at + timedelta(hours=district.claimed_stale_hours), district)
    await jobs.schedule(
        tx.session,
        key=f"stale:{req.id}:{claimed}",
        kind=STALE,
        due_at=due,
        payload=ClaimedPayload(request_id=req.id, claimed=claimed),
    )
    tx.services.wake_scheduler()


def _age_text(since: datetime | None, now: datetime) -> str:
    return M.plain_duration(now - since) if since else ""


async def _still_unclaimed(tx: Tx, p: PostedPayload) -> HelpRequest | None:
    """The request an unclaimed-chain job is about, or None once it was claimed, closed or posted again."""
    req = await tx.session.get(HelpRequest, p["request_id"])
    if req is None or req.status != OPEN or epoch(req.posted_at) != p["posted"]:
        return None
    return req


async def _still_claimed(tx: Tx, p: ClaimedPayload) -> HelpRequest | None:
    """The request a stale-claim job is about, or None once it was done, released or claimed again."""
    req = await tx.session.get(HelpRequest, p["request_id"])
    if req is None or req.status != CLAIMED or epoch(req.claimed_at) != p["claimed"] or req.supporter_id is None:
        return None
    return req


async def _deferred_for_quiet_hours(
    tx: Tx, district: District, *, key: str, kind: str, payload: PostedPayload | ClaimedPayload
) -> bool:
    """In quiet hours (settings may have changed since scheduling), the job waits for the morning under a key
    of its own, as the one running now still holds `key`: True when it did."""
    if not in_quiet_hours(tx.now, district):
        return False
    await jobs.schedule(tx.session, key=f"{key}:late", kind=kind, due_at=quiet_end(tx.now, district), payload=payload)
    return True


async def remind(ctx: JobContext) -> None:
    p = job_payloads.posted(ctx.job.payload)
    async with ctx.tx() as tx:
        req = await _still_unclaimed(tx, p)
        if req is None or req.category in NEVER_TO_GROUP:
            return
        assert req.id is not None
        district = await people.get_district(tx.session, req.district_code)
        if await _deferred_for_quiet_hours(tx, district, key=f"remind:{req.id}:{p['posted']}", kind=REMIND, payload=p):
            return
        group = await people.district_group(tx.session, req.district_code)
        if group is None:
            return
        resident = await tx.session.get(Resident, req.resident_id)
        if not await help_requests.escalate(tx.session, req, now=tx.now, action="reminded"):
            return
        post = ui.request_post(
            req,
            when=when_text(req),
            town=resident.town if resident else None,
            district_name=district.name,
            secret=tx.services.secret,
        )
        tx.push(
            group.group_id,
            ui.text(M.group_reminder(req.id, _age_text(req.posted_at, tx.now))),
            post,
            purpose="reminder",
            request_id=req.id,
        )
        await _nudge(tx, req, town=resident.town if resident else None, district_name=district.name)


async def _nudge(tx: Tx, req: HelpRequest, *, town: str | None, district_name: str) -> None:
    """Still unclaimed after the first reminder: the best-suited hear of it 1:1, once per request."""
    assert req.id is not None
    suited = matching.suited(await supporters.suggestions(tx.session, req, now=tx.now))
    if not suited or not await help_requests.mark_nudged(tx.session, request_id=req.id, now=tx.now):
        return
    help_requests.record(
        tx.session,
        request_id=req.id,
        at=tx.now,
        actor_kind="system",
        actor_id=None,
        action="nudged",
        note="、".join(x.supporter.name for x in suited),
    )
    area = town or f"{district_name}地区"
    for x in suited:
        tx.push(
            x.supporter.line_user_id,
            ui.text(M.supporter_nudge(x.supporter.name, req.id, req.category, area, when_text(req))),
            purpose="nudge",
            request_id=req.id,
        )


async def alert(ctx: JobContext) -> None:
    p = job_payloads.posted(ctx.job.payload)
    async with ctx.tx() as tx:
        req = await _still_unclaimed(tx, p)
        if req is None:
            return
        assert req.id is not None
        district = await people.get_district(tx.session, req.district_code)
        if not await help_requests.escalate(tx.session, req, now=tx.now, action="alerted"):
            return
        text = M.coordinator_unclaimed(
            district.name, req.id, req.category, _age_text(req.posted_at, tx.now), req.masked, dashboard_url(tx, req.id)
        )
        await tx.tell_coordinators(req.district_code, ui.text(text), purpose="alert", request_id=req.id)


async def stale(ctx: JobContext) -> None:
    p = job_payloads.claimed(ctx.job.payload)
    async with ctx.tx() as tx:
        req = await _still_claimed(tx, p)
        if req is None:
            return
        assert req.id is not None
        district = await people.get_district(tx.session, req.district_code)
        if await _deferred_for_quiet_hours(tx, district, key=f"stale:{req.id}:{p['claimed']}", kind=STALE, payload=p):
            return
        sup = await tx.session.get(Supporter, req.supporter_id)
        if sup is None or not await help_requests.escalate(
            tx.session, req, now=tx.now, action="stale_asked", note=sup.name
        ):
            return
        tx.push(
            sup.line_user_id,
            ui.supporter_details(M.supporter_stale(req.id, req.category), req.id, tx.services.secret),
            purpose="stale",
            request_id=req.id,
        )
        await jobs.schedule(
            tx.session,
            key=f"stale_alert:{req.id}:{p['claimed']}",
            kind=STALE_ALERT,
            due_at=tx.now + STALE_GRACE,
            payload=p,
        )


async def stale_alert(ctx: JobContext) -> None:
    p = job_payloads.claimed(ctx.job.payload)
    async with ctx.tx() as tx:
        req = await _still_claimed(tx, p)
        if req is None:
            return
        assert req.id is not None
        district = await people.get_district(tx.session, req.district_code)
        sup = await tx.session.get(Supporter, req.supporter_id)
        name = sup.name if sup else "?"
        if not await help_requests.escalate(tx.session, req, now=tx.now, action="stale_alerted", note=name):
            return
        text = M.coordinator_stale(
            district.name, req.id, req.category, name, _age_text(req.claimed_at, tx.now), dashboard_url(tx, req.id)
        )
        await tx.tell_coordinators(req.district_code, ui.text(text), purpose="alert", request_id=req.id)


async def unresolved_text(tx: Tx, group: LineGroup) -> str:
    """「未解決」 in a group: a coordinators' group sees the districts it serves (the city-wide group: every
    district); a district's group sees its own open requests, without emergencies or consultations (never for
    volunteers) and without names."""
    coordinators = group.role == "coordinators"
    if coordinators:
        served = await people.group_districts(tx.session, group.group_id)
        scope = frozenset(served) if served else None
    else:
        scope = frozenset({group.district_code or ""})
    rows = await dashboard.unresolved(tx.session, scope=scope)
    if not coordinators:
        rows = [r for r in rows if r.req.category not in NEVER_TO_GROUP]
    if not rows:
        return M.UNRESOLVED_NONE
    lines = [M.unresolved_header(len(rows))]
    for r in rows[:UNRESOLVED_MAX_LINES]:
        state = r.req.category if r.req.category in NEVER_TO_GROUP else r.req.status
        lines.append(
            M.unresolved_line(
                r.req.id or 0,
                r.district.name,
                r.req.category,
                M.UNRESOLVED_STATE[state],
                M.age_text(tx.now - r.req.created_at),
            )
        )
    if len(rows) > UNRESOLVED_MAX_LINES:
        lines.append(M.unresolved_more(len(rows) - UNRESOLVED_MAX_LINES))
    if coordinators:
        lines.append(M.unresolved_footer(tx.services.settings.public_base_url.rstrip("/") + "/dashboard/"))
    return "\n".join(lines)


# The jobs this module runs (bot.jobs_table gives them to the scheduler).
JOBS: dict[str, JobHandler] = {
    REMIND: remind,
    ALERT: alert,
    STALE: stale,
    STALE_ALERT: stale_alert,
}
