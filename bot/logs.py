"""Logging set-up: plain text for people, JSON lines for production collectors."""

from __future__ import annotations

import logging
import sys


def setup(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's access log would print every webhook line; keep it at WARNING unless debugging.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (names, addresses, words) at DEBUG: never let it,
    # even when the rest is debugged. SQLAlchemy's own echo honours hide_parameters (bot.store.db).
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
