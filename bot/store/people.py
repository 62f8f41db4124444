"""Queries on districts, towns, LINE groups, residents and supporters."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.errors import AlreadyExists, InvalidInput, NotFound
from bot.store.models import NO_LINE_PREFIX, CoordinatorGroupDistrict, District, LineGroup, Resident, Supporter, Town


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


def _describe(group: LineGroup, districts: list[str]) -> str:
    if group.role == "district":
        return f"the supporters' group of district {group.district_code}"
    if districts:
        return f"the coordinators' group of district(s) {', '.join(districts)}"
    return "the city-wide coordinators' group"


async def bind_group(
    session: AsyncSession, *, group_id: str, district_code: str | None, now: datetime, force: bool = False
) -> LineGroup:
    """Bind a group to a district (its supporters' group) or as the city-wide coordinators' group.

    Rebinding a bound group to another role or district would silently leave that district without its group:
    refused unless `force`.
    """
    if district_code is None:
        return await bind_coordinators(session, group_id=group_id, districts=[], now=now, force=force)
    group_id = _line_id(group_id, "CR")
    await get_district(session, district_code)
    group = await session.get(LineGroup, group_id)
    if group is not None and group.active and not force and group.district_code != district_code:
        raise AlreadyExists(
            f"group {group_id} is {_describe(group, await group_districts(session, group_id))}; add --force to rebind it"
        )
    group = _activate(session, group, group_id, now)
    group.role = "district"
    group.district_code = district_code
    await _set_districts(session, group_id, [])
    return group


async def bind_coordinators(
    session: AsyncSession, *, group_id: str, districts: list[str], now: datetime, force: bool = False
) -> LineGroup:
    """Bind a coordinators' group: for these districts (added to those it already serves, never replacing
    them), or city-wide when `districts` is empty.

    Each change that would take alerts away from someone, or show a group more districts' personal data than it
    had, needs `force`: a supporters' group turned coordinators' group, a city-wide group narrowed to districts,
    or a district group widened to the whole city.
    """
    group_id = _line_id(group_id, "CR")
    codes = list(dict.fromkeys(_clean(d, "district code", 32) for d in districts))
    for code in codes:
        await get_district(session, code)
    group = await session.get(LineGroup, group_id)
    current = await group_districts(session, group_id) if group is not None else []
    if group is not None and group.active and not force:
        now_is = _describe(group, current)
        if group.role == "district":
            raise AlreadyExists(f"group {group_id} is {now_is}; add --force to rebind it")
        if codes and not current:
            raise AlreadyExists(
                f"group {group_id} is {now_is}; add --force to make it serve only district(s) {', '.join(codes)}"
            )
        if not codes and current:
            raise AlreadyExists(
                f"group {group_id} is {now_is}; add --force to make it city-wide (it would see every district)"
            )
    keep = current if group is not None and group.active and group.role == "coordinators" and codes else []
    group = _activate(session, group, group_id, now)
    group.role = "coordinators"
    group.district_code = None
    await _set_districts(session, group_id, list(dict.fromkeys(keep + codes)))
    return group


def _activate(session: AsyncSession, group: LineGroup | None, group_id: str, now: datetime) -> LineGroup:
    if group is None:
        group = LineGroup(group_id=group_id, role="", bound_at=now)
        session.add(group)
    group.active = True
    group.bound_at = now
    group.unbound_at = None
    group.removed_at = None
    return group


async def _set_districts(session: AsyncSession, group_id: str, codes: list[str]) -> None:
    rows = (
        await session.exec(select(CoordinatorGroupDistrict).where(col(CoordinatorGroupDistrict.group_id) == group_id))
    ).all()
    for row in rows:
        if row.district_code not in codes:
            await session.delete(row)
    have = {r.district_code for r in rows}
    await session.flush()  # the group row first: the districts refer to it
    for code in codes:
        if code not in have:
            session.add(CoordinatorGroupDistrict(group_id=group_id, district_code=code))


async def group_districts(session: AsyncSession, group_id: str) -> list[str]:
    """The districts a coordinators' group serves; empty for the city-wide group (and for other groups)."""
    return list(
        (
            await session.exec(
                select(col(CoordinatorGroupDistrict.district_code))
                .where(col(CoordinatorGroupDistrict.group_id) == group_id)
                .order_by(col(CoordinatorGroupDistrict.district_code))
            )
        ).all()
    )


async def get_group(session: AsyncSession, group_id: str) -> LineGroup | None:
    group = await session.get(LineGroup, group_id)
    return group if group and group.active else None


async def unbind_group(session: AsyncSession, *, group_id: str, now: datetime, removed: bool = False) -> bool:
    """End a binding; `removed`: LINE said the bot was taken out of the group (kept visible on the dashboard)."""
    values: dict[str, datetime | bool] = {"active": False, "unbound_at": now}
    if removed:
        values["removed_at"] = now
    result = await session.exec(
        update(LineGroup).where(col(LineGroup.group_id) == group_id, col(LineGroup.active)).values(**values)
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


def _served() -> Any:
    return select(col(CoordinatorGroupDistrict.group_id))


async def city_wide_groups(session: AsyncSession) -> list[LineGroup]:
    """The coordinators' groups bound with no district: the city's welfare office and its like."""
    return list(
        (
            await session.exec(
                select(LineGroup)
                .where(
                    col(LineGroup.role) == "coordinators",
                    col(LineGroup.active),
                    col(LineGroup.group_id).not_in(_served()),
                )
                .order_by(col(LineGroup.bound_at))
            )
        ).all()
    )


async def district_coordinator_groups(session: AsyncSession, district_code: str) -> list[LineGroup]:
    """The coordinators' groups bound to this district (several districts may share one)."""
    return list(
        (
            await session.exec(
                select(LineGroup)
                .join(CoordinatorGroupDistrict, col(CoordinatorGroupDistrict.group_id) == col(LineGroup.group_id))
                .where(
                    col(CoordinatorGroupDistrict.district_code) == district_code,
                    col(LineGroup.role) == "coordinators",
                    col(LineGroup.active),
                )
                .order_by(col(LineGroup.bound_at))
            )
        ).all()
    )


async def coordinator_groups(session: AsyncSession, district_code: str | None) -> list[LineGroup]:
    """Where a district's alerts and reminders go: its own coordinators' group(s), else the city-wide group.
    A district's personal data never reaches another district's group. Unknown district: the city-wide group."""
    if district_code is not None:
        own = await district_coordinator_groups(session, district_code)
        if own:
            return own
    return await city_wide_groups(session)


async def unrouted_districts(session: AsyncSession) -> tuple[list[District], bool]:
    """Districts with no coordinators' group of their own, and whether a city-wide group catches them."""
    served = set(
        (
            await session.exec(
                select(col(CoordinatorGroupDistrict.district_code))
                .join(LineGroup, col(CoordinatorGroupDistrict.group_id) == col(LineGroup.group_id))
                .where(col(LineGroup.active), col(LineGroup.role) == "coordinators")
            )
        ).all()
    )
    districts = (await session.exec(select(District).order_by(col(District.code)))).all()
    return [d for d in districts if d.code not in served], bool(await city_wide_groups(session))


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
    r = _resident_row(uid, district_code, name, now, town, address, _phone(phone) if phone is not None else None)
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
    line_id = f"{NO_LINE_PREFIX}{uuid.uuid4().hex}"
    r = _resident_row(line_id, district_code, name, now, town, address, _phone(phone) if phone else None)
    session.add(r)
    await session.flush()
    return r


def _resident_row(
    line_user_id: str,
    district_code: str,
    name: str,
    now: datetime,
    town: str | None,
    address: str | None,
    phone: str | None,
) -> Resident:
    """The checked and trimmed row of a new resident (`phone` already normalised)."""
    return Resident(
        line_user_id=line_user_id,
        district_code=district_code,
        name=_clean(name, "name", 100),
        town=_clean(town, "town", 100) if town else None,
        address=_clean(address, "address", 300) if address else None,
        phone=phone,
        created_at=now,
    )


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


async def set_suspended(session: AsyncSession, *, line_user_id: str, suspended: bool, now: datetime) -> Supporter:
    """Suspend a supporter (they may not take requests) or lift it; the caller releases what they hold."""
    sup = await supporter_by_line(session, line_user_id.strip())
    if sup is None:
        raise NotFound(f"no supporter {line_user_id.strip()!r}")
    sup.suspended_at = (sup.suspended_at or now) if suspended else None
    session.add(sup)
    return sup


async def all_coordinator_groups(session: AsyncSession) -> list[LineGroup]:
    return list(
        (
            await session.exec(
                select(LineGroup)
                .where(col(LineGroup.role) == "coordinators", col(LineGroup.active))
                .order_by(col(LineGroup.bound_at))
            )
        ).all()
    )
