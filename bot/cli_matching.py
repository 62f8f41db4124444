"""CLI for approving newcomers and verifying supporters: `sasaeai resident approve|decline`,
`sasaeai supporter verify`. The server carries out an approval (posts held requests, tells the resident)."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.store import approval, supporters

WithDb = Callable[[Settings, Callable[[Any], Awaitable[str | None]]], Awaitable[str | None]]


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in a bare container: still say it came from the shell
        return "cli"


def add_parsers(res: Any, sup: Any) -> None:
    for name, what in (
        ("approve", "take on a resident who registered on LINE (posts their held requests)"),
        ("decline", "do not take them on (they are told kindly; held requests are closed)"),
    ):
        p = res.add_parser(name, help=what)
        p.add_argument("line_user_id")
        p.add_argument("--by", help="who decided (default: cli:<login>)")
    v = sup.add_parser("verify", help="record that a coordinator verified this supporter")
    v.add_argument("line_user_id")
    v.add_argument("--note", default="", help="how they were verified, e.g. 'met at the 地区社協 office'")
    v.add_argument("--by", help="who verified (default: cli:<login>)")


def handles(args: argparse.Namespace) -> bool:
    return (args.cmd, getattr(args, "sub", None)) in (
        ("resident", "approve"),
        ("resident", "decline"),
        ("supporter", "verify"),
    )


async def run(args: argparse.Namespace, settings: Settings, now: datetime, with_db: WithDb) -> str | None:
    by = (args.by or "").strip() or _who()
    if args.cmd == "supporter":

        async def verify(s: Any) -> str:
            x = await supporters.by_line_id(s, args.line_user_id)
            await supporters.verify(s, supporter=x, by=by, note=args.note, now=now)
            return f"supporter {x.line_user_id} verified by {by}"

        return await with_db(settings, verify)
    approve = args.sub == "approve"

    async def decide(s: Any) -> str:
        changed = await approval.decide_by_line_id(s, line_user_id=args.line_user_id, approve=approve, by=by, now=now)
        word = "approved" if approve else "declined"
        return f"resident {args.line_user_id.strip()} {word}" if changed else f"resident was already {word}"

    return await with_db(settings, decide)
