"""Queries on proxies (代理): family members and 民生委員 who ask for help on a resident's behalf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.models import Conversation, HelpRequest, Proxy, RecurringHelp, Resident
from bot.store.people import _clean, _line_id, _phone, resident_by_ref

RELATIONS = ("家族", "民生委員")


async def add(
    session: AsyncSession,
    *,
    line_user_id: str,
    resident_line_id: str,
    relation: str,
    name: str,
    phone: str | None,
    now: datetime,
) -> Proxy:
    uid = _line_id(line_user_id, "U")
    if relation not in RELATIONS:
        raise InvalidInput(f"relation must be one of {', '.join(RELATIONS)}")
    resident = await resident_by_ref(session, resident_line_id)  # '#id' for a resident with no LINE account
    if resident is None or resident.id is None:
        raise NotFound(f"no resident with LINE ID {resident_line_id!r}")
    if uid == resident.line_user_id:
        raise InvalidInput("a resident cannot be their own proxy")
    exists = (
        await session.exec(select(Proxy).where(Proxy.line_user_id == uid, Proxy.resident_id == resident.id))
    ).first()
    if exists is not None:
        raise AlreadyExists(f"{uid} is already a proxy for this resident")
    p = Proxy(
        line_user_id=uid,
        resident_id=resident.id,
        relation=relation,
        name=_clean(name, "name", 100),
        phone=_phone(phone) if phone else None,
        created_at=now,
    )
    session.add(p)
    await session.flush()
    return p


async def for_line(session: AsyncSession, line_user_id: str) -> tuple[Proxy, Resident] | None:
    """The resident this LINE user asks for (the most recently linked one, if several)."""
    row = (
        await session.exec(
            select(Proxy, Resident)
            .join(Resident, col(Proxy.resident_id) == Resident.id)
            .where(Proxy.line_user_id == line_user_id, col(Proxy.active), col(Resident.active))
            .order_by(col(Proxy.id).desc())
        )
    ).first()
    return (row[0], row[1]) if row else None


async def resident_for(session: AsyncSession, line_user_id: str) -> tuple[Resident, Proxy | None] | None:
    """Whom a 1:1 chat speaks for: the resident themself, or the resident a proxy looks after."""
    res = (await session.exec(select(Resident).where(Resident.line_user_id == line_user_id))).first()
    if res is not None:
        return res, None
    found = await for_line(session, line_user_id)
    return (found[1], found[0]) if found else None


async def remove(session: AsyncSession, *, line_user_id: str, resident_line_id: str) -> int:
    """A family member or 民生委員 who no longer asks for the resident: their row and conversation go, and the
    requests they made no longer point at them (the resident's own requests stay)."""
    resident = await resident_by_ref(session, resident_line_id)
    p = (
        (
            await session.exec(
                select(Proxy).where(Proxy.line_user_id == line_user_id.strip(), Proxy.resident_id == resident.id)
            )
        ).first()
        if resident is not None
        else None
    )
    if p is None:
        raise NotFound(f"no proxy {line_user_id!r} for resident {resident_line_id!r}")
    await session.exec(update(HelpRequest).where(col(HelpRequest.proxy_id) == p.id).values(proxy_id=None))
    await session.exec(update(RecurringHelp).where(col(RecurringHelp.proxy_id) == p.id).values(proxy_id=None))
    others = (
        await session.exec(select(Proxy.id).where(Proxy.line_user_id == p.line_user_id, Proxy.id != p.id))
    ).first()
    if others is None:  # not a proxy for anyone else: what they were saying goes too
        await session.exec(delete(Conversation).where(col(Conversation.line_user_id) == p.line_user_id))
    await session.delete(p)
    return p.resident_id


async def of_resident(session: AsyncSession, resident_id: int) -> list[Proxy]:
    return list(
        (await session.exec(select(Proxy).where(Proxy.resident_id == resident_id).order_by(col(Proxy.id)))).all()
    )
