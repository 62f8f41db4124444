"""Message limits LINE documents and enforces but `messaging-api.yml` does not express.

The reference (developers.line.biz/en/reference/messaging-api/) states these as hard limits; LINE answers
400 when they are broken, so the emulator must too, or a bug would first show in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.line_limits import (
    ALT_TEXT_MAX,
    BUTTONS_ACTIONS_MAX,
    CAROUSEL_BUBBLES_MAX,
    CONFIRM_ACTIONS,
    TEMPLATE_COLUMNS_MAX,
    TEXT_MAX,
)
from bot.line_limits import length as _length

# Paths whose JSON bodies carry a `messages` array.
MESSAGE_PATHS = frozenset({"/v2/bot/message/reply", "/v2/bot/message/push"})


def check_body(path: str, body: Any) -> list[dict[str, str]]:
    """Details (LINE's `{"message", "property"}` shape) for every documented limit the body breaks."""
    if path not in MESSAGE_PATHS or not isinstance(body, dict):
        return []
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [
        {"message": msg, "property": f"messages[{i}]{prop}"}
        for i, m in enumerate(messages)
        if isinstance(m, dict)
        for prop, msg in _check_message(m)
    ]


def _check_message(m: dict[str, Any]) -> Iterator[tuple[str, str]]:
    kind = m.get("type")
    text = m.get("text")
    if kind in ("text", "textV2") and isinstance(text, str):
        if not text:
            yield ".text", "May not be empty"
        elif _length(text) > TEXT_MAX:
            yield ".text", f"Length must be between 0 and {TEXT_MAX}"
    alt = m.get("altText")
    if kind in ("flex", "template", "imagemap") and isinstance(alt, str) and _length(alt) > ALT_TEXT_MAX:
        yield ".altText", f"Length must be between 0 and {ALT_TEXT_MAX}"
    if kind == "flex" and isinstance(m.get("contents"), dict):
        yield from _check_flex(m["contents"])
    if kind == "template" and isinstance(m.get("template"), dict):
        yield from _check_template(m["template"])


def _check_flex(container: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if container.get("type") != "carousel":
        return
    bubbles = container.get("contents")
    if not isinstance(bubbles, list):
        return
    if not 1 <= len(bubbles) <= CAROUSEL_BUBBLES_MAX:
        yield ".contents.contents", f"Size must be between 1 and {CAROUSEL_BUBBLES_MAX}"
    for j, b in enumerate(bubbles):
        if not isinstance(b, dict) or b.get("type") != "bubble":
            yield f".contents.contents[{j}].type", "A carousel may only contain bubbles"


def _check_template(template: dict[str, Any]) -> Iterator[tuple[str, str]]:
    kind = template.get("type")
    actions = template.get("actions")
    if kind == "buttons" and isinstance(actions, list) and len(actions) > BUTTONS_ACTIONS_MAX:
        yield ".template.actions", f"Size must be between 0 and {BUTTONS_ACTIONS_MAX}"
    if kind == "confirm" and isinstance(actions, list) and len(actions) != CONFIRM_ACTIONS:
        yield ".template.actions", f"Size must be {CONFIRM_ACTIONS}"
    columns = template.get("columns")
    if (
        kind in ("carousel", "image_carousel")
        and isinstance(columns, list)
        and not 1 <= len(columns) <= TEMPLATE_COLUMNS_MAX
    ):
        yield ".template.columns", f"Size must be between 1 and {TEMPLATE_COLUMNS_MAX}"
