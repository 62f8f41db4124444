"""Ids from outside (a URL, a form): what no row can have is NotFound, never a database error."""

from __future__ import annotations

from bot.store.errors import NotFound

MAX_ID = 2**31 - 1  # the largest INTEGER (PostgreSQL int4): a larger id makes the driver fail, not miss


def parse_id(text: str | None) -> int:
    """A row id, or NotFound (a 404 at the edge) for anything else: empty, not digits, 0, or beyond MAX_ID."""
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        raise NotFound("id")
    n = int(text)
    if not 1 <= n <= MAX_ID:
        raise NotFound("id")
    return n
