"""Queries on districts, towns, LINE groups, residents and supporters."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.models import NO_LINE_PREFIX, District, LineGroup, Resident, Supporter, Town


def _clean(value: str, what: str, max_len: int) -> str:
    v = unicodedata.normalize("NFKC", value).strip()
    if not v:
        raise InvalidInput(f"{what} must not be empty")
    if len(v) > max_len:
        raise InvalidInput(f"{what} is longer than {max_len} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in v):
        raise InvalidInput(f"{what} contains control characters")
    return v


def _phone(value: str) -> str:
    phone = _clean(value, "phone", 32)
    if not any(ch.isdigit() for ch in phone) or any(not (ch.isdigit() or ch in "-+() ") for ch in phone):
        raise InvalidInput("not a phone number")  # the value itself stays out of messages and logs
    return phone


def edit(person: Resident | Supporter, *, district_code: str, name: str, town: str, address: str, phone: str) -> None:
    """The dashboard's edit form, with the checks adding applies; an empty town, address or phone clears it.
    Raises InvalidInput before changing anything."""
    clean_name = _clean(name, "name", 100)
    if isinstance(person, Resident):
        clean_town = _clean(town, "town", 100) if town.strip() else None
        clean_address = _clean(address, "address", 300) if address.strip() else None
        clean_phone = _phone(phone) if phone.strip() else None
        person.town, person.address, person.phone = clean_town, clean_address, clean_phone
    person.name = clean_name
    person.district_code = district_code


def _line_id(value: str, kinds: str) -> str:
    v = value.strip()
    if len(v) != 33 or v[0] not in kinds or any(c not in "0123456789abcdef" for c in v[1:]):
        raise InvalidInput(
            f"not a LINE {'user' if kinds == 'U' else 'group'} ID: {value!r} (expected {kinds[0]} and 32 hex digits)"
        )
    return v


async def add_district(session: AsyncSession, *, code: str, name: str, towns: list[str], now: datetime) -> District:
    code = _clean(code, "district code", 32)
    if await session.get(District, code):
        raise AlreadyExists(f"district {code} already exists")
    names = [_clean(t, "town name", 100) for t in towns if t.strip()]
    if not names:
        raise InvalidInput("give at least one town with --towns")
    if len(set(names)) != len(names):
        raise InvalidInput("a town is listed twice")
    # A town belongs to one district: registration by town name would otherwise place a resident at random.
    taken = (await session.exec(select(Town).where(col(Town.name).in_(names)))).all()
    if taken:
        raise AlreadyExists(f"town {taken[0].name} is already in district {taken[0].district_code}")
    district = District(code=code, name=_clean(name, "district name", 100), created_at=now)
    session.add(district)
    for t in names:
        session.add(Town(district_code=code, name=t))
    return district


async def get_district(session: AsyncSession, code: str) -> District:
    district = await session.get(District, code)
    if district is None:
        raise NotFound(f"no district with code {code!r}")
    return district


async def list_districts(session: AsyncSession) -> list[tuple[District, list[str]]]:
    districts = (await session.exec(select(District).order_by(col(District.code)))).all()
    towns = (await session.exec(select(Town).order_by(col(Town.id)))).all()
    by = {d.code: [t.name for t in towns if t.district_code == d.code] for d in districts}
    return [(d, by[d.code]) for d in districts]


async def find_towns(session: AsyncSession, words: str) -> list[tuple[Town, District]]:
    """Towns whose name the resident's words contain (or that contain the words, 「長町」 for 「長」)."""
    w = unicodedata.normalize("NFKC", words).strip().replace(" ", "").replace("　", "")
    if not w:
        return []
    rows = (await session.exec(select(Town, District).join(District))).all()
    exact = [(t, d) for t, d in rows if t.name == w or t.name.removesuffix("町") == w]
    if exact:
        return list(exact)
    contained = [(t, d) for t, d in rows if t.name in w]
    if contained:
        return sorted(contained, key=lambda td: -len(td[0].name))
    return [(t, d) for t, d in rows if len(w) >= 2 and w in t.name]


async def all_towns(session: AsyncSession) -> list[tuple[Town, District]]:
    return [(t, d) for t, d in (await session.exec(select(Town, District).join(District).order_by(col(Town.id)))).all()]


async def bind_group(
    session: AsyncSession, *, group_id: str, district_code: str | None, now: datetime, force: bool = False
) -> LineGroup:
    """Bind a group to a district (its supporters' group) or as the coordinators' group.

    Rebinding a bound group to another role or district would silently leave that district without its group:
    refused unless `force`.
    """
    group_id = _line_id(group_id, "CR")
    if district_code is not None:
        await get_district(session, district_code)
    group = await session.get(LineGroup, group_id)
    if group is not None and group.active and not force and group.district_code != district_code:
        now_is = (
            f"the supporters' group of district {group.district_code}"
            if group.district_code
            else "the coordinators' group"
        )
        raise AlreadyExists(f"group {group_id} is {now_is}; add --force to rebind it")
    if group is None:
        group = LineGroup(group_id=group_id, role="", bound_at=now)
        session.add(group)
    group.role = "district" if district_code else "coordinators"
    group.district_code = district_code
    group.active = True
    group.bound_at = now
    group.unbound_at = None
    return group


async def get_group(session: AsyncSession, group_id: str) -> LineGroup | None:
    group = await session.get(LineGroup, group_id)
    return group if group and group.active else None


async def unbind_group(session: AsyncSession, *, group_id: str, now: datetime) -> bool:
    result = await session.exec(
        update(LineGroup)
        .where(col(LineGroup.group_id) == group_id, col(LineGroup.active))
        .values(active=False, unbound_at=now)
    )
    return bool(result.rowcount)


async def district_group(session: AsyncSession, district_code: str) -> LineGroup | None:
    return (
        await session.exec(
            select(LineGroup).where(
                col(LineGroup.district_code) == district_code, col(LineGroup.role) == "district", col(LineGroup.active)
            )
        )
    ).first()


async def coordinator_groups(session: AsyncSession, district_code: str | None = None) -> list[LineGroup]:
    """Groups that receive coordinator alerts (global ones; district-specific ones may come later)."""
    return list(
        (
            await session.exec(select(LineGroup).where(col(LineGroup.role) == "coordinators", col(LineGroup.active)))
        ).all()
    )


async def add_supporter(
    session: AsyncSession, *, line_user_id: str, district_code: str, name: str, now: datetime
) -> Supporter:
    uid = _line_id(line_user_id, "U")
    await get_district(session, district_code)
    if (await session.exec(select(Supporter).where(col(Supporter.line_user_id) == uid))).first():
        raise AlreadyExists(f"supporter {uid} is already registered")
    s = Supporter(line_user_id=uid, district_code=district_code, name=_clean(name, "name", 100), created_at=now)
    session.add(s)
    return s


async def add_resident(
    session: AsyncSession,
    *,
    line_user_id: str,
    district_code: str,
    name: str,
    now: datetime,
    town: str | None = None,
    address: str | None = None,
    phone: str | None = None,
) -> Resident:
    uid = _line_id(line_user_id, "U")
    await get_district(session, district_code)
    if (await session.exec(select(Resident).where(col(Resident.line_user_id) == uid))).first():
        raise AlreadyExists(f"resident {uid} is already registered")
    phone = _phone(phone) if phone is not None else None
    r = Resident(
        line_user_id=uid,
        district_code=district_code,
        name=_clean(name, "name", 100),
        town=_clean(town, "town", 100) if town else None,
        address=_clean(address, "address", 300) if address else None,
        phone=phone,
        created_at=now,
    )
    session.add(r)
    return r


async def add_resident_without_line(
    session: AsyncSession,
    *,
    district_code: str,
    name: str,
    now: datetime,
    town: str | None = None,
    address: str | None = None,
    phone: str | None = None,
) -> Resident:
    """A resident with no LINE account: a proxy (family or 民生委員) speaks for them and receives what the bot
    would have sent them. They never add the bot, so they are not counted as having blocked it."""
    await get_district(session, district_code)
    r = Resident(
        line_user_id=f"{NO_LINE_PREFIX}{uuid.uuid4().hex}",
        district_code=district_code,
        name=_clean(name, "name", 100),
        town=_clean(town, "town", 100) if town else None,
        address=_clean(address, "address", 300) if address else None,
        phone=_phone(phone) if phone else None,
        created_at=now,
    )
    session.add(r)
    await session.flush()
    return r


def has_line(resident: Resident) -> bool:
    return not resident.line_user_id.startswith(NO_LINE_PREFIX)


async def resident_by_line(session: AsyncSession, line_user_id: str) -> Resident | None:
    return (await session.exec(select(Resident).where(col(Resident.line_user_id) == line_user_id))).first()


async def resident_by_ref(session: AsyncSession, ref: str) -> Resident | None:
    """A resident by LINE user ID, or by '#id' (a resident with no LINE account has only that)."""
    ref = ref.strip()
    if ref.startswith("#") and ref[1:].isdigit():
        return await session.get(Resident, int(ref[1:]))
    return await resident_by_line(session, ref)


async def supporter_by_line(session: AsyncSession, line_user_id: str) -> Supporter | None:
    return (await session.exec(select(Supporter).where(col(Supporter.line_user_id) == line_user_id))).first()


async def set_followed(session: AsyncSession, *, line_user_id: str, followed: bool, now: datetime) -> None:
    """Keep the records true when someone adds or blocks the bot."""
    blocked_at = None if followed else now
    for model in (Resident, Supporter):
        await session.exec(
            update(model)
            .where(col(model.line_user_id) == line_user_id)
            .values(followed=followed, blocked_at=blocked_at)
        )
