"""What a new request takes from the conversation around it: who asked (a proxy, 代理) and where
(a location the resident sent shortly before)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import messages as M
from bot import ui
from bot.context import Tx
from bot.flows.when import when_text
from bot.store import help_requests, proxies
from bot.store.models import CLAIMED, HelpRequest, PendingLocation, Proxy, Resident, Supporter

LOCATION_KEEP = timedelta(hours=24)  # a location sent earlier belongs to a request made within a day


async def on_new_request(tx: Tx, req: HelpRequest, resident: Resident, user_id: str) -> None:
    assert req.id is not None and resident.id is not None
    if user_id != resident.line_user_id:
        found = await proxies.for_line(tx.session, user_id)
        if found is not None and found[1].id == resident.id:
            req.proxy_id = found[0].id
            tx.session.add(req)
    pending = await tx.session.get(PendingLocation, resident.id)
    if pending is not None:
        if pending.at >= tx.now - LOCATION_KEEP:
            req.location_lat, req.location_lng, req.location_label = pending.lat, pending.lng, pending.label
            tx.session.add(req)
        await tx.session.delete(pending)


async def location(tx: Tx, resident: Resident, lat: float, lng: float, label: str | None) -> bool:
    """Keep a location as where help is needed: on the resident's current request, else for the next one.
    True when it went on a request. A supporter who already took it gets the map link at once."""
    assert resident.id is not None
    req = await help_requests.latest_active(tx.session, resident.id, tx.now - LOCATION_KEEP)
    if req is None or req.id is None:
        await _keep_for_next(tx.session, resident.id, lat, lng, label, tx)
        return False
    await help_requests.set_location(tx.session, request_id=req.id, lat=lat, lng=lng, label=label)
    if req.status == CLAIMED and req.supporter_id is not None:
        sup = await tx.session.get(Supporter, req.supporter_id)
        if sup is not None:
            tx.push(
                sup.line_user_id,
                ui.text(M.supporter_location(req.id, ui.map_url(lat, lng))),
                purpose="location",
                request_id=req.id,
            )
    return True


async def _keep_for_next(
    session: AsyncSession, resident_id: int, lat: float, lng: float, label: str | None, tx: Tx
) -> None:
    pending = await session.get(PendingLocation, resident_id)
    if pending is None:
        session.add(PendingLocation(resident_id=resident_id, lat=lat, lng=lng, label=label, at=tx.now))
    else:
        pending.lat, pending.lng, pending.label, pending.at = lat, lng, label, tx.now
        session.add(pending)


async def details_for_supporter(session: AsyncSession, req: HelpRequest, resident: Resident) -> str:
    """What the supporter who took it reads 1:1: whom to visit, whom to call, and where (a map link)."""
    assert req.id is not None
    text = M.supporter_details(
        req.id, req.category, when_text(req), resident.name, resident.address, resident.phone, req.text
    )
    extra = []
    if resident.registered_by_relation:
        extra.append(M.registered_by_lines(resident.registered_by_relation, resident.registered_by_name))
    if req.proxy_id is not None:
        proxy = await session.get(Proxy, req.proxy_id)
        if proxy is not None:
            extra.append(M.proxy_lines(proxy.relation, proxy.name, proxy.phone))
    if req.location_lat is not None and req.location_lng is not None:
        place = f"{req.location_label}\n" if req.location_label else ""
        extra.append(f"{M.MAP_LABEL}：{place}{ui.map_url(req.location_lat, req.location_lng)}")
    if extra:
        head, _, tail = text.rpartition("\n")
        text = "\n".join([head, *extra, tail])
    return text


async def proxy_of(session: AsyncSession, req: HelpRequest) -> Proxy | None:
    return await session.get(Proxy, req.proxy_id) if req.proxy_id is not None else None
