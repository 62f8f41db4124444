"""Emergencies and matters for professionals: answered at once, told to coordinators, never to volunteers.

A sure emergency gets the full reply at once, no questions. A possible one (the analyzer is not sure) gets
119 at once with one yes/no question worded so that はい means danger, and the coordinators are told at
once, marked as possible; はい or わからない → the full reply; いいえ → the words are read as a normal request;
no answer → the coordinators are told again after a few minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import messages as M
from bot import ui
from bot.context import FlowContext, Tx
from bot.flows import alerting, fragments
from bot.nlp import dates
from bot.nlp.normalize import standard
from bot.nlp.types import HELP_LABELS, Analysis
from bot.store import conversations, help_requests, jobs, people
from bot.store.models import OPEN, District, HelpRequest, RequestEvent, Resident
from bot.workers.scheduler import JobContext, JobHandler

_SCAM_PHONE = "188"
_SUICIDE_PHONE = "0120-279-338"
POLICE_CUES = frozenset({"intruder", "violence", "assault", "dv"})  # 110 first
# A person gone missing (someone with dementia out in the snow) is searched for by the police: 110, unless
# the same message also names a medical sign, where an ambulance comes first (TRIAGE.md, "Numbers").
MISSING_CUES = frozenset({"missing"})
NOT_MEDICAL = frozenset({"model", "missing"})
FIRE_CUES = frozenset({"fire", "gas"})
POSSIBLE = "possible_emergency"  # the conversation waits for the answer to the yes/no question
FOLLOWUP_JOB = "possible_followup"
FOLLOWUP_MINUTES = 5  # no answer this long after a possible emergency → the coordinators are told again


def consult_place(
    cues: tuple[str, ...], district_name: str | None, district_phone: str | None
) -> tuple[str, str | None]:
    """Where to send the resident: a national line for scams and despair, else the district's own place."""
    if "suicide" in cues:
        return M.CONSULT_SUICIDE_PLACE, _SUICIDE_PHONE
    if "scam" in cues:
        return M.CONSULT_SCAM_PLACE, _SCAM_PHONE
    return district_name or M.CONSULT_DEFAULT_PLACE, district_phone


def emergency_number(cues: tuple[str, ...] | list[str]) -> str:
    tags = set(cues)
    if POLICE_CUES & tags or (MISSING_CUES & tags and tags <= NOT_MEDICAL):
        return "110"
    return "119"


def emergency_message(cues: tuple[str, ...] | list[str], resident: Resident | None) -> ui.Msg:
    """How to call and what to say; the one number to dial on one big button."""
    address = resident.address if resident else None
    if emergency_number(cues) == "110":
        say = M.EMERGENCY_SAY_MISSING if MISSING_CUES & set(cues) else M.EMERGENCY_SAY_110
        return ui.emergency(M.emergency_reply(say, M.EMERGENCY_HEAD_110, address), "110")
    say = M.EMERGENCY_SAY_FIRE if FIRE_CUES & set(cues) else M.EMERGENCY_SAY_119
    return ui.emergency(M.emergency_reply(say, M.EMERGENCY_HEAD, address), "119")


async def handle(ctx: FlowContext, *, text: str, analysis: Analysis, resident: Resident | None) -> None:
    assert ctx.user_id is not None
    emergency = analysis.category == "emergency"
    possible = emergency and not analysis.certain
    async with ctx.read() as s:
        district = await people.get_district(s, resident.district_code) if resident else None
    async with ctx.tx() as tx:
        await fragments.clear(tx, ctx.user_id)
        request_id = None
        if resident is not None:
            req = await help_requests.create(
                tx.session, resident=resident, text=text, analysis=analysis, status=OPEN, now=ctx.now
            )
            request_id = req.id
        if possible:
            await conversations.put(
                tx.session,
                line_user_id=ctx.user_id,
                state=POSSIBLE,
                data={"request_id": request_id or 0, "text": text},
                now=ctx.now,
            )
            tx.reply(ui.possible_emergency(request_id or 0, ctx.services.secret), urgent=True)
            await jobs.schedule(
                tx.session,
                key=f"{FOLLOWUP_JOB}:{ctx.user_id}:{request_id or 0}:{ctx.now:%Y%m%d%H%M%S}",
                kind=FOLLOWUP_JOB,
                due_at=ctx.now + timedelta(minutes=FOLLOWUP_MINUTES),
                payload={"user": ctx.user_id, "request_id": request_id or 0},
            )
        elif emergency:
            tx.reply(emergency_message(analysis.cues, resident), urgent=True)
        else:
            place, phone = consult_place(
                analysis.cues, district.consult_name if district else None, district.consult_phone if district else None
            )
            reachable = resident is not None and bool(resident.phone or resident.address)
            tx.reply(ui.with_call(M.consult_reply(place, reachable), M.CALL_LABEL, phone))
        name = resident.name if resident else M.unregistered_person(ctx.user_id[-6:])
        dname = district.name if district else M.UNKNOWN_DISTRICT
        address = resident.address if resident else None
        phone = resident.phone if resident else None
        town = resident.town if resident else None
        when = alerting.when_text(tx)
        if emergency:
            body = M.coordinator_emergency(
                dname,
                name,
                address,
                phone,
                text,
                possible=possible,
                number=emergency_number(analysis.cues),
                when=when,
                town=town,
            )
        else:
            topic = "・".join(M.CONSULT_TOPICS[c] for c in analysis.cues if c in M.CONSULT_TOPICS)
            body = M.coordinator_consult(
                dname, name, address, phone, text, topic or M.CONSULT_TOPIC_DEFAULT, when=when, town=town
            )
        await alerting.raise_alert(
            tx,
            kind="possible" if possible else analysis.category,
            body=body,
            request_id=request_id,
            district_code=district.code if district else None,
            phone=phone,
            subject_line_user_id=ctx.user_id,
        )
    if possible:
        ctx.services.wake_scheduler()


async def _tell_coordinators(tx: Tx, resident: Resident | None, user_id: str, answer: str, request_id: int) -> None:
    district: District | None = await people.get_district(tx.session, resident.district_code) if resident else None
    name = resident.name if resident else M.unregistered_person(user_id[-6:])
    text = M.coordinator_possible_answer(district.name if district else M.UNKNOWN_DISTRICT, name, answer)
    await tx.tell_coordinators(
        district.code if district else None, ui.text(text), purpose="emergency", request_id=request_id or None
    )


ANSWERED = "possible_answered"  # on the request's timeline: the yes/no question was answered


async def _waiting(session: AsyncSession, user_id: str, request_id: int) -> tuple[bool, str]:
    """Whether the question about this possible emergency is still unanswered, and the words it was about.
    A request's timeline says so even when the resident wrote something else in between."""
    conv = await conversations.get(session, user_id)
    in_conv = conv is not None and conv.state == POSSIBLE and int(conv.data.get("request_id", -1)) == request_id
    if not request_id:
        return in_conv, str(conv.data.get("text", "")) if conv is not None and in_conv else ""
    req = await session.get(HelpRequest, request_id)
    if req is None or req.category != "emergency":
        return False, ""
    answered = (
        await session.exec(
            select(RequestEvent).where(RequestEvent.request_id == request_id, RequestEvent.action == ANSWERED)
        )
    ).first()
    return answered is None, req.text


async def possible_answer(ctx: FlowContext, resident: Resident | None, request_id: int, answer: str) -> None:
    """はい or わからない → the full emergency reply; いいえ → carry on with the words as a normal request."""
    assert ctx.user_id is not None
    from bot.flows import resident as flow  # the request flow imports this module

    async with ctx.read() as s:
        waiting, words = await _waiting(s, ctx.user_id, request_id)
        req = await s.get(HelpRequest, request_id) if request_id else None
    async with ctx.tx() as tx:
        conv = await conversations.get(tx.session, ctx.user_id)
        if conv is not None and conv.state == POSSIBLE:
            await conversations.clear(tx.session, ctx.user_id)
        if waiting and req is not None and req.id is not None:
            help_requests.record(
                tx.session,
                request_id=req.id,
                at=ctx.now,
                actor_kind="resident",
                actor_id=ctx.user_id,
                action=ANSWERED,
                note=answer,
            )
        if answer in ("yes", "unsure"):
            tx.reply(emergency_message(list(req.cues) if req else [], resident), urgent=True)
            if waiting:
                said = M.POSSIBLE_ANSWER_YES if answer == "yes" else M.POSSIBLE_ANSWER_UNSURE
                await _tell_coordinators(tx, resident, ctx.user_id, said, request_id)
            return
        if not waiting:
            tx.reply(ui.text(M.POSSIBLE_NOT_NOW))
            return
        await _tell_coordinators(tx, resident, ctx.user_id, M.POSSIBLE_ANSWER_NO, request_id)
        help_analysis = _as_help(req, words, ctx) if resident is not None else None
        if resident is None:
            tx.reply(ui.text(M.POSSIBLE_NOT_NOW))
        elif help_analysis is None:
            tx.reply(ui.text(M.ASK_TROUBLE))
        else:
            await flow.draft_and_ask(tx, ctx, resident, words, help_analysis)


def _as_help(req: HelpRequest | None, words: str, ctx: FlowContext) -> Analysis | None:
    """The same words read as a chore: the best help label the classifier saw, if it is likely enough."""
    if req is None or not words:
        return None
    scores = {k: float(v) for k, v in req.scores.items()}
    best = max(HELP_LABELS, key=lambda lab: scores.get(lab, 0.0))
    if scores.get(best, 0.0) < ctx.services.settings.confirm_threshold:
        return None
    when = dates.resolve(standard(words), ctx.now)
    return Analysis(best, scores[best], scores, when, False, req.masked)


async def followup(ctx: JobContext) -> None:
    """Nobody answered the yes/no question: the coordinators (already told) are told again."""
    user = str(ctx.job.payload.get("user", ""))
    request_id = int(ctx.job.payload.get("request_id", 0))
    async with ctx.tx() as tx:
        waiting, _ = await _waiting(tx.session, user, request_id)
        if not waiting:
            return  # answered meanwhile
        req = await tx.session.get(HelpRequest, request_id) if request_id else None
        resident = await tx.session.get(Resident, req.resident_id) if req else None
        await _tell_coordinators(tx, resident, user, M.possible_no_answer(FOLLOWUP_MINUTES), request_id)


# The jobs this module runs (bot.jobs_table gives them to the scheduler).
JOBS: dict[str, JobHandler] = {
    FOLLOWUP_JOB: followup,
}
