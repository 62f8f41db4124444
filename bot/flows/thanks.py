"""A resident's thanks (「ありがとう」, 「あんやと」, 「きのどくな」, or a sticker) after 完了 are passed to the
supporter who helped — once per request, within a few days."""

from __future__ import annotations

from datetime import timedelta

from bot import messages as M
from bot import ui
from bot.commands import normalize
from bot.context import Tx
from bot.store import help_requests
from bot.store.models import Resident, Supporter

WINDOW = timedelta(days=7)
SHORT = 40  # longer messages that merely contain thanks are read as what they are
WORDS = (
    "ありがと",
    "有難",
    "有り難",
    "あんやと",
    "あんやとう",
    "きのどく",
    "気の毒",
    "感謝",
    "お世話",
    "助かり",
    "たすかり",
)


def is_thanks(text: str) -> bool:
    t = normalize(text)
    return any(w in t for w in WORDS)


def is_short_thanks(text: str) -> bool:
    return len(normalize(text)) <= SHORT and is_thanks(text)


async def pass_on(tx: Tx, resident: Resident, words: str | None) -> bool:
    """Pass thanks on; `words` None is a sticker. False when there is nothing to thank for."""
    assert resident.id is not None
    if words is not None and not is_thanks(words):
        return False
    req = await help_requests.recently_done_unthanked(tx.session, resident.id, tx.now - WINDOW)
    if req is None or req.id is None or req.supporter_id is None:
        return False
    sup = await tx.session.get(Supporter, req.supporter_id)
    if sup is None or not await help_requests.mark_thanked(tx.session, request_id=req.id, now=tx.now):
        return False
    said = words.strip()[:200] if words is not None else None
    tx.push(
        sup.line_user_id,
        ui.text(M.supporter_thanked(req.id, resident.name, said)),
        purpose="thanks",
        request_id=req.id,
    )
    help_requests.record(
        tx.session,
        request_id=req.id,
        at=tx.now,
        actor_kind="resident",
        actor_id=resident.line_user_id,
        action="thanked",
    )
    tx.reply(ui.text(M.thanks_passed(sup.name) if words is not None else M.sticker_thanks_passed(sup.name)))
    return True
