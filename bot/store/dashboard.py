"""Read queries for the coordinators' dashboard, always within the districts a coordinator may see."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import JST
from bot.store.errors import NotFound
from bot.store.models import (
    CANCELLED,
    CLAIMED,
    DONE,
    DRAFT,
    OPEN,
    Checkin,
    District,
    HelpRequest,
    Job,
    JobStatus,
    LineGroup,
    OutboxMessage,
    OutboxStatus,
    RecurringHelp,
    RequestEvent,
    Resident,
    Supporter,
)

Scope = frozenset[str] | None  # district codes a coordinator may see; None = all (admin)
SENSITIVE = ("emergency", "consult")
KINDS = ("attention", "open", "claimed", "escalated")


def in_scope(scope: Scope, district_code: str | None) -> bool:
    return scope is None or (district_code is not None and district_code in scope)


def _scoped(q, scope: Scope, column):  # type: ignore[no-untyped-def]
    return q if scope is None else q.where(col(column).in_(sorted(scope)))


def kind_of(req: HelpRequest) -> str:
    """What a coordinator must do about it: attention (emergency/consult), open (nobody took it), claimed."""
    if req.category in SENSITIVE:
        return "attention"
    return "open" if req.status == OPEN else "claimed"


@dataclass
class Row:
    req: HelpRequest
    district: District
    resident: Resident
    supporter: Supporter | None

    @property
    def kind(self) -> str:
        return kind_of(self.req)


async def districts(session: AsyncSession, scope: Scope) -> list[District]:
    q = _scoped(select(District), scope, District.code).order_by(col(District.code))
    return list((await session.exec(q)).all())


async def unresolved(
    session: AsyncSession,
    *,
    scope: Scope,
    district: str | None = None,
    category: str | None = None,
    kind: str | None = None,
) -> list[Row]:
    """Open and claimed requests (emergencies and consultations until a coordinator marks them handled), oldest first."""
    q = (
        select(HelpRequest, District, Resident, Supporter)
        .join(District, col(HelpRequest.district_code) == District.code)
        .join(Resident, col(HelpRequest.resident_id) == Resident.id)
        .join(Supporter, col(HelpRequest.supporter_id) == Supporter.id, isouter=True)
        .where(col(HelpRequest.status).in_((OPEN, CLAIMED)))
        .order_by(col(HelpRequest.created_at), col(HelpRequest.id))
    )
    q = _scoped(q, scope, HelpRequest.district_code)
    if district:
        q = q.where(HelpRequest.district_code == district)
    if category:
        q = q.where(HelpRequest.category == category)
    if kind == "attention":
        q = q.where(col(HelpRequest.category).in_(SENSITIVE))
    elif kind in (OPEN, CLAIMED):
        q = q.where(HelpRequest.status == kind, col(HelpRequest.category).not_in(SENSITIVE))
    elif kind == "escalated":
        q = q.where(col(HelpRequest.escalation_level) > 0)
    rows = (await session.exec(q)).all()
    return [Row(req=r, district=d, resident=res, supporter=s) for r, d, res, s in rows]


@dataclass
class DistrictCount:
    district: District
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "escalated")


async def counts_by_district(session: AsyncSession, *, scope: Scope) -> list[DistrictCount]:
    rows = await unresolved(session, scope=scope)
    out = {d.code: DistrictCount(d, dict.fromkeys(KINDS, 0)) for d in await districts(session, scope)}
    for r in rows:
        c = out[r.district.code].counts
        c[r.kind] += 1
        if r.req.escalation_level > 0:
            c["escalated"] += 1
    return list(out.values())


@dataclass
class Detail:
    req: HelpRequest
    district: District
    resident: Resident
    supporter: Supporter | None
    events: list[tuple[RequestEvent, str]]  # with the actor's name
    deliveries: list[OutboxMessage]
    candidates: list[Supporter]  # who a coordinator may assign it to
    upcoming: list[Job]  # the escalation steps still ahead, soonest first


async def detail(session: AsyncSession, *, request_id: int, scope: Scope) -> Detail:
    req = await session.get(HelpRequest, request_id)
    # Another district's request answers exactly like a missing one: its existence is not ours to tell.
    if req is None or req.status == DRAFT or not in_scope(scope, req.district_code):
        raise NotFound(f"request {request_id}")
    district = await session.get(District, req.district_code)
    resident = await session.get(Resident, req.resident_id)
    assert district is not None and resident is not None
    supporter = await session.get(Supporter, req.supporter_id) if req.supporter_id else None
    events = list(
        (
            await session.exec(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id)
                .order_by(col(RequestEvent.at), col(RequestEvent.id))
            )
        ).all()
    )
    ids = {e.actor_id for e in events if e.actor_id and e.actor_kind in ("supporter", "resident")}
    names: dict[str, str] = {}
    if ids:
        for p in await _people_by_line(session, ids):
            names[p.line_user_id] = p.name
    named = [(e, names.get(e.actor_id or "", e.actor_id or "")) for e in events]
    deliveries = list(
        (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.request_id == request_id).order_by(col(OutboxMessage.id))
            )
        ).all()
    )
    candidates = list(
        (
            await session.exec(
                select(Supporter)
                .where(Supporter.district_code == req.district_code, col(Supporter.active))
                .order_by(col(Supporter.name))
            )
        ).all()
    )
    return Detail(req, district, resident, supporter, named, deliveries, candidates, await _upcoming(session, req))


async def _upcoming(session: AsyncSession, req: HelpRequest) -> list[Job]:
    """Pending escalation jobs of this request's current posting or claim (an older chain will do nothing)."""
    if req.status not in (OPEN, CLAIMED):
        return []
    keys = [col(Job.key).like(f"{k}:{req.id}:%") for k in ("remind", "alert", "stale", "stale_alert")]
    jobs = (
        await session.exec(select(Job).where(Job.status == JobStatus.PENDING, or_(*keys)).order_by(col(Job.due_at)))
    ).all()
    posted = int(req.posted_at.timestamp() * 1000) if req.posted_at else 0  # as bot.escalation.epoch
    claimed = int(req.claimed_at.timestamp() * 1000) if req.claimed_at else 0
    return [
        j
        for j in jobs
        if (req.status == OPEN and j.payload.get("posted") == posted)
        or (req.status == CLAIMED and j.payload.get("claimed") == claimed)
    ]


async def _people_by_line(session: AsyncSession, ids: set[str]) -> list[Resident | Supporter]:
    residents = (await session.exec(select(Resident).where(col(Resident.line_user_id).in_(ids)))).all()
    supporters = (await session.exec(select(Supporter).where(col(Supporter.line_user_id).in_(ids)))).all()
    return [*residents, *supporters]


@dataclass
class FailedDelivery:
    row: OutboxMessage
    who: str  # a person's name, or the group's role
    district_code: str | None


async def failed_deliveries(session: AsyncSession, *, scope: Scope, limit: int = 20) -> list[FailedDelivery]:
    """Messages LINE refused for good (blocked, left the group): someone must reach these people another way."""
    rows = (
        await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.status) == OutboxStatus.FAILED)
            .order_by(col(OutboxMessage.id).desc())
            .limit(500)
        )
    ).all()
    tos = {r.to for r in rows}
    req_ids = {r.request_id for r in rows if r.request_id}
    who: dict[str, tuple[str, str | None]] = {}
    for p in await _people_by_line(session, tos):
        who[p.line_user_id] = (p.name, p.district_code)
    for g in (await session.exec(select(LineGroup).where(col(LineGroup.group_id).in_(tos)))).all():
        who[g.group_id] = ("地区グループ" if g.role == "district" else "コーディネーターグループ", g.district_code)
    req_district: dict[int, str | None] = {}
    if req_ids:
        for rid, rcode in (
            await session.exec(
                select(HelpRequest.id, HelpRequest.district_code).where(col(HelpRequest.id).in_(req_ids))
            )
        ).all():
            if rid is not None:
                req_district[rid] = rcode
    out = []
    for r in rows:
        name, code = who.get(r.to, ("不明", None))
        code = req_district.get(r.request_id or 0, code)
        if not in_scope(scope, code):
            continue
        out.append(FailedDelivery(r, name, code))
        if len(out) >= limit:
            break
    return out


@dataclass
class FailedJob:
    row: Job
    district_code: str | None
    request_id: int | None


async def _job_district(session: AsyncSession, job: Job) -> tuple[str | None, int | None]:
    """Whose district a job is about, from what its payload names (a request, a resident, a person...)."""
    p = job.payload
    rid = p.get("request_id")
    if isinstance(rid, int) and (req := await session.get(HelpRequest, rid)) is not None:
        return req.district_code, rid
    for key, model in (("resident_id", Resident), ("checkin_id", Checkin), ("recurring_id", RecurringHelp)):
        value = p.get(key)
        row = await session.get(model, value) if isinstance(value, int) else None
        if isinstance(row, Resident | Checkin | RecurringHelp):
            return row.district_code, None
    user = p.get("user")
    if isinstance(user, str):
        for person in await _people_by_line(session, {user}):
            return person.district_code, None
    return None, None


async def failed_jobs(session: AsyncSession, *, scope: Scope, limit: int = 20) -> list[FailedJob]:
    """Scheduled work given up after its last attempt (bot.workers.scheduler.MAX_ATTEMPTS): a reminder,
    an alert or a check-in that never went out, which a person must now do by hand. A job naming no
    district is shown to those who see every district."""
    rows = (
        await session.exec(
            select(Job).where(col(Job.status) == JobStatus.FAILED).order_by(col(Job.done_at).desc()).limit(200)
        )
    ).all()
    out = []
    for job in rows:
        code, rid = await _job_district(session, job)
        if in_scope(scope, code):
            out.append(FailedJob(job, code, rid))
            if len(out) >= limit:
                break
    return out


async def blocked_people(session: AsyncSession, *, scope: Scope) -> list[tuple[str, Resident | Supporter]]:
    """("resident" | "supporter", person) for everyone active who blocked the bot: LINE cannot reach them."""
    out: list[tuple[str, Resident | Supporter]] = []
    for kind, model in (("resident", Resident), ("supporter", Supporter)):
        q = _scoped(select(model), scope, model.district_code).where(
            model.followed == False,  # noqa: E712
            col(model.active),
        )
        out.extend((kind, p) for p in (await session.exec(q.order_by(col(model.blocked_at).desc()))).all())
    return out


async def people_of(
    session: AsyncSession, *, scope: Scope, district: str | None = None
) -> tuple[list[Resident], list[Supporter]]:
    res_q = _scoped(select(Resident), scope, Resident.district_code)
    sup_q = _scoped(select(Supporter), scope, Supporter.district_code)
    if district:
        res_q = res_q.where(Resident.district_code == district)
        sup_q = sup_q.where(Supporter.district_code == district)
    residents = (await session.exec(res_q.order_by(col(Resident.district_code), col(Resident.id)))).all()
    supporters = (await session.exec(sup_q.order_by(col(Supporter.district_code), col(Supporter.id)))).all()
    return list(residents), list(supporters)


# --- Figures -----------------------------------------------------------------------------------------


def month_of(when: datetime) -> str:
    return when.astimezone(JST).strftime("%Y-%m")


@dataclass
class Cell:
    """Figures of one group of requests (a month, a district, a category, or their combination)."""

    requests: int = 0
    claimed: int = 0
    done: int = 0
    unclaimed: int = 0  # closed, or still open, without anyone ever taking it
    claim_minutes: list[float] = field(default_factory=list)
    done_hours: list[float] = field(default_factory=list)
    supporters: set[int] = field(default_factory=set)

    def add(self, r: HelpRequest) -> None:
        self.requests += 1
        if r.supporter_id is not None:
            self.supporters.add(r.supporter_id)
        if r.claimed_at is not None or r.supporter_id is not None:
            self.claimed += 1
        elif r.category not in SENSITIVE:
            self.unclaimed += 1
        if r.status == DONE:
            self.done += 1
        if r.claimed_at and r.posted_at:
            self.claim_minutes.append((r.claimed_at - r.posted_at).total_seconds() / 60)
        if r.done_at and r.posted_at and r.category not in SENSITIVE:
            self.done_hours.append((r.done_at - r.posted_at).total_seconds() / 3600)

    @property
    def median_claim_minutes(self) -> float | None:
        return round(statistics.median(self.claim_minutes), 1) if self.claim_minutes else None

    @property
    def median_done_hours(self) -> float | None:
        return round(statistics.median(self.done_hours), 1) if self.done_hours else None

    @property
    def unclaimed_share(self) -> float | None:
        chores = self.claimed + self.unclaimed
        return round(self.unclaimed / chores, 3) if chores else None

    @property
    def active_supporters(self) -> int:
        return len(self.supporters)


@dataclass
class Figures:
    months: list[str]
    districts: list[District]
    categories: list[str]
    total: Cell
    by_month: dict[str, Cell]
    by_district: dict[str, Cell]
    by_category: dict[str, Cell]
    by_key: dict[tuple[str, str, str], Cell]  # (month, district, category)
    by_month_district: dict[tuple[str, str], Cell]
    # Matching: requests for volunteers whose best-suited supporters were nudged 1:1, against the rest.
    nudged: Cell = field(default_factory=Cell)
    not_nudged: Cell = field(default_factory=Cell)


async def figures(
    session: AsyncSession, *, scope: Scope, start: datetime, end: datetime, district: str | None = None
) -> Figures:
    """Requests posted (or raised as emergencies/consultations) between start and end, in local months."""
    q = _scoped(select(HelpRequest), scope, HelpRequest.district_code).where(
        col(HelpRequest.status) != DRAFT,
        col(HelpRequest.created_at) >= start,
        col(HelpRequest.created_at) < end,
    )
    if district:
        q = q.where(HelpRequest.district_code == district)
    reqs = [r for r in (await session.exec(q)).all() if not (r.status == CANCELLED and r.posted_at is None)]
    ds = [d for d in await districts(session, scope) if not district or d.code == district]
    total = Cell()
    by_month: dict[str, Cell] = defaultdict(Cell)
    by_district: dict[str, Cell] = defaultdict(Cell)
    by_category: dict[str, Cell] = defaultdict(Cell)
    by_key: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    by_md: dict[tuple[str, str], Cell] = defaultdict(Cell)
    for r in reqs:
        m = month_of(r.created_at)
        for cell in (
            total,
            by_month[m],
            by_district[r.district_code],
            by_category[r.category],
            by_key[(m, r.district_code, r.category)],
            by_md[(m, r.district_code)],
        ):
            cell.add(r)
    nudged, not_nudged = Cell(), Cell()
    for r in reqs:
        if r.category not in SENSITIVE and r.posted_at is not None:
            (nudged if r.nudged_at is not None else not_nudged).add(r)
    months = _months(start, end)
    categories = sorted(by_category, key=lambda c: -by_category[c].requests)
    return Figures(months, ds, categories, total, by_month, by_district, by_category, by_key, by_md, nudged, not_nudged)


def _months(start: datetime, end: datetime) -> list[str]:
    """Local months from start's up to the one holding the last moment before end."""
    s, e = start.astimezone(JST), (end - timedelta(microseconds=1)).astimezone(JST)
    y, m = s.year, s.month
    out = []
    while (y, m) <= (e.year, e.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


SILENCE_HOURS = 24


async def silent_after_request(
    session: AsyncSession, *, scope: Scope, now: datetime, hours: int = SILENCE_HOURS
) -> list[tuple[HelpRequest, Resident]]:
    """Residents who asked for help more than `hours` ago, whose request is still open or under way, and
    who have not written or pressed anything since: someone should call or visit (見守り)."""
    from bot.store.models import InboxEvent

    rows = (
        await session.exec(
            _scoped(
                select(HelpRequest, Resident).join(Resident, col(HelpRequest.resident_id) == col(Resident.id)),
                scope,
                HelpRequest.district_code,
            )
            .where(
                col(HelpRequest.status).in_((OPEN, CLAIMED)),
                col(HelpRequest.category).not_in(SENSITIVE),
                col(HelpRequest.posted_at) < now - timedelta(hours=hours),
                col(Resident.active),
            )
            .order_by(col(HelpRequest.posted_at))
        )
    ).all()
    out: list[tuple[HelpRequest, Resident]] = []
    for req, res in rows:
        heard = (
            await session.exec(
                select(func.max(col(InboxEvent.received_at))).where(col(InboxEvent.source_key) == res.line_user_id)
            )
        ).one()
        if req.posted_at is not None and (heard is None or heard <= req.posted_at):
            out.append((req, res))
    return out
