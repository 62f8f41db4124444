"""Supporters' verification and matching profile (what they can do, where, when), and whom to suggest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import matching
from bot.nlp.skills import SLOTS
from bot.nlp.types import HELP_LABELS
from bot.store.errors import InvalidInput, NotFound
from bot.store.models import CLAIMED, HelpRequest, Resident, Supporter, Town

NOTE_MAX = 500


async def verify(session: AsyncSession, *, supporter: Supporter, by: str, note: str, now: datetime) -> None:
    """Record that a coordinator verified this person (met them, checked who they are)."""
    who = by.strip()
    if not who:
        raise InvalidInput("say who verified")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"the note is longer than {NOTE_MAX} characters")
    supporter.verified_at = now
    supporter.verified_by = who[:100]
    supporter.verify_note = note.strip() or None
    session.add(supporter)


async def by_line_id(session: AsyncSession, line_user_id: str) -> Supporter:
    uid = line_user_id.strip()
    x = (await session.exec(select(Supporter).where(col(Supporter.line_user_id) == uid))).first()
    if x is None:
        raise NotFound(f"no supporter {uid!r}")
    return x


async def district_towns(session: AsyncSession, district_code: str) -> list[str]:
    rows = await session.exec(select(Town.name).where(col(Town.district_code) == district_code).order_by(col(Town.id)))
    return list(rows.all())


async def set_profile(
    session: AsyncSession, *, supporter: Supporter, kinds: list[str], towns: list[str], free: list[str]
) -> None:
    """What they can do, where and when; every value checked against the closed sets it comes from."""
    if any(k not in HELP_LABELS for k in kinds):
        raise InvalidInput("unknown help kind")
    if any(x not in SLOTS for x in free):
        raise InvalidInput("unknown time slot")
    known = set(await district_towns(session, supporter.district_code))
    if any(t not in known for t in towns):
        raise InvalidInput("a town outside the supporter's district")
    supporter.kinds = [k for k in HELP_LABELS if k in kinds]
    supporter.towns = [t for t in dict.fromkeys(towns)]
    supporter.free = [x for x in SLOTS if x in free]
    session.add(supporter)


async def loads(session: AsyncSession, district_code: str) -> dict[int, int]:
    """Requests each supporter of the district has in hand now."""
    rows = await session.exec(
        select(HelpRequest.supporter_id, func.count())
        .where(col(HelpRequest.status) == CLAIMED, col(HelpRequest.district_code) == district_code)
        .group_by(col(HelpRequest.supporter_id))
    )
    return {int(sid): int(n) for sid, n in rows.all() if sid is not None}


async def suggestions(session: AsyncSession, req: HelpRequest, *, now: datetime) -> list[matching.Suggestion]:
    """The district's supporters who can still take requests, best-suited first."""
    sups = (
        await session.exec(
            select(Supporter).where(
                col(Supporter.district_code) == req.district_code,
                col(Supporter.active),
                col(Supporter.followed).is_not(False),
            )
        )
    ).all()
    resident = await session.get(Resident, req.resident_id)
    return matching.rank(
        list(sups),
        await loads(session, req.district_code),
        category=req.category,
        town=resident.town if resident else None,
        slot=matching.wanted_slot(req, now),
    )
