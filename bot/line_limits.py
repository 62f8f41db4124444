"""LINE's message limits, defined once: the bot cuts to them (bot.ui, bot.postback) and the emulator enforces
them (bot.emulator.limits). Lengths are in UTF-16 code units, as LINE counts them."""

from __future__ import annotations

TEXT_MAX = 5000  # a text message
ALT_TEXT_MAX = 1500  # a flex or template message's altText
ACTION_LABEL_MAX = 20  # a button's or quick reply's label
DISPLAY_TEXT_MAX = 300  # a postback action's displayText
POSTBACK_DATA_MAX = 300  # a postback action's data
QUICK_REPLY_ITEMS_MAX = 13
CAROUSEL_BUBBLES_MAX = 12
BUTTONS_ACTIONS_MAX = 4
CONFIRM_ACTIONS = 2
TEMPLATE_COLUMNS_MAX = 10


def length(text: str) -> int:
    """LINE counts in UTF-16 code units (emoji index positions are given that way too): counting code points
    would let an emoji-heavy text pass our cut and fail on LINE."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """At most `limit` UTF-16 code units, never splitting a character (a surrogate pair)."""
    if length(text) <= limit:
        return text
    units = text.encode("utf-16-le")[: limit * 2]
    return units.decode("utf-16-le", errors="ignore")
