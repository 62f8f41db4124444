"""Identifiers shaped like the ones LINE issues (so the bot's parsers and validators see real shapes)."""

from __future__ import annotations

import itertools
import os
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Message ids are decimal strings that grow over time on LINE; a counter keeps them unique and ordered.
_message_ids = itertools.count(int(time.time() * 1000) * 1000)


def ulid(now_ms: int | None = None) -> str:
    """A 26-character ULID, the format of `webhookEventId`."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def group_id() -> str:
    return "C" + secrets.token_hex(16)


def room_id() -> str:
    return "R" + secrets.token_hex(16)


def reply_token() -> str:
    return secrets.token_hex(16)


def quote_token() -> str:
    return secrets.token_urlsafe(48)


def message_id() -> str:
    return str(next(_message_ids))


def request_id() -> str:
    # LINE's x-line-request-id is a UUID-like hex string.
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def rich_menu_id() -> str:
    return "richmenu-" + secrets.token_hex(16)
