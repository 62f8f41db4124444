"""What coordinators and the resident hear while a resident who registered on LINE waits for approval."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.context import Tx
from bot.store import people
from bot.store.models import HelpRequest, Resident


def person_url(tx: Tx, resident: Resident) -> str:
    return f"{tx.services.settings.public_base_url.rstrip('/')}/dashboard/people/resident/{resident.id}"


async def newcomer(tx: Tx, resident: Resident) -> None:
    """A resident registered themselves: the coordinators of their district decide whether to take them on."""
    district = await people.get_district(tx.session, resident.district_code)
    text = M.coordinator_newcomer(district.name, resident.name, resident.town, person_url(tx, resident))
    await tx.tell_coordinators(resident.district_code, ui.text(text), purpose="newcomer")


async def held(tx: Tx, req: HelpRequest, resident: Resident) -> None:
    """A confirmed request of a resident not approved yet: kept; the resident told kindly, coordinators told."""
    assert req.id is not None
    tx.reply(ui.text(M.REQUEST_HELD))
    district = await people.get_district(tx.session, req.district_code)
    text = M.coordinator_held(district.name, req.id, req.category, person_url(tx, resident))
    await tx.tell_coordinators(req.district_code, ui.text(text), purpose="held", request_id=req.id)
