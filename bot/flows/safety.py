"""Emergencies and matters for professionals: answered at once, told to coordinators, never to volunteers."""

from __future__ import annotations

import logging

from bot import messages as M
from bot import ui
from bot.context import FlowContext
from bot.flows import fragments
from bot.nlp.types import Analysis
from bot.store import help_requests, people
from bot.store.models import OPEN, Resident

log = logging.getLogger(__name__)

_SCAM_PHONE = "188"
_SUICIDE_PHONE = "0120-279-338"


def consult_place(
    cues: tuple[str, ...], district_name: str | None, district_phone: str | None
) -> tuple[str, str | None]:
    """Where to send the resident: a national line for scams and despair, else the district's own place."""
    if "suicide" in cues:
        return M.CONSULT_SUICIDE_PLACE, _SUICIDE_PHONE
    if "scam" in cues:
        return M.CONSULT_SCAM_PLACE, _SCAM_PHONE
    return district_name or M.CONSULT_DEFAULT_PLACE, district_phone


async def handle(ctx: FlowContext, *, text: str, analysis: Analysis, resident: Resident | None) -> None:
    assert ctx.user_id is not None
    emergency = analysis.category == "emergency"
    async with ctx.read() as s:
        district = await people.get_district(s, resident.district_code) if resident else None
        coordinator_groups = await people.coordinator_groups(s)
    async with ctx.tx() as tx:
        await fragments.clear(tx, ctx.user_id)
        if emergency:
            tx.reply(ui.emergency())
        else:
            place, phone = consult_place(
                analysis.cues, district.consult_name if district else None, district.consult_phone if district else None
            )
            tx.reply(ui.with_call(M.consult_reply(place), M.CALL_LABEL, phone))
        request_id = None
        if resident is not None:
            req = await help_requests.create(
                tx.session, resident=resident, text=text, analysis=analysis, status=OPEN, now=ctx.now
            )
            request_id = req.id
        name = resident.name if resident else f"未登録の方（LINE ID 末尾 {ctx.user_id[-6:]}）"
        dname = district.name if district else "不明な"
        if emergency:
            alert = M.coordinator_emergency(
                dname, name, resident.address if resident else None, resident.phone if resident else None, text
            )
        else:
            topic = "・".join(M.CONSULT_TOPICS[c] for c in analysis.cues if c in M.CONSULT_TOPICS) or "相談"
            alert = M.coordinator_consult(
                dname, name, resident.address if resident else None, resident.phone if resident else None, text, topic
            )
        for g in coordinator_groups:
            tx.push(g.group_id, ui.text(alert), purpose="emergency" if emergency else "consult", request_id=request_id)
    if not coordinator_groups:
        # Without a coordinators' group nobody would hear of it: make it loud in the logs (no personal data).
        log.error(
            "no coordinators group bound: %s alert for request %s could not be routed", analysis.category, request_id
        )
