"""Builds LINE message objects (JSON as the Messaging API takes it) from the texts in bot.messages.

Buttons are large and few: residents are often over 75 and press with a finger, not a stylus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import messages as M
from bot.line_limits import ACTION_LABEL_MAX, DISPLAY_TEXT_MAX, QUICK_REPLY_ITEMS_MAX, TEXT_MAX, cut
from bot.postback import Action, Postback, encode
from bot.store.models import HelpRequest

Msg = dict[str, Any]


def text(t: str, quick: list[Msg] | None = None) -> Msg:
    msg: Msg = {"type": "text", "text": cut(t, TEXT_MAX)}
    if quick:
        msg["quickReply"] = {"items": quick[:QUICK_REPLY_ITEMS_MAX]}
    return msg


def postback_action(label: str, pb: Postback, secret: bytes, display: str | None = None) -> Msg:
    action: Msg = {"type": "postback", "label": cut(label, ACTION_LABEL_MAX), "data": encode(pb, secret)}
    if display:
        action["displayText"] = cut(display, DISPLAY_TEXT_MAX)
    return action


def quick_postback(label: str, pb: Postback, secret: bytes, display: str | None = None) -> Msg:
    return {"type": "action", "action": postback_action(label, pb, secret, display or label)}


def _button(action: Msg, style: str = "secondary") -> Msg:
    return {"type": "button", "action": action, "style": style, "height": "md", "margin": "md"}


def _bubble(body: list[Msg], buttons: list[Msg] | None = None, header: str | None = None) -> Msg:
    bubble: Msg = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
    }
    if header:
        bubble["header"] = {
            "type": "box",
            "layout": "vertical",
            "backgroundColor": "#1E6B52",
            "contents": [{"type": "text", "text": header, "color": "#FFFFFF", "weight": "bold", "size": "lg"}],
        }
    if buttons:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return bubble


def _para(t: str, size: str = "lg", weight: str = "regular") -> Msg:
    return {"type": "text", "text": t, "wrap": True, "size": size, "weight": weight}


def _row(label: str, value: str) -> Msg:
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "contents": [
            {"type": "text", "text": label, "size": "md", "color": "#666666", "flex": 2},
            {"type": "text", "text": value or "-", "size": "md", "wrap": True, "flex": 5},
        ],
    }


def flex(alt: str, contents: Msg) -> Msg:
    return {"type": "flex", "altText": alt[:400], "contents": contents}


def confirm_request(t: str, request_id: int, secret: bytes, version: int | None = None) -> Msg:
    """`version`: the draft as this card says it; an older card's はい (before 「ちがう、あさってや」) is not taken
    for the corrected draft."""
    yes = Postback(Action.CONFIRM, request_id, "" if version is None else str(version))
    buttons = [
        _button(postback_action(M.YES_LABEL, yes, secret, M.YES), "primary"),
        _button(postback_action(M.NO_LABEL, Postback(Action.DECLINE, request_id), secret, M.NO_LABEL)),
        _button(postback_action(M.RESTATE_LABEL, Postback(Action.RESTATE, request_id), secret, M.RESTATE_LABEL)),
    ]
    return flex(t, _bubble([_para(t)], buttons))


def pick_category(labels: Sequence[str], request_id: int, secret: bytes) -> Msg:
    items = [
        quick_postback(M.CATEGORY_NAMES[label], Postback(Action.PICK, request_id, label), secret) for label in labels
    ]
    items.append(quick_postback(M.OTHER_LABEL, Postback(Action.PICK, request_id, "other_help"), secret))
    items.append(quick_postback(M.RESTATE_LABEL, Postback(Action.RESTATE, request_id), secret))
    return text(M.PICK_CATEGORY, items)


def group_post(
    *, request_id: int, category: str, area: str, when_text: str, summary: str, urgent: bool, secret: bytes
) -> Msg:
    title = M.group_post_title(request_id, urgent)
    body = [
        _row(M.ROW_WHAT, M.CATEGORY_NAMES[category]),
        _row(M.ROW_WHERE, area),
        _row(M.ROW_WHEN, when_text or M.GROUP_WHEN_NONE),
        _row(M.ROW_WORDS, summary[:500]),
    ]
    button = _button(postback_action(M.CLAIM_LABEL, Postback(Action.CLAIM, request_id), secret), "primary")
    alt = M.group_post_alt(title, category, area, when_text)
    return flex(alt, _bubble(body, [button], header=title))


def request_post(req: HelpRequest, *, when: str, town: str | None, district_name: str, secret: bytes) -> Msg:
    """The group's view of a request (first post, re-post and reminder alike): town-level area, masked words."""
    assert req.id is not None
    return group_post(
        request_id=req.id,
        category=req.category,
        area=town or f"{district_name}地区",
        when_text=when,
        summary=req.masked,
        urgent=req.urgent,
        secret=secret,
    )


def supporter_details(t: str, request_id: int, secret: bytes) -> Msg:
    buttons = [
        _button(postback_action(M.DONE_LABEL, Postback(Action.DONE, request_id), secret, M.DONE_LABEL), "primary"),
        _button(postback_action(M.RELEASE_LABEL, Postback(Action.RELEASE, request_id), secret, M.RELEASE_LABEL)),
    ]
    return flex(M.supporter_details_alt(request_id), _bubble([_para(t, size="md")], buttons))


def call_button(label: str, phone: str) -> Msg:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch in "+#*")
    return _button({"type": "uri", "label": cut(label, ACTION_LABEL_MAX), "uri": f"tel:{digits}"}, "primary")


def _big_call(label: str, number: str) -> Msg:
    """One large red button: the number to dial, nothing else to choose."""
    return {
        "type": "button",
        "action": {"type": "uri", "label": cut(label, ACTION_LABEL_MAX), "uri": f"tel:{number}"},
        "style": "primary",
        "height": "md",
        "color": "#C62828",
    }


def emergency(t: str, number: str) -> Msg:
    """119 (or 110 for an intruder or violence) first: how to call and what to say, one big button."""
    label = M.CALL_110 if number == "110" else M.CALL_119
    body = [{"type": "text", "text": t, "wrap": True, "size": "xl", "weight": "bold"}]
    return flex(t, _bubble(body, [_big_call(label, number)]))


def possible_emergency(request_id: int, secret: bytes) -> Msg:
    """119 at once, and one plain question worded so that はい means danger."""
    t = M.POSSIBLE_EMERGENCY
    buttons = [
        _big_call(M.CALL_119, "119"),
        _button(postback_action(M.POSSIBLE_YES, Postback(Action.POSSIBLE, request_id, "yes"), secret, M.POSSIBLE_YES)),
        _button(postback_action(M.POSSIBLE_NO, Postback(Action.POSSIBLE, request_id, "no"), secret, M.POSSIBLE_NO)),
        _button(
            postback_action(
                M.POSSIBLE_UNSURE, Postback(Action.POSSIBLE, request_id, "unsure"), secret, M.POSSIBLE_UNSURE
            )
        ),
    ]
    body = [{"type": "text", "text": t, "wrap": True, "size": "xl", "weight": "bold"}]
    return flex(t, _bubble(body, buttons))


def ask_cancel(t: str, request_id: int, secret: bytes) -> Msg:
    buttons = [
        _button(
            postback_action(M.CANCEL_YES_LABEL, Postback(Action.CANCEL_YES, request_id), secret, M.CANCEL_YES_LABEL),
            "primary",
        ),
        _button(postback_action(M.CANCEL_NO_LABEL, Postback(Action.CANCEL_NO, request_id), secret, M.CANCEL_NO_LABEL)),
    ]
    return flex(t, _bubble([_para(t)], buttons))


def ask_with_skip(t: str, secret: bytes) -> Msg:
    """A registration question that may be skipped (address, phone)."""
    return text(t, [quick_postback(M.SKIP_LABEL, Postback(Action.SKIP), secret)])


def ask_consent(secret: bytes) -> Msg:
    t = M.CONSENT_NOTICE
    buttons = [
        _button(postback_action(M.CONSENT_YES, Postback(Action.CONSENT, 1), secret, M.CONSENT_YES), "primary"),
        _button(postback_action(M.CONSENT_NO, Postback(Action.CONSENT, 0), secret, M.CONSENT_NO)),
    ]
    return flex(t, _bubble([_para(t, size="md")], buttons))


def welcome_new(t: str, secret: bytes) -> Msg:
    return text(t, [quick_postback(M.FOR_SOMEONE_LABEL, Postback(Action.FOR_SOMEONE), secret)])


def ask_relation(secret: bytes) -> Msg:
    items = [
        quick_postback(M.RELATION_FAMILY, Postback(Action.RELATION, 0, "family"), secret),
        quick_postback(M.RELATION_WELFARE, Postback(Action.RELATION, 0, "welfare"), secret),
    ]
    return text(M.ASK_RELATION, items)


def mentions(template: str, user_ids: list[str]) -> Msg:
    """LINE's text v2: `{s0}`, `{s1}`… in the template become mentions of these users (they get notified)."""
    subs = {f"s{i}": {"type": "mention", "mentionee": {"type": "user", "userId": u}} for i, u in enumerate(user_ids)}
    return {"type": "textV2", "text": template[:5000], "substitution": subs}


def with_call(t: str, label: str, phone: str | None) -> Msg:
    if not phone:
        return text(t)
    return flex(t, _bubble([_para(t)], [call_button(label, phone)]))


def status_list(items: list[tuple[int, str]], secret: bytes) -> Msg:
    """One bubble per open request, each with a cancel button (which asks once before it cancels)."""
    bubbles = [
        _bubble(
            [_para(line, size="md")],
            [_button(postback_action(M.CANCEL_LABEL, Postback(Action.CANCEL, rid), secret, M.CANCEL_LABEL))],
        )
        for rid, line in items[:12]
    ]
    return flex(M.STATUS_HEADER, {"type": "carousel", "contents": bubbles})


def pick_town(candidates: list[tuple[int, str, str]], secret: bytes) -> Msg:
    items = [
        quick_postback(cut(f"{town}（{district}）", ACTION_LABEL_MAX), Postback(Action.TOWN, town_id), secret, town)
        for town_id, town, district in candidates[:12]
    ]
    items.append(quick_postback(M.NONE_OF_THESE, Postback(Action.TOWN_NO, 0), secret))
    return text(M.PICK_TOWN, items)


def confirm_town(town_id: int, town: str, district: str, secret: bytes) -> Msg:
    t = M.confirm_town(town, district)
    buttons = [
        _button(postback_action(M.YES, Postback(Action.TOWN, town_id), secret, M.YES), "primary"),
        _button(postback_action(M.NO, Postback(Action.TOWN_NO, town_id), secret, M.NO)),
    ]
    return flex(t, _bubble([_para(t)], buttons))


# --- Conversation and watching over ------------------------------------------------------------------


def ask_when(t: str, request_id: int, secret: bytes, today: str, last_day: str) -> Msg:
    """Four quick answers and LINE's date picker: one extra step, no typing."""
    items = [
        quick_postback(label, Postback(Action.WHEN, request_id, arg), secret)
        for label, arg in (
            (M.WHEN_TODAY, "today"),
            (M.WHEN_TOMORROW, "tomorrow"),
            (M.WHEN_THIS_WEEK, "week"),
            (M.WHEN_ANY, "any"),
        )
    ]
    picker: Msg = {
        "type": "datetimepicker",
        "label": M.WHEN_PICK,
        "data": encode(Postback(Action.WHEN, request_id, "pick"), secret),
        "mode": "date",
        "initial": today,
        "min": today,
        "max": last_day,
    }
    items.append({"type": "action", "action": picker})
    return text(t, items)


def map_url(lat: float, lng: float) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={lat:.6f},{lng:.6f}"


def ask_watch_frequency(secret: bytes) -> Msg:
    items = [
        quick_postback(M.WATCH_DAILY, Postback(Action.WATCH, 0, "daily"), secret),
        quick_postback(M.WATCH_WEEKLY, Postback(Action.WATCH, 0, "weekly"), secret),
    ]
    return text(M.WATCH_ASK_FREQUENCY, items)


def ask_watch_hour(frequency: str, hours: list[int], secret: bytes) -> Msg:
    items = [quick_postback(M.hour_label(h), Postback(Action.WATCH_HOUR, h, frequency), secret) for h in hours]
    return text(M.WATCH_ASK_HOUR, items)


def checkin(question: str, checkin_id: int, secret: bytes) -> Msg:
    """One big button; answering in any other way counts as well."""
    button = {
        "type": "button",
        "action": postback_action(
            M.CHECKIN_OK_LABEL, Postback(Action.CHECKIN_OK, checkin_id), secret, M.CHECKIN_OK_LABEL
        ),
        "style": "primary",
        "height": "md",
        "color": "#1E6B52",
    }
    body = [{"type": "text", "text": question, "wrap": True, "size": "xl", "weight": "bold"}]
    return flex(question, _bubble(body, [button]))


def recurring_confirm(t: str, recurring_id: int, secret: bytes) -> Msg:
    buttons = [
        _button(postback_action(M.YES_LABEL, Postback(Action.RECUR_OK, recurring_id), secret, M.YES), "primary"),
        _button(postback_action(M.NO_LABEL, Postback(Action.RECUR_NO, recurring_id), secret, M.NO_LABEL)),
    ]
    return flex(t, _bubble([_para(t)], buttons))


def group_recurring_post(*, recurring_id: int, category: str, area: str, days: str, summary: str, secret: bytes) -> Msg:
    title = M.recurring_title(recurring_id)
    body = [
        _row(M.ROW_WHAT, M.CATEGORY_NAMES[category]),
        _row(M.ROW_WHERE, area),
        _row(M.ROW_DAYS, M.every_week(days)),
        _row(M.ROW_WORDS, summary[:500]),
    ]
    button = _button(postback_action(M.CLAIM_LABEL, Postback(Action.RECUR_CLAIM, recurring_id), secret), "primary")
    return flex(M.recurring_alt(title, category, area), _bubble(body, [button], header=title))


def alert(t: str, alert_id: int, *, phone: str | None, url: str, secret: bytes) -> Msg:
    """An alert to coordinators: the whole text, 「対応します」, a call button when there is a number, the dashboard."""
    ack = Postback(Action.ALERT_ACK, alert_id)
    buttons = [_button(postback_action(M.ALERT_ACK_LABEL, ack, secret, M.ALERT_ACK_LABEL), "primary")]
    if phone:
        buttons.append(call_button(M.ALERT_CALL_LABEL, phone))
    buttons.append(_button({"type": "uri", "label": M.ALERT_DASHBOARD_LABEL, "uri": url}))
    return flex(t, _bubble([_para(t, size="md")], buttons))
