"""Retention: personal data is kept while it serves someone, then removed; the monthly figures stay.

`purge(before=...)` is the policy run from cron (`sasaeai purge --older-than DAYS`). What it removes, table
by table (docs/security.md has the same list for the city's records):

- help_request: the words, masked summary, date wording, cues and location of requests finished (done or
  cancelled) before the cut-off, and of drafts nobody confirmed (they are closed as cancelled); category,
  district, dates, status and who helped stay, so the figures do not change.
- request_event (the audit trail): on those requests, notes and the LINE IDs of who acted; what happened
  and when stay.
- inbox_event (raw webhooks), outbox_message (everything the bot sent or relayed), conversation, job:
  handled rows older than the cut-off are deleted.
- pending_location, checkin: older than the cut-off, deleted.
- recurring_help: stopped arrangements lose their words.
- resident, supporter: people deactivated, or who blocked the bot, before the cut-off and with nothing
  still open are erased exactly as on request (bot.store.erasure), proxies included.
- alert: on those requests, the alert's text and who answered it; alerts about an unregistered person (no
  request) older than the cut-off are deleted. Kind, district and times stay for the figures.
- login_throttle, dashboard_session: rows whose window or lifetime is over, whatever the cut-off.
- audit_entry (who did or looked at what): entries older than the cut-off are deleted.
- minsei_resident: a link to a resident goes when the resident is erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import audit, erasure, sessions, throttle
from bot.store.models import (
    CANCELLED,
    DONE,
    DRAFT,
    HELD,
    Alert,
    Checkin,
    CheckinStatus,
    Conversation,
    HelpRequest,
    InboxEvent,
    InboxStatus,
    Job,
    JobStatus,
    OutboxMessage,
    OutboxStatus,
    PendingLocation,
    RecurringHelp,
    RecurringStatus,
    RelayMessage,
    RequestEvent,
    Resident,
    Supporter,
)

PURGED_TEXT = ""
ANONYMISED: dict[str, Any] = {
    "text": PURGED_TEXT,
    "masked": PURGED_TEXT,
    "when_text": None,
    "cues": [],
    "location_lat": None,
    "location_lng": None,
    "location_label": None,
}


ALERT_ANONYMISED: dict[str, Any] = {
    "body": None,
    "subject_line_user_id": None,
    "acknowledged_by": None,
    "acknowledged_line_user_id": None,
}


@dataclass(frozen=True)
class PurgeReport:
    requests: int
    notes: int
    outbox: int
    inbox: int
    conversations: int
    drafts: int = 0
    people: int = 0
    other: int = 0  # jobs, locations, check-ins, recurring words, expired throttle and session rows, audit


def _still_personal() -> sa.ColumnElement[bool]:
    return sa.or_(
        col(HelpRequest.text) != PURGED_TEXT,
        col(HelpRequest.masked) != PURGED_TEXT,
        col(HelpRequest.when_text).is_not(None),
        col(HelpRequest.location_lat).is_not(None),
        col(HelpRequest.location_label).is_not(None),
    )


async def anonymise_requests(session: AsyncSession, ids: list[int]) -> int:
    """Remove the words and whereabouts of these requests, and the notes and LINE IDs on their timelines."""
    if not ids:
        return 0
    await session.exec(update(HelpRequest).where(col(HelpRequest.id).in_(ids)).values(**ANONYMISED))
    notes = await session.exec(
        update(RequestEvent)
        .where(col(RequestEvent.request_id).in_(ids), col(RequestEvent.note).is_not(None))
        .values(note=None)
    )
    await session.exec(
        update(RequestEvent)
        .where(col(RequestEvent.request_id).in_(ids), col(RequestEvent.actor_id).is_not(None))
        .values(actor_id=None)
    )
    # The words relayed between supporter and resident are personal: they go with the request's words.
    relayed = await session.exec(delete(RelayMessage).where(col(RelayMessage.request_id).in_(ids)))
    # An alert repeats the resident's name, address, phone and words, and names who answered it.
    alerted = await session.exec(update(Alert).where(col(Alert.request_id).in_(ids)).values(**ALERT_ANONYMISED))
    return int(notes.rowcount or 0) + int(relayed.rowcount or 0) + int(alerted.rowcount or 0)


async def _ids(session: AsyncSession, q: sa.Select[tuple[int | None]]) -> list[int]:
    return [i for i in (await session.exec(q)).all() if i is not None]  # type: ignore[call-overload]


async def purge(session: AsyncSession, *, before: datetime, now: datetime | None = None) -> PurgeReport:
    now = now or before
    finished = await _ids(
        session,
        select(col(HelpRequest.id)).where(
            col(HelpRequest.status).in_((DONE, CANCELLED)), col(HelpRequest.closed_at) < before, _still_personal()
        ),
    )
    drafts = await _ids(
        session,
        # A held request (its resident never approved) is as dead as a draft once this old.
        select(col(HelpRequest.id)).where(
            col(HelpRequest.status).in_((DRAFT, HELD)), col(HelpRequest.created_at) < before
        ),
    )
    if (
        drafts
    ):  # never confirmed (or never approved): closed, so nothing waits on them (not counted in the figures either way)
        await session.exec(
            update(HelpRequest).where(col(HelpRequest.id).in_(drafts)).values(status=CANCELLED, closed_at=now)
        )
    notes = await anonymise_requests(session, finished + drafts)

    # Old raw webhooks, messages and conversations first: erasing people below then has less to read.
    out = await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != OutboxStatus.PENDING, col(OutboxMessage.created_at) < before
        )
    )
    inb = await session.exec(
        delete(InboxEvent).where(col(InboxEvent.status) != InboxStatus.PENDING, col(InboxEvent.received_at) < before)
    )
    conv = await session.exec(delete(Conversation).where(col(Conversation.updated_at) < before))
    # People who left: erased as on request, once nothing of theirs is still open.
    gone = 0
    for r in (
        await session.exec(
            select(Resident).where(
                ~col(Resident.line_user_id).startswith(erasure.ERASED_PREFIX),
                sa.or_(
                    sa.and_(sa.not_(col(Resident.active)), col(Resident.deactivated_at) < before),
                    sa.and_(sa.not_(col(Resident.followed)), col(Resident.blocked_at) < before),
                ),
            )
        )
    ).all():
        try:
            await erasure.erase_resident(session, r, now=now)
            gone += 1
        except erasure.StillInUse:
            pass
    for x in (
        await session.exec(
            select(Supporter).where(
                ~col(Supporter.line_user_id).startswith(erasure.ERASED_PREFIX),
                sa.or_(
                    sa.and_(sa.not_(col(Supporter.active)), col(Supporter.deactivated_at) < before),
                    sa.and_(col(Supporter.followed).is_(False), col(Supporter.blocked_at) < before),
                ),
            )
        )
    ).all():
        try:
            await erasure.erase_supporter(session, x, now=now)
            gone += 1
        except erasure.StillInUse:
            pass

    other = 0
    for stmt in (
        delete(Job).where(col(Job.status) != JobStatus.PENDING, col(Job.due_at) < before),
        delete(PendingLocation).where(col(PendingLocation.at) < before),
        delete(Alert).where(col(Alert.request_id).is_(None), col(Alert.created_at) < before),
        delete(Checkin).where(col(Checkin.status) != CheckinStatus.SENT, col(Checkin.sent_at) < before),
        update(RecurringHelp)
        .where(
            col(RecurringHelp.status) == RecurringStatus.STOPPED,
            col(RecurringHelp.stopped_at) < before,
            sa.or_(col(RecurringHelp.text) != PURGED_TEXT, col(RecurringHelp.masked) != PURGED_TEXT),
        )
        .values(text=PURGED_TEXT, masked=PURGED_TEXT),
    ):
        other += int((await session.exec(stmt)).rowcount or 0)
    other += await throttle.forget_expired(session, now=now)
    other += await sessions.forget_expired(session, now=now)
    other += await audit.purge(session, before=before)
    return PurgeReport(
        requests=len(finished),
        notes=notes,
        outbox=int(out.rowcount or 0),
        inbox=int(inb.rowcount or 0),
        conversations=int(conv.rowcount or 0),
        drafts=len(drafts),
        people=gone,
        other=other,
    )
