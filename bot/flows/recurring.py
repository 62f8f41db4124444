"""Recurring help: 「毎週月曜と木曜の燃えるごみ」 becomes a standing arrangement. The resident says yes, a
coordinator approves it (`sasaeai recurring approve ID`), the group sees it once and one supporter takes
it; before each occurrence a job makes that day's request, already taken by the standing supporter."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import messages as M
from bot import ui
from bot.clock import JST
from bot.context import EventContext, FlowContext, Tx
from bot.flows import attach
from bot.nlp.types import Analysis
from bot.store import help_requests, jobs, people, proxies
from bot.store import recurring as store
from bot.store.errors import NotASupporter, WrongDistrict
from bot.store.models import Proxy, RecurringHelp, RecurringStatus, Resident, Supporter
from bot.workers.scheduler import JobContext, JobHandler

POST_JOB = "recur_post"  # posts an approved arrangement to the district group
OCCURRENCE_JOB = "recur"  # makes one occurrence, the day before
NOTICE_HOUR = 17  # the standing supporter hears of the next occurrence at 17:00 the day before

_EVERY = re.compile(r"毎週|まいしゅう|週に?[1一]回")
_DAY_NAMES = {
    "月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6,
    "げつ": 0, "か": 1, "すい": 2, "もく": 3, "きん": 4, "ど": 5, "にち": 6,
}  # fmt: skip
_DAY = re.compile(r"(月|火|水|木|金|土|日|げつ|すい|もく|きん|にち|か|ど)(?:曜日?|よう(?:び)?)")
_DAY_LIST = re.compile(r"毎週([月火水木金土日](?:[・、と,]?[月火水木金土日])*)(?![曜よ])")


def weekdays(text: str) -> list[int]:
    """The weekdays of a standing wish, or [] when the words do not ask for one every week."""
    t = unicodedata.normalize("NFKC", text)
    if not _EVERY.search(t):
        return []
    days = {_DAY_NAMES[m.group(1)] for m in _DAY.finditer(t)}
    for m in _DAY_LIST.finditer(t):  # 「毎週月・木」
        days |= {_DAY_NAMES[ch] for ch in m.group(1) if ch in _DAY_NAMES}
    return sorted(days)


async def propose(tx: Tx, ctx: FlowContext, resident: Resident, text: str, analysis: Analysis, days: list[int]) -> None:
    """Ask the resident to confirm a standing arrangement (in place of a one-off draft)."""
    assert ctx.user_id
    proxy_id = None
    if ctx.user_id != resident.line_user_id:
        found = await proxies.for_line(tx.session, ctx.user_id)
        proxy_id = found[0].id if found else None
    rec = await store.propose(
        tx.session,
        resident=resident,
        category=analysis.category,
        days=days,
        part=analysis.when.part if analysis.when else None,
        time=analysis.when.time if analysis.when else None,
        text=text,
        masked=analysis.masked,
        proxy_id=proxy_id,
        now=tx.now,
    )
    assert rec.id is not None
    tx.reply(ui.recurring_confirm(M.recurring_confirm(rec.category, days), rec.id, tx.services.secret))


async def confirm(ctx: EventContext, resident: Resident, recurring_id: int) -> None:
    async with ctx.tx() as tx:
        rec = await store.resident_answer(tx.session, recurring_id=recurring_id, resident=resident, yes=True)
        assert rec.id is not None
        district = await people.get_district(tx.session, rec.district_code)
        url = f"{ctx.services.settings.public_base_url.rstrip('/')}/dashboard/recurring/{rec.id}"
        alert = M.coordinator_recurring_pending(
            district.name, rec.id, resident.name, resident.town, rec.category, store.days_of(rec), rec.text, url
        )
        await tx.tell_coordinators(rec.district_code, ui.text(alert), purpose="recurring_pending")
        tx.reply(ui.text(M.RECURRING_ASKED))


async def decline(ctx: EventContext, resident: Resident, recurring_id: int) -> None:
    async with ctx.tx() as tx:
        await store.resident_answer(tx.session, recurring_id=recurring_id, resident=resident, yes=False)
        tx.reply(ui.text(M.REQUEST_DECLINED))


async def approved(session: AsyncSession, rec: RecurringHelp, now: datetime, *, again: bool = False) -> None:
    """Called after approval (CLI or dashboard): the running server posts it to the group. `again`: posted
    once more because the supporter who held it can no longer (its own job key, once per such time)."""
    assert rec.id is not None
    key = f"{POST_JOB}:{rec.id}" + (f":again:{int(now.timestamp() * 1000)}" if again else "")
    await jobs.schedule(session, key=key, kind=POST_JOB, due_at=now, payload={"recurring_id": rec.id})


async def post(ctx: JobContext) -> None:
    async with ctx.tx() as tx:
        rec = await store.get(tx.session, int(ctx.job.payload.get("recurring_id", 0)))
        if rec.status != RecurringStatus.ACTIVE or rec.supporter_id is not None:
            return
        assert rec.id is not None
        resident = await tx.session.get(Resident, rec.resident_id)
        assert resident is not None
        group = await people.district_group(tx.session, rec.district_code)
        district = await people.get_district(tx.session, rec.district_code)
        if group is not None:
            tx.push(
                group.group_id,
                ui.group_recurring_post(
                    recurring_id=rec.id,
                    category=rec.category,
                    area=resident.town or f"{district.name}地区",
                    days=M.weekdays_text(store.days_of(rec)),
                    summary=rec.masked,
                    secret=tx.services.secret,
                ),
                purpose="recurring_post",
            )
        for to in await _resident_chats(tx, rec, resident):
            tx.push(to, ui.text(M.RECURRING_APPROVED), purpose="recurring_approved")


async def _resident_chats(tx: Tx, rec: RecurringHelp, resident: Resident) -> list[str]:
    chats = [resident.line_user_id]
    if rec.proxy_id is not None:
        proxy = await tx.session.get(Proxy, rec.proxy_id)
        if proxy is not None:
            chats.append(proxy.line_user_id)
    return chats


async def claim(ctx: EventContext, recurring_id: int) -> None:
    assert ctx.user_id
    sup = await ctx.supporter()
    async with ctx.read() as s:
        rec = await store.get(s, recurring_id)
        group = await people.get_group(s, ctx.group_id) if ctx.group_id else None
    if sup is None or not sup.active:
        raise NotASupporter()
    if group is None or group.district_code != rec.district_code or sup.district_code != rec.district_code:
        raise WrongDistrict()
    async with ctx.tx() as tx:
        rec = await store.take(tx.session, recurring_id=recurring_id, supporter=sup, now=ctx.now)
        assert rec.id is not None
        resident = await tx.session.get(Resident, rec.resident_id)
        assert resident is not None
        days = store.days_of(rec)
        tx.reply(ui.text(M.group_recurring_taken(sup.name, rec.id)))
        tx.push(
            sup.line_user_id,
            ui.text(
                M.supporter_recurring_details(
                    rec.id, rec.category, days, resident.name, resident.address, resident.phone, rec.text
                )
            ),
            purpose="recurring_details",
        )
        for to in await _resident_chats(tx, rec, resident):
            tx.push(to, ui.text(M.resident_recurring_taken(sup.name, rec.category, days)), purpose="recurring_taken")
        await _schedule_next(tx, rec, ctx.now.astimezone(JST).date())
    ctx.services.wake_scheduler()


def next_day(days: list[int], after: date) -> date:
    for d in range(1, 8):
        day = after + timedelta(days=d)
        if day.weekday() in days:
            return day
    raise ValueError("no weekday in a standing arrangement")


async def _schedule_next(tx: Tx, rec: RecurringHelp, after: date) -> None:
    assert rec.id is not None
    day = next_day(store.days_of(rec), after)
    notice = datetime.combine(day - timedelta(days=1), time(NOTICE_HOUR), tzinfo=JST).astimezone(tx.now.tzinfo)
    await jobs.schedule(
        tx.session,
        key=f"{OCCURRENCE_JOB}:{rec.id}:{day.isoformat()}",
        kind=OCCURRENCE_JOB,
        due_at=max(notice, tx.now),
        payload={"recurring_id": rec.id, "day": day.isoformat()},
    )


async def occurrence(ctx: JobContext) -> None:
    """The next occurrence, assigned to the standing supporter, who can still give it back (手放す)."""
    day = date.fromisoformat(str(ctx.job.payload.get("day")))
    async with ctx.tx() as tx:
        rec = await store.get(tx.session, int(ctx.job.payload.get("recurring_id", 0)))
        if rec.status != RecurringStatus.ACTIVE or rec.supporter_id is None:
            return
        sup = await tx.session.get(Supporter, rec.supporter_id)
        resident = await tx.session.get(Resident, rec.resident_id)
        assert resident is not None
        if sup is None or not sup.active:
            return
        req = await store.create_occurrence(tx.session, rec=rec, day=day.isoformat(), now=ctx.now)
        assert req.id is not None
        help_requests.record(
            tx.session, request_id=req.id, at=ctx.now, actor_kind="system", actor_id=None, action="recurring"
        )
        details = await attach.details_for_supporter(tx.session, req, resident)
        tx.push(
            sup.line_user_id,
            ui.supporter_details(f"{M.OCCURRENCE_HEADER}\n{details}", req.id, tx.services.secret),
            purpose="details",
            request_id=req.id,
        )
        when = M.format_when(req.when_date, req.when_time, req.when_part)
        for to in await _resident_chats(tx, rec, resident):
            tx.push(
                to, ui.text(M.resident_occurrence(sup.name, rec.category, when)), purpose="coming", request_id=req.id
            )
        await _schedule_next(tx, rec, day)


# The jobs this module runs (bot.jobs_table gives them to the scheduler).
JOBS: dict[str, JobHandler] = {
    POST_JOB: post,
    OCCURRENCE_JOB: occurrence,
}
