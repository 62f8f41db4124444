"""Watching over (見守り): a resident who opts in is asked 「お元気ですか？」 daily or weekly at their hour.
No answer within the district's hours → a quiet 1:1 word to the district's supporters' lead, or to the
coordinators' group when there is no lead — never the district group. Any answer closes it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.context import EventContext, Tx
from bot.store import checkins, jobs, outbox, people
from bot.store.errors import StaleButton
from bot.store.models import Checkin, CheckinPlan, CheckinStatus, Resident
from bot.workers.scheduler import JobContext, JobHandler

log = logging.getLogger(__name__)

SEND_JOB = "checkin"
MISSED_JOB = "checkin_miss"
DEFAULT_ALERT_HOURS = 3
HOURS = (7, 8, 9, 10, 12, 15)  # the choices offered; mornings first, when most residents are up
FREQUENCIES = ("daily", "weekly")
# A check-in found due this late (the server was down, or the simulator's clock jumped) is skipped: a
# morning 「おはようございます」 at 19時 would puzzle the resident and its silence would raise a false alarm.
LATE = timedelta(hours=1)


def next_time(plan: CheckinPlan, after: datetime) -> datetime:
    """The plan's next moment strictly after `after` (local hour, Asia/Tokyo), in UTC."""
    local = after.astimezone(JST)
    for d in range(8):
        day = (local + timedelta(days=d)).date()
        at = datetime(day.year, day.month, day.day, plan.hour, tzinfo=JST)
        if at > local and (plan.frequency == "daily" or day.weekday() == plan.weekday):
            return at.astimezone(after.tzinfo)
    raise AssertionError("a weekly plan always has a day within a week")


async def _schedule_next(tx: Tx, plan: CheckinPlan, after: datetime) -> None:
    due = next_time(plan, after)
    await jobs.schedule(
        tx.session,
        key=f"{SEND_JOB}:{plan.resident_id}:{due:%Y%m%d%H}",
        kind=SEND_JOB,
        due_at=due,
        # A plan changed later (another hour, stopped) makes this job stale: it checks the version.
        payload={"resident_id": plan.resident_id, "version": plan.updated_at.isoformat()},
    )


async def offer(ctx: EventContext) -> None:
    async with ctx.tx() as tx:
        tx.reply(ui.ask_watch_frequency(ctx.services.secret))


async def ask_hour(ctx: EventContext, frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise StaleButton()
    async with ctx.tx() as tx:
        tx.reply(ui.ask_watch_hour(frequency, list(HOURS), ctx.services.secret))


async def start(ctx: EventContext, resident: Resident, *, frequency: str, hour: int) -> None:
    assert resident.id is not None
    if frequency not in FREQUENCIES or not 5 <= hour <= 20:
        raise StaleButton()
    weekday = ctx.now.astimezone(JST).weekday() if frequency == "weekly" else None
    async with ctx.tx() as tx:
        plan = await checkins.set_plan(
            tx.session, resident_id=resident.id, frequency=frequency, weekday=weekday, hour=hour, now=ctx.now
        )
        await _schedule_next(tx, plan, ctx.now)
        tx.reply(ui.text(M.watch_started(frequency, weekday, hour)))
    ctx.services.wake_scheduler()


async def stop(ctx: EventContext, resident: Resident) -> None:
    assert resident.id is not None
    async with ctx.tx() as tx:
        stopped = await checkins.stop_plan(tx.session, resident_id=resident.id, now=ctx.now)
        tx.reply(ui.text(M.WATCH_STOPPED if stopped else M.WATCH_NOT_ON))


async def send(ctx: JobContext) -> None:
    resident_id = int(ctx.job.payload.get("resident_id", 0))
    async with ctx.tx() as tx:
        plan = await checkins.plan_for(tx.session, resident_id)
        if plan is None or not plan.active or ctx.job.payload.get("version") != plan.updated_at.isoformat():
            return  # stopped or changed since this was scheduled
        resident = await tx.session.get(Resident, resident_id)
        if resident is None or not resident.active:
            return
        if not resident.followed:
            # Blocked the bot: LINE would refuse the push, and the silence would be a false alarm.
            await _schedule_next(tx, plan, ctx.now)
            return
        due = ctx.job.due_at
        if ctx.now - due > LATE:
            log.info("check-in for resident %s skipped: found %s late", resident_id, ctx.now - due)
            await _schedule_next(tx, plan, ctx.now)
            return
        district = await people.get_district(tx.session, resident.district_code)
        hours = district.checkin_alert_hours or DEFAULT_ALERT_HOURS
        # The check-in's time is the plan's moment (the job's due time), not when a busy worker got to it.
        c = await checkins.create(
            tx.session, resident=resident, now=min(due, ctx.now), deadline=ctx.now + timedelta(hours=hours)
        )
        assert c.id is not None
        tx.push(
            resident.line_user_id,
            ui.checkin(M.checkin_question(plan.hour), c.id, ctx.services.secret),
            purpose="checkin",
        )
        await jobs.schedule(
            tx.session, key=f"{MISSED_JOB}:{c.id}", kind=MISSED_JOB, due_at=c.deadline_at, payload={"checkin_id": c.id}
        )
        await _schedule_next(tx, plan, ctx.now)
    ctx.services.wake_scheduler()


async def missed(ctx: JobContext) -> None:
    checkin_id = int(ctx.job.payload.get("checkin_id", 0))
    async with ctx.tx() as tx:
        c = await tx.session.get(Checkin, checkin_id)
        if c is None or c.status != CheckinStatus.SENT:
            return  # answered in time
        resident = await tx.session.get(Resident, c.resident_id)
        assert resident is not None
        district = await people.get_district(tx.session, c.district_code)
        hours = district.checkin_alert_hours or DEFAULT_ALERT_HOURS
        sent = c.sent_at.astimezone(JST)
        text = M.checkin_missed(
            district.name,
            resident.name,
            resident.town,
            resident.address,
            resident.phone,
            M.checkin_time(sent.month, sent.day, sent.hour),
            hours,
        )
        targets = (
            [district.lead_line_user_id]
            if district.lead_line_user_id
            else [g.group_id for g in await people.coordinator_groups(tx.session, district.code)]
        )
        if not await checkins.mark_missed(
            tx.session, checkin_id=checkin_id, now=ctx.now, alerted_to=targets[0] if targets else None
        ):
            return
        for to in targets:
            tx.push(to, ui.text(text), purpose="checkin_missed")
    if not targets:
        # Nobody to tell: the dashboard still lists it (status missed); make it loud in the logs too.
        log.error(
            "check-in %s missed but district %s has no lead and no coordinators group", checkin_id, c.district_code
        )


async def _closed(tx: Tx, resident: Resident, c: Checkin, by: str) -> None:
    """Close one check-in; if someone was already told, tell them the resident answered."""
    assert c.id is not None
    before = await checkins.answer(tx.session, checkin_id=c.id, by=by, now=tx.now)
    if before == CheckinStatus.MISSED and c.alerted_to:
        tx.push(c.alerted_to, ui.text(M.checkin_answered_late(resident.name)), purpose="checkin_answered")


async def answer_button(ctx: EventContext, resident: Resident, checkin_id: int) -> None:
    async with ctx.tx() as tx:
        c = await tx.session.get(Checkin, checkin_id)
        if c is None or c.resident_id != resident.id:
            raise StaleButton()
        for one in await checkins.open_for_resident(tx.session, c.resident_id):
            await _closed(tx, resident, one, "button")
        tx.reply(ui.text(M.CHECKIN_THANKS))


async def close_on_message(ctx: EventContext, by: str = "message") -> None:
    """Any message (or button) from the resident answers their open check-ins.

    This is its own small transaction before the message is handled (the handlers have many paths,
    each with its one transaction): closing is a conditional update, so if the event is handled again
    after a crash nothing is closed or told twice, and the word to whoever was alerted commits with it.
    """
    assert ctx.user_id
    resident, proxy = await ctx.speaking_for()
    if proxy is not None:
        resident = None  # a proxy's words do not answer the resident's check-in
    if resident is None or resident.id is None:
        return  # only the resident's own words say they are well
    async with ctx.read() as s:
        open_ = await checkins.open_for_resident(s, resident.id)
    if not open_:
        return
    async with ctx.services.db.session() as s:
        for c in open_:
            assert c.id is not None
            before = await checkins.answer(s, checkin_id=c.id, by=by, now=ctx.now)
            if before == CheckinStatus.MISSED and c.alerted_to:
                outbox.add(
                    s,
                    to=c.alerted_to,
                    messages=[ui.text(M.checkin_answered_late(resident.name))],
                    now=ctx.now,
                    purpose="checkin_answered",
                )
    ctx.services.wake_outbox()


# The jobs this module runs (bot.jobs_table gives them to the scheduler).
JOBS: dict[str, JobHandler] = {
    SEND_JOB: send,
    MISSED_JOB: missed,
}
