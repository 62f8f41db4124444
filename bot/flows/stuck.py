"""No stuck states: a claim whose supporter left the group, blocked the bot or was suspended goes back to the
group; a resident who blocked the bot is not left silently claimable; a group the bot was removed from is
reported at once. Coordinators are told each time, in the district's own coordinators' group."""

from __future__ import annotations

from bot import messages as M
from bot import ui
from bot.context import Tx
from bot.flows import recurring, request_actions
from bot.store import help_requests, people, stuck
from bot.store import recurring as recurring_store
from bot.store.errors import NotYours, RequestClosed
from bot.store.help_requests import SYSTEM
from bot.store.models import CLAIMED, OPEN, LineGroup, Resident, Supporter
from bot.workers.scheduler import JobContext, JobHandler


def _dashboard(tx: Tx, request_id: int | None = None) -> str:
    base = tx.services.settings.public_base_url.rstrip("/")
    return f"{base}/dashboard/requests/{request_id}" if request_id else f"{base}/dashboard/"


async def release_claims(ctx: JobContext) -> None:
    """Every request the supporter still holds: released, re-posted to the district's group, the resident and
    the coordinators told. Re-checked when it runs: a request finished meanwhile is left alone."""
    reason = str(ctx.job.payload["reason"])
    async with ctx.tx() as tx:
        sup = await tx.session.get(Supporter, int(ctx.job.payload["supporter_id"]))
        if sup is None or sup.id is None:
            return
        for held in await stuck.held_by(tx.session, sup.id):
            assert held.id is not None
            try:
                # The same release as the supporter's own 手放す: back to the group, the resident told.
                req = await request_actions.release(tx, request_id=held.id, by=SYSTEM, supporter=sup)
            except (RequestClosed, NotYours):
                continue  # finished or given back meanwhile
            assert req.id is not None
            help_requests.record(
                tx.session,
                request_id=req.id,
                at=tx.now,
                actor_kind="system",
                actor_id=None,
                action="auto_released",
                note=reason,
            )
            if reason in ("suspended", "removed") and sup.followed is not False:
                tx.push(
                    sup.line_user_id,
                    ui.text(M.supporter_released_by_coordinator(req.id)),
                    purpose="claim_released",
                    request_id=req.id,
                )
            district = await people.get_district(tx.session, req.district_code)
            text = M.coordinator_claim_released(district.name, req.id, sup.name, reason, _dashboard(tx, req.id))
            await tx.tell_coordinators(req.district_code, ui.text(text), purpose="claim_released", request_id=req.id)
        await _release_standing(tx, sup, reason)


async def _release_standing(tx: Tx, sup: Supporter, reason: str) -> None:
    """Standing arrangements (毎週) they held go back to the group too, to be taken by someone else."""
    assert sup.id is not None
    for rec in await recurring_store.held_by(tx.session, sup.id):
        assert rec.id is not None
        if not await recurring_store.give_back(tx.session, recurring_id=rec.id, supporter_id=sup.id):
            continue
        await recurring.approved(tx.session, rec, tx.now, again=True)  # the posting job of an approval
        district = await people.get_district(tx.session, rec.district_code)
        url = f"{tx.services.settings.public_base_url.rstrip('/')}/dashboard/recurring/{rec.id}"
        text = M.coordinator_recurring_released(district.name, sup.name, reason, url)
        await tx.tell_coordinators(rec.district_code, ui.text(text), purpose="claim_released")


async def supporter_gone(tx: Tx, supporter: Supporter, reason: str) -> None:
    await stuck.release_later(tx.session, supporter=supporter, reason=reason, now=tx.now)
    tx.services.wake_scheduler()


async def resident_blocked(tx: Tx, resident: Resident) -> None:
    """The claimer hears they cannot reach the resident on LINE; the group hears an open request may not be taken
    until a coordinator checks (claims are refused while the resident blocks the bot); coordinators hear it all."""
    assert resident.id is not None
    rows = await help_requests.open_for_resident(tx.session, resident.id)
    for req, sup in rows:
        assert req.id is not None
        help_requests.record(
            tx.session, request_id=req.id, at=tx.now, actor_kind="resident", actor_id=None, action="resident_blocked"
        )
        if req.status == CLAIMED and sup is not None:
            tx.push(
                sup.line_user_id,
                ui.text(M.supporter_resident_blocked(req.id)),
                purpose="resident_blocked",
                request_id=req.id,
            )
        elif req.status == OPEN:
            group = await people.district_group(tx.session, req.district_code)
            if group is not None:
                tx.push(
                    group.group_id,
                    ui.text(M.group_resident_unreachable(req.id)),
                    purpose="resident_blocked",
                    request_id=req.id,
                )
    district = await people.get_district(tx.session, resident.district_code)
    listed = "、".join(M.request_no(req.id or 0) for req, _ in rows) or M.NO_REQUESTS
    text = M.coordinator_resident_blocked(district.name, resident.name, resident.phone, listed, _dashboard(tx))
    await tx.tell_coordinators(resident.district_code, ui.text(text), purpose="resident_blocked")


async def resident_back(tx: Tx, resident: Resident) -> None:
    """The resident added the bot again: their open requests may be taken again, and the group hears so."""
    assert resident.id is not None
    for req, _ in await help_requests.open_for_resident(tx.session, resident.id):
        if req.status != OPEN or req.id is None:
            continue
        group = await people.district_group(tx.session, req.district_code)
        if group is not None:
            tx.push(
                group.group_id,
                ui.text(M.group_resident_reachable(req.id)),
                purpose="resident_blocked",
                request_id=req.id,
            )


async def group_removed(tx: Tx, group: LineGroup) -> None:
    """The bot was taken out of a bound group: the binding is marked and the coordinators told at once."""
    await people.unbind_group(tx.session, group_id=group.group_id, now=tx.now, removed=True)
    url = _dashboard(tx)
    if group.role == "district" and group.district_code:
        district = await people.get_district(tx.session, group.district_code)
        text = M.coordinator_group_removed(district.name, "district", url)
        targets = await people.coordinator_groups(tx.session, group.district_code)
    else:
        served = await people.group_districts(tx.session, group.group_id)
        names = [(await people.get_district(tx.session, c)).name for c in served]
        text = M.coordinator_group_removed("・".join(names) or None, "coordinators", url)
        # Those who take over its alerts: the city-wide group, or (the city-wide group itself removed) the rest.
        targets = await people.city_wide_groups(tx.session)
        if not targets:
            targets = await people.all_coordinator_groups(tx.session)
    for g in targets:
        if g.group_id != group.group_id:
            tx.push(g.group_id, ui.text(text), purpose="group_removed")


JOBS: dict[str, JobHandler] = {stuck.RELEASE_JOB: release_claims}
