"""Registering a new resident in plain steps a resident can finish alone: town (in kanji, kana, dialect or
with a typo; confirmed with buttons), name, address and phone (each may be skipped), then a short notice of
who will see what, which they agree to. Family or a 民生委員 can do it on the resident's behalf."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot import messages as M
from bot import ui
from bot.commands import Command, match
from bot.context import EventContext
from bot.flows import newcomers
from bot.flows.reading import Reply, read
from bot.nlp import towns as town_words
from bot.postback import Action
from bot.store import conversations, people
from bot.store.errors import InvalidInput
from bot.store.models import PENDING, District, Town

REG_TOWN, REG_NAME = "reg_town", "reg_name"
REG_TOWN_OK = "reg_town_ok"  # waiting for はい／いいえ about one town
REG_ADDRESS, REG_PHONE, REG_OWN_NAME, REG_CONSENT, REG_RELATION = (
    "reg_address",
    "reg_phone",
    "reg_own_name",
    "reg_consent",
    "reg_relation",
)
STATES = frozenset({REG_TOWN, REG_TOWN_OK, REG_NAME, REG_ADDRESS, REG_PHONE, REG_OWN_NAME, REG_CONSENT, REG_RELATION})
MENU_COMMANDS = frozenset({Command.ASK, Command.STATUS, Command.HELP})  # the rich menu's message buttons
SKIP_WORDS = (
    "とばす",
    "飛ばす",
    "なし",
    "無し",
    "ない",
    "ありません",
    "いらん",
    "いらない",
    "わからん",
    "わからない",
    "パス",
)
RELATIONS = {"family": M.RELATION_FAMILY, "welfare": M.RELATION_WELFARE}


async def start(ctx: EventContext, *, welcome: str = M.WELCOME_NEW) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=REG_TOWN, data={}, now=ctx.now)
        tx.reply(ui.welcome_new(welcome, ctx.services.secret))


async def _put(ctx: EventContext, state: str, data: dict[str, Any], *messages: ui.Msg) -> None:
    assert ctx.user_id
    async with ctx.tx() as tx:
        await conversations.put(tx.session, line_user_id=ctx.user_id, state=state, data=data, now=ctx.now)
        tx.reply(*messages)


async def _state(ctx: EventContext) -> tuple[str | None, dict[str, Any]]:
    assert ctx.user_id
    async with ctx.read() as s:
        conv = await conversations.get(s, ctx.user_id)
    return (conv.state, dict(conv.data)) if conv else (None, {})


def _for(data: dict[str, Any]) -> bool:
    return bool(data.get("relation"))


async def on_text(ctx: EventContext, text: str, state: str | None, data: dict[str, object]) -> None:
    assert ctx.user_id
    d: dict[str, Any] = dict(data)
    if state in STATES and match(text) in MENU_COMMANDS:
        # A rich-menu button pressed halfway through: it is neither a town nor a name.
        first = {REG_TOWN: M.REGISTER_FIRST_TOWN, REG_NAME: M.REGISTER_FIRST_NAME}.get(state, M.REGISTER_FIRST_OTHER)
        async with ctx.tx() as tx:
            tx.reply(ui.text(first))
        return
    reply = read(text)
    if state in STATES and state != REG_CONSENT and reply is Reply.CANCEL:
        async with ctx.tx() as tx:  # 「やっぱりやめます」 halfway: nothing kept
            await conversations.clear(tx.session, ctx.user_id)
            tx.reply(ui.text(M.CONSENT_DECLINED))
        return
    if state == REG_TOWN_OK and reply in (Reply.YES, Reply.NO):
        if reply is Reply.YES:
            await on_town(ctx, int(d.get("candidate", 0)))
        else:
            await on_town_rejected(ctx)
        return
    if state == REG_RELATION:
        relation = next((k for k, v in RELATIONS.items() if v in text), None)
        if relation is None:
            await _put(ctx, REG_RELATION, d, ui.ask_relation(ctx.services.secret))
        else:
            await _relation(ctx, relation)
        return
    if state == REG_NAME:
        await _name(ctx, text, d)
        return
    if state in (REG_ADDRESS, REG_PHONE):
        await _address_or_phone(ctx, state, text, d)
        return
    if state == REG_OWN_NAME:
        d["own_name"] = _plain_name(text)
        await _put(ctx, REG_CONSENT, d, ui.ask_consent(ctx.services.secret))
        return
    if state == REG_CONSENT:
        if reply in (Reply.YES, Reply.NO, Reply.CANCEL):
            await _consent(ctx, reply is Reply.YES)
        else:
            await _put(ctx, REG_CONSENT, d, ui.text(M.ASK_AGAIN_BUTTONS), ui.ask_consent(ctx.services.secret))
        return
    if state not in (REG_TOWN, REG_TOWN_OK):
        await start(ctx, welcome=M.NOT_REGISTERED_YET)
        return
    await _town_words(ctx, text, d)


_ADDRESS_LIKE = re.compile(r"\d|丁目|番地?|号|町|市|区|[一二三四五六七八九十]+の")
_NAME_ALONE = re.compile(r"[\u4e00-\u9fffァ-ヶー・ 　]{2,12}")


async def answers_the_question(ctx: EventContext, text: str, state: str | None) -> bool:
    """Whether these words are what the registration step waits for (a town it knows, はい, やめます…).

    A possible emergency read by the model alone (「ながまち」 looks like nothing it knows) must not
    interrupt an answer; a sure sign of danger always goes first (context_read checks that before).
    """
    if state not in STATES:
        return False
    if match(text) in MENU_COMMANDS or read(text) is Reply.CANCEL:
        return True
    if state == REG_TOWN_OK and read(text) in (Reply.YES, Reply.NO):
        return True
    if state == REG_CONSENT:
        return read(text) in (Reply.YES, Reply.NO)
    if state == REG_RELATION:
        return any(v in text for v in RELATIONS.values())
    if state in (REG_TOWN, REG_TOWN_OK):
        found, _ = await _find_town(ctx, text)
        return bool(found.towns)
    if state in (REG_ADDRESS, REG_PHONE) and text.strip() in SKIP_WORDS:
        return True
    if state == REG_PHONE:
        return sum(c.isdigit() for c in unicodedata.normalize("NFKC", text)) >= 9 or _phone(text) is not None
    if state == REG_ADDRESS:
        return bool(_ADDRESS_LIKE.search(unicodedata.normalize("NFKC", text)))
    if state in (REG_NAME, REG_OWN_NAME):
        # a name: masking finds one (北村とし子です), or kanji and katakana alone (金沢ウメ); 「くるしい」 is none
        return await ctx.services.analysis.mask(text) != text or bool(_NAME_ALONE.fullmatch(text.strip()))
    return False


async def _find_town(ctx: EventContext, text: str) -> tuple[town_words.Found, dict[int, tuple[Town, District]]]:
    async with ctx.read() as s:
        rows = await people.all_towns(s)
    readings = await ctx.services.analysis.readings([text, *(t.name for t, _ in rows)])
    by_id: dict[int, tuple[Town, District]] = {t.id or 0: (t, dist) for t, dist in rows}
    found = town_words.find(
        text,
        readings[0],
        [town_words.Town(t.id or 0, t.name, r) for (t, _), r in zip(rows, readings[1:], strict=True)],
    )
    return found, by_id


async def _town_words(ctx: EventContext, text: str, d: dict[str, Any]) -> None:
    found, by_id = await _find_town(ctx, text)
    if not found.towns:
        await _put(ctx, REG_TOWN, d, ui.text(M.ASK_TOWN_AGAIN))
    elif found.sure and len(found.towns) == 1:
        town, district = by_id[found.towns[0].id]
        assert town.id is not None
        await _put(
            ctx,
            REG_TOWN_OK,
            {**d, "candidate": town.id},
            ui.confirm_town(town.id, town.name, district.name, ctx.services.secret),
        )
    else:
        choices = [(t.id, t.name, by_id[t.id][1].name) for t in found.towns]
        await _put(ctx, REG_TOWN, d, ui.pick_town(choices, ctx.services.secret))


async def on_town(ctx: EventContext, town_id: int) -> None:
    assert ctx.user_id
    _, d = await _state(ctx)
    async with ctx.read() as s:
        town = await s.get(Town, town_id)
    if town is None:
        await _put(ctx, REG_TOWN, d, ui.text(M.ASK_TOWN_AGAIN))
        return
    d.pop("candidate", None)
    await _put(ctx, REG_NAME, {**d, "town_id": town_id}, ui.text(M.ASK_NAME_FOR if _for(d) else M.ASK_NAME))


async def on_town_rejected(ctx: EventContext) -> None:
    _, d = await _state(ctx)
    d.pop("candidate", None)
    await _put(ctx, REG_TOWN, d, ui.text(M.ASK_TOWN_AGAIN))


async def on_button(ctx: EventContext, action: Action, ref: int, arg: str) -> None:
    state, d = await _state(ctx)
    if action is Action.FOR_SOMEONE:
        await _put(ctx, REG_RELATION, {}, ui.ask_relation(ctx.services.secret))
    elif action is Action.RELATION and arg in RELATIONS:
        await _relation(ctx, arg)
    elif action is Action.SKIP and state in (REG_ADDRESS, REG_PHONE):
        await _address_or_phone(ctx, state, None, d)
    elif action is Action.CONSENT and state == REG_CONSENT:
        await _consent(ctx, ref == 1)
    else:
        async with ctx.tx() as tx:
            tx.reply(ui.text(M.BUTTON_EXPIRED))


async def _relation(ctx: EventContext, relation: str) -> None:
    await _put(ctx, REG_TOWN, {"relation": relation}, ui.text(M.ASK_TOWN_FOR))


def _plain_name(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().removesuffix("です").removesuffix("さん").strip()[:50]


async def _name(ctx: EventContext, text: str, d: dict[str, Any]) -> None:
    name = _plain_name(text)
    if not name:
        await _put(ctx, REG_NAME, d, ui.text(M.ASK_NAME_FOR if _for(d) else M.ASK_NAME))
        return
    ask = M.ASK_ADDRESS_FOR if _for(d) else M.ASK_ADDRESS
    await _put(ctx, REG_ADDRESS, {**d, "name": name}, ui.ask_with_skip(ask, ctx.services.secret))


def _phone(text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip()
    digits = [c for c in t if c.isdigit()]
    if len(digits) < 6 or any(not (c.isdigit() or c in "-+() ") for c in t):
        return None
    return t[:32]


async def _address_or_phone(ctx: EventContext, state: str, text: str | None, d: dict[str, Any]) -> None:
    """The answer, or None when skipped (the button or 「とばす」「なし」 typed)."""
    words = unicodedata.normalize("NFKC", text).strip() if text is not None else ""
    skipped = text is None or words in SKIP_WORDS or read(words) in (Reply.NO, Reply.UNSURE)
    if state == REG_ADDRESS:
        d = {**d, "address": None if skipped else words[:300]}
        ask = M.ASK_PHONE_FOR if _for(d) else M.ASK_PHONE
        await _put(ctx, REG_PHONE, d, ui.ask_with_skip(ask, ctx.services.secret))
        return
    phone = None if skipped else _phone(words)
    if not skipped and phone is None:
        ask = M.ASK_PHONE_FOR if _for(d) else M.ASK_PHONE
        await _put(ctx, REG_PHONE, d, ui.ask_with_skip(ask, ctx.services.secret))
        return
    d = {**d, "phone": phone}
    if _for(d):
        await _put(ctx, REG_OWN_NAME, d, ui.text(M.ASK_OWN_NAME))
    else:
        await _put(ctx, REG_CONSENT, d, ui.ask_consent(ctx.services.secret))


async def _consent(ctx: EventContext, agreed: bool) -> None:
    assert ctx.user_id
    _, d = await _state(ctx)
    async with ctx.tx() as tx:
        if not agreed:
            await conversations.clear(tx.session, ctx.user_id)
            tx.reply(ui.text(M.CONSENT_DECLINED))
            return
        town = await tx.session.get(Town, int(d.get("town_id", 0)))
        name = str(d.get("name") or "")
        if town is None or not name:
            await conversations.put(tx.session, line_user_id=ctx.user_id, state=REG_TOWN, data={}, now=ctx.now)
            tx.reply(ui.text(M.ASK_TOWN_AGAIN))
            return
        try:
            resident = await people.add_resident(
                tx.session,
                line_user_id=ctx.user_id,
                district_code=town.district_code,
                name=name,
                town=town.name,
                address=d.get("address") or None,
                phone=d.get("phone") or None,
                now=ctx.now,
            )
        except InvalidInput:
            resident = await people.add_resident(
                tx.session,
                line_user_id=ctx.user_id,
                district_code=town.district_code,
                name=name,
                town=town.name,
                now=ctx.now,
            )
        resident.agreed_at = ctx.now
        relation = RELATIONS.get(str(d.get("relation") or ""))
        if relation:
            # The LINE account is the registrant's: they speak for the resident; the supporter sees who they are.
            resident.registered_by_relation = relation
            resident.registered_by_name = str(d.get("own_name") or "")[:100] or None
        # Anyone can add the bot: a coordinator approves a self-registered resident before volunteers are sent.
        resident.approval = PENDING
        tx.session.add(resident)
        await tx.session.flush()
        await conversations.clear(tx.session, ctx.user_id)
        tx.reply(ui.text(M.registered_for_pending(name) if relation else M.registered_pending(name)))
        await newcomers.newcomer(tx, resident)
