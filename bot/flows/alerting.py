"""Alerts to coordinators that are kept and acknowledged: sent to the district's coordinators' group (else the
city-wide group) with a 「対応します」 button; nobody pressed it after ALERT_ACK_SECONDS → repeated in the
district's group and escalated to the city-wide group, once each per period, until someone acts on it.

Each repeat is a job keyed by the alert and its number, and counted by a conditional update: a restart or a
second server process repeats nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.context import EventContext, Tx
from bot.job_payloads import AlertAckPayload
from bot.store import alerts, help_requests, jobs, people
from bot.store.errors import NotFound, StaleButton, WrongDistrict
from bot.store.models import CANCELLED, DONE, Alert, District, HelpRequest, LineGroup, Resident
from bot.workers.scheduler import JobContext, JobHandler

log = logging.getLogger(__name__)

ACK_JOB = "alert_ack"
MAX_REPEATS = 3  # then the dashboard's red list is what is left: three rounds to every group is enough noise
PURPOSE = {"emergency": "emergency", "possible": "emergency", "consult": "consult"}


def _url(tx: Tx, request_id: int | None) -> str:
    base = tx.services.settings.public_base_url.rstrip("/")
    return f"{base}/dashboard/requests/{request_id}" if request_id else f"{base}/dashboard/"


def when_text(tx: Tx) -> str:
    return M.alert_time(tx.now.astimezone(JST))


def _message(tx: Tx, alert: Alert, head: str, phone: str | None) -> ui.Msg:
    assert alert.id is not None
    return ui.alert(
        head + (alert.body or ""),
        alert.id,
        phone=phone,
        url=_url(tx, alert.request_id),
        secret=tx.services.secret,
    )


async def _phone(tx: Tx, alert: Alert) -> str | None:
    if alert.request_id is None:
        return None
    req = await tx.session.get(HelpRequest, alert.request_id)
    resident = await tx.session.get(Resident, req.resident_id) if req else None
    return resident.phone if resident else None


async def raise_alert(
    tx: Tx,
    *,
    kind: str,
    body: str,
    request_id: int | None,
    district_code: str | None,
    phone: str | None,
    subject_line_user_id: str | None,
) -> Alert:
    """Keep the alert, send it where the district's alerts go, and start the repeat chain."""
    groups = await people.coordinator_groups(tx.session, district_code)
    alert = await alerts.create(
        tx.session,
        kind=kind,
        request_id=request_id,
        district_code=district_code,
        routed=bool(groups),
        body=body,
        subject_line_user_id=None if request_id else subject_line_user_id,
        now=tx.now,
    )
    assert alert.id is not None
    msg = _message(tx, alert, "", phone)
    for g in groups:
        tx.push(g.group_id, msg, purpose=PURPOSE[kind], request_id=request_id)
    if not groups:
        # Kept (the dashboard shows it in red); the log says so too, without personal data.
        log.error("no coordinators' group for district %s: %s alert %s is kept unsent", district_code, kind, alert.id)
    await _schedule(tx, alert, 1)
    return alert


async def _schedule(tx: Tx, alert: Alert, n: int) -> None:
    assert alert.id is not None
    period = timedelta(seconds=tx.services.settings.alert_ack_seconds)
    await jobs.schedule(
        tx.session,
        key=f"{ACK_JOB}:{alert.id}:{n}",
        kind=ACK_JOB,
        due_at=alert.created_at + period * n,
        payload=AlertAckPayload(alert_id=alert.id, n=n),
    )
    tx.services.wake_scheduler()


async def unacknowledged(ctx: JobContext) -> None:
    alert_id, n = int(ctx.job.payload["alert_id"]), int(ctx.job.payload["n"])
    async with ctx.tx() as tx:
        alert = await tx.session.get(Alert, alert_id)
        if alert is None or alert.acknowledged_at is not None:
            return
        req = await tx.session.get(HelpRequest, alert.request_id) if alert.request_id else None
        if req is not None and req.status in (DONE, CANCELLED):
            return  # finished on the dashboard or by the resident: nothing left to call anyone about
        if not await alerts.step(tx.session, alert_id=alert_id, repeat=n, now=tx.now):
            return
        minutes = M.alert_minutes(tx.services.settings.alert_ack_seconds * n)
        phone = await _phone(tx, alert)
        own = await people.district_coordinator_groups(tx.session, alert.district_code) if alert.district_code else []
        for g in own:
            tx.push(
                g.group_id,
                _message(tx, alert, M.alert_repeat(minutes), phone),
                purpose="alert_repeat",
                request_id=alert.request_id,
            )
        district = await tx.session.get(District, alert.district_code) if alert.district_code else None
        dname = district.name if district else M.UNKNOWN_DISTRICT
        for g in await people.city_wide_groups(tx.session):
            tx.push(
                g.group_id,
                _message(tx, alert, M.alert_escalated(dname, minutes), phone),
                purpose="alert_escalated",
                request_id=alert.request_id,
            )
        if alert.request_id is not None:
            help_requests.record(
                tx.session,
                request_id=alert.request_id,
                at=tx.now,
                actor_kind="system",
                actor_id=None,
                action="alert_repeat",
                note=str(n),
            )
        if n < MAX_REPEATS:
            await _schedule(tx, alert, n + 1)


async def _groups_told(tx: Tx, alert: Alert) -> list[LineGroup]:
    """Every group that received the alert (or its repeats)."""
    groups = await people.coordinator_groups(tx.session, alert.district_code)
    if alert.escalated_at is not None:
        groups += [g for g in await people.city_wide_groups(tx.session) if g not in groups]
    return groups


async def acknowledge(ctx: EventContext, alert_id: int) -> None:
    """「対応します」 pressed in a coordinators' group that serves the alert's district."""
    if ctx.group_id is None or ctx.user_id is None:
        raise StaleButton()
    async with ctx.read() as s:
        alert = await s.get(Alert, alert_id)
        group = await people.get_group(s, ctx.group_id)
        served = await people.group_districts(s, ctx.group_id) if group else []
    if alert is None:
        raise NotFound(f"alert {alert_id}")
    if group is None or group.role != "coordinators" or (served and alert.district_code not in served):
        raise WrongDistrict()
    name = await ctx.services.gateway.group_member_name(ctx.group_id, ctx.user_id) or M.ALERT_ACK_SOMEONE
    async with ctx.tx() as tx:
        taken = await alerts.acknowledge(tx.session, alert_id=alert_id, by=name, line_user_id=ctx.user_id, now=ctx.now)
        alert = await tx.session.get(Alert, alert_id, populate_existing=True)
        assert alert is not None
        if not taken:
            at = (alert.acknowledged_at or ctx.now).astimezone(JST)
            tx.reply(ui.text(M.alert_already_acknowledged(alert.acknowledged_by or M.ALERT_ACK_SOMEONE, f"{at:%H:%M}")))
            return
        await _tell_acknowledged(tx, alert, M.alert_acknowledged(name), here=ctx.group_id)


async def _tell_acknowledged(tx: Tx, alert: Alert, text: str, here: str | None) -> None:
    if here is not None:
        tx.reply(ui.text(text))
    for g in await _groups_told(tx, alert):
        if g.group_id != here:
            tx.push(g.group_id, ui.text(text), purpose="alert_ack", request_id=alert.request_id)
    if alert.request_id is not None:
        help_requests.record(
            tx.session,
            request_id=alert.request_id,
            at=tx.now,
            actor_kind="coordinator",
            actor_id=alert.acknowledged_line_user_id,
            action="alert_ack",
            note=alert.acknowledged_by,
        )


async def acknowledge_for_request(tx: Tx, *, request_id: int, coordinator_id: int, name: str) -> int:
    """A coordinator acted on the request on the dashboard: its open alerts are taken, the groups told."""
    taken = 0
    for alert in await alerts.open_for_request(tx.session, request_id):
        assert alert.id is not None
        if await alerts.acknowledge(tx.session, alert_id=alert.id, by=name, coordinator_id=coordinator_id, now=tx.now):
            await tx.session.refresh(alert)  # loaded in this session: the update's values
            await _tell_acknowledged(tx, alert, M.alert_acknowledged_on_dashboard(name), here=None)
            taken += 1
    return taken


JOBS: dict[str, JobHandler] = {ACK_JOB: unacknowledged}
