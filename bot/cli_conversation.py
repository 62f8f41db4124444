"""CLI for conversation and watching over: district contacts and check-in settings, proxies (代理),
and standing arrangements (recurring help) that coordinators approve."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.store import audit, people, proxies
from bot.store import recurring as recurring_store
from bot.store.errors import InvalidInput

WithDb = Callable[[Settings, Callable[[Any], Awaitable[str | None]]], Awaitable[str | None]]


def add_parsers(sub: Any, district: Any) -> None:
    d_set = district.add_parser("set", help="contacts and 見守り settings of a district")
    d_set.add_argument("code")
    d_set.add_argument("--contact-name")
    d_set.add_argument("--contact-phone", help="shown to residents as a call button")
    d_set.add_argument("--consult-name", help="where matters for professionals go (地域包括支援センター)")
    d_set.add_argument("--consult-phone")
    d_set.add_argument("--checkin-hours", type=int, help="hours without an answer before someone is told")
    d_set.add_argument("--lead", help="LINE user ID of the supporters' lead told of missed check-ins ('-' to unset)")

    proxy = sub.add_parser("proxy", help="family members and 民生委員 asking on a resident's behalf")
    psub = proxy.add_subparsers(dest="sub", required=True)
    p_add = psub.add_parser("add")
    p_add.add_argument("line_user_id")
    p_add.add_argument("--resident", required=True, help="the resident's LINE user ID, or #id (no LINE account)")
    p_add.add_argument("--relation", required=True, choices=proxies.RELATIONS)
    p_add.add_argument("--name", required=True)
    p_add.add_argument("--phone")
    p_rm = psub.add_parser("remove", help="they no longer ask for this resident: their record goes")
    p_rm.add_argument("line_user_id")
    p_rm.add_argument("--resident", required=True, help="the resident's LINE user ID")

    rec = sub.add_parser("recurring", help="standing arrangements (毎週のお手伝い)")
    rsub = rec.add_subparsers(dest="sub", required=True)
    for name in ("approve", "stop"):
        r = rsub.add_parser(name)
        r.add_argument("id", type=int)
    rsub.add_parser("list")


def handles(args: argparse.Namespace) -> bool:
    return (args.cmd, getattr(args, "sub", None)) == ("district", "set") or args.cmd in ("proxy", "recurring")


async def run(args: argparse.Namespace, settings: Settings, now: datetime, with_db: WithDb) -> str | None:
    if args.cmd == "district":
        return await with_db(settings, lambda s: _district_set(s, args))
    if args.cmd == "proxy" and args.sub == "remove":

        async def remove(s: Any) -> str:
            rid = await proxies.remove(s, line_user_id=args.line_user_id, resident_line_id=args.resident)
            audit.record(s, audit.CLI, audit.Action.PROXY_REMOVE, now=now, kind="resident", record_id=rid)
            return f"proxy {args.line_user_id} removed"

        return await with_db(settings, remove)
    if args.cmd == "proxy":

        async def add(s: Any) -> str:
            p = await proxies.add(
                s,
                line_user_id=args.line_user_id,
                resident_line_id=args.resident,
                relation=args.relation,
                name=args.name,
                phone=args.phone,
                now=now,
            )
            audit.record(s, audit.CLI, audit.Action.PROXY_ADD, now=now, kind="resident", record_id=p.resident_id)
            return f"proxy {p.line_user_id} ({p.relation}) added for resident #{p.resident_id}"

        return await with_db(settings, add)
    return await with_db(settings, lambda s: _recurring(s, args, now))


async def _district_set(s: Any, args: argparse.Namespace) -> str:
    d = await people.get_district(s, args.code)
    for field in ("contact_name", "contact_phone", "consult_name", "consult_phone"):
        value = getattr(args, field)
        if value is not None:
            setattr(d, field, people._clean(value, field, 100) if value.strip() else None)
    if args.checkin_hours is not None:
        if not 1 <= args.checkin_hours <= 48:
            raise InvalidInput("--checkin-hours must be between 1 and 48")
        d.checkin_alert_hours = args.checkin_hours
    if args.lead is not None:
        d.lead_line_user_id = None if args.lead == "-" else people._line_id(args.lead, "U")
    s.add(d)
    return f"district {d.code} updated"


async def _recurring(s: Any, args: argparse.Namespace, now: datetime) -> str:
    from bot.flows import recurring

    if args.sub == "approve":
        rec = await recurring_store.approve(s, recurring_id=args.id, now=now)
        await recurring.approved(s, rec, now)
        audit.record(s, audit.CLI, audit.Action.RECURRING_APPROVE, now=now, kind="recurring", record_id=rec.id)
        return f"recurring help #{rec.id} approved; the district group will see it shortly"
    if args.sub == "stop":
        rec = await recurring_store.stop(s, recurring_id=args.id, now=now)
        audit.record(s, audit.CLI, audit.Action.RECURRING_STOP, now=now, kind="recurring", record_id=rec.id)
        return f"recurring help #{rec.id} stopped"
    rows = await recurring_store.list_all(s)
    return "\n".join(
        f"#{r.id}\t{r.district_code}\t{r.category}\tdays={r.weekdays}\t{r.status}\tsupporter={r.supporter_id or '-'}"
        for r in rows
    )
