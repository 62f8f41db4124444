"""The `sasaeai` command: serve the bot, and let a coordinator set up districts, groups and people."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot import cli_conversation, cli_matching
from bot.clock import clock_from_setting
from bot.config import ConfigError, Settings, database_url_problem, safe_database_url
from bot.store import audit, erasure, people, retention, stuck
from bot.store.db import Database
from bot.store.errors import DomainError
from bot.store.migrate import upgrade
from bot.store.models import LineGroup, Resident, Supporter


class CliError(Exception):
    pass


async def _with_db(settings: Settings, work: Callable[[Any], Awaitable[str | None]]) -> str | None:
    db = Database(settings.database_url)
    try:
        if await upgrade(db.engine):
            # Run from another folder, a relative SQLite path makes a new file: say which database this was.
            print(
                f"sasaeai: note: {_describe(settings.database_url)} was empty; its tables were created now "
                "(set DATABASE_URL to use another database)",
                file=sys.stderr,
            )
        async with db.session() as s:  # one transaction: all or nothing
            return await work(s)
    finally:
        await db.dispose()


def _describe(url: str) -> str:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else url
        return f"the SQLite database {Path(path).resolve()}"
    return f"the database {safe_database_url(url)}"


def _split_towns(value: str) -> list[str]:
    return [t.strip() for t in value.replace("、", ",").replace("，", ",").split(",")]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sasaeai", description="Sasaeai — neighbourhood mutual-support LINE bot")
    sub = p.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", help="run the webhook server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--role",
        choices=["all", "edge", "worker", "single"],
        help="what this host runs (default SERVE_ROLE, all): the edge and the handling workers in separate "
        "processes (all), only the edge or only workers (they share only the database), or one process (single)",
    )
    serve.add_argument("--edges", type=int, help="edge processes sharing the port (default EDGE_PROCESSES, 1)")
    serve.add_argument(
        "--workers", type=int, help="handling worker processes (default WORKER_PROCESSES, 1; more needs PostgreSQL)"
    )
    serve.add_argument("--reuse-port", action="store_true", help="bind with SO_REUSEPORT (set for each worker)")

    db = sub.add_parser("db", help="database").add_subparsers(dest="sub", required=True)
    db.add_parser("upgrade", help="apply migrations")

    district = sub.add_parser("district", help="districts (地区)").add_subparsers(dest="sub", required=True)
    d_add = district.add_parser("add")
    d_add.add_argument("code")
    d_add.add_argument("name")
    d_add.add_argument("--towns", required=True, help="町名,町名,...")
    district.add_parser("list")
    cli_conversation.add_parsers(sub, district)

    group = sub.add_parser("group", help="LINE groups").add_subparsers(dest="sub", required=True)
    g_bind = group.add_parser("bind")
    g_bind.add_argument("group_id")
    g_bind.add_argument(
        "--district",
        action="append",
        default=[],
        help="the district whose supporters' group this is; with --coordinators, a district whose coordinators' "
        "group this is (repeat for several districts sharing one group)",
    )
    g_bind.add_argument(
        "--coordinators",
        action="store_true",
        help="a coordinators' group: for the --district(s) given, or city-wide without --district",
    )
    g_bind.add_argument("--force", action="store_true", help="rebind a group already bound elsewhere")
    group.add_parser("list")

    sup = sub.add_parser("supporter", help="supporters").add_subparsers(dest="sub", required=True)
    s_add = sup.add_parser("add")
    s_add.add_argument("line_user_id")
    s_add.add_argument("--district", required=True)
    s_add.add_argument("--name", required=True)
    sup.add_parser("list")

    res = sub.add_parser("resident", help="residents").add_subparsers(dest="sub", required=True)
    r_add = res.add_parser("add")
    r_add.add_argument("line_user_id", nargs="?", help="omit with --no-line")
    r_add.add_argument(
        "--no-line", action="store_true", help="the resident has no LINE account: a proxy speaks for them (proxy add)"
    )
    r_add.add_argument("--district", required=True)
    r_add.add_argument("--name", required=True)
    r_add.add_argument("--address")
    r_add.add_argument("--phone")
    r_add.add_argument("--town")
    res.add_parser("list")

    cli_matching.add_parsers(res, sup)

    s_rm = sup.add_parser("remove", help="deactivate: they can no longer take or finish requests")
    s_rm.add_argument("line_user_id")
    for name, what in (
        ("suspend", "stop them taking requests; requests they hold go back to the group"),
        ("unsuspend", "let them take requests again"),
    ):
        sup.add_parser(name, help=what).add_argument("line_user_id")
    # Erasure on request: name, LINE ID, messages and notes go; what remains counts in the figures, naming nobody.
    for parent, what in ((sup, "supporter"), (res, "resident")):
        erase = parent.add_parser("delete", help=f"erase a {what}'s personal data on request (refused while busy)")
        erase.add_argument("line_user_id", help="the LINE user ID (a resident with no LINE account: #id)")

    purge = sub.add_parser("purge", help="remove personal data kept longer than DAYS (figures stay; docs/security.md)")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")

    demo = sub.add_parser("demo", help="play a whole request's life against the built-in LINE emulator")
    demo.add_argument("--no-serve", action="store_true", help="exit after the story (no browser simulator)")

    # Coordinators' dashboard accounts (bot/dashboard/, bot/store/coordinators.py).
    coord = sub.add_parser("coordinator", help="coordinators' dashboard accounts").add_subparsers(
        dest="sub", required=True
    )
    c_add = coord.add_parser("add", help="add an account; the password is asked (not echoed), or read from stdin")
    c_add.add_argument("login")
    c_add.add_argument("--district", action="append", default=[], help="a district code (repeat for several)")
    c_add.add_argument("--admin", action="store_true", help="sees every district")
    c_add.add_argument(
        "--minsei", action="store_true", help="a 民生委員: sees only the residents linked to them (coordinator link)"
    )
    c_add.add_argument("--name", help="the name shown on the dashboard (default: the login)")
    c_tok = coord.add_parser("token", help="issue a new API bearer token (replaces the old one)")
    c_tok.add_argument("login")
    for name, what in (
        ("password", "set a new password read from stdin; ends every session of the account"),
        ("deactivate", "the account can no longer sign in or use its token; ends every session"),
        ("activate", "let a deactivated account sign in again"),
        ("logout", "end every dashboard session of the account, on every server"),
    ):
        coord.add_parser(name, help=what).add_argument("login")
    coord.add_parser("list")
    c_dist = coord.add_parser("districts", help="replace the account's districts (or make it city-wide)")
    c_dist.add_argument("login")
    c_dist.add_argument("--district", action="append", default=[], help="a district code (repeat for several)")
    c_dist.add_argument("--admin", action="store_true", help="sees every district")
    coord.add_parser("revoke-token", help="the account's API token stops working at once").add_argument("login")
    for name, what in (("link", "a 民生委員 looks after this resident"), ("unlink", "no longer looks after them")):
        c_link = coord.add_parser(name, help=what)
        c_link.add_argument("login")
        c_link.add_argument("resident", help="the resident's LINE user ID, or #id")

    aud = sub.add_parser("audit", help="the audit log: who did or looked at what").add_subparsers(
        dest="sub", required=True
    )
    a_list = aud.add_parser("list", help="newest first")
    a_list.add_argument("--actor")
    a_list.add_argument("--action")
    a_list.add_argument("--kind", help="resident, supporter, request, coordinator, ...")
    a_list.add_argument("--limit", type=int, default=100)

    # Rich menu: the residents' four big buttons (bot/richmenu.py).
    rm = sub.add_parser("richmenu", help="the residents' rich menu").add_subparsers(dest="sub", required=True)
    rm.add_parser("setup", help="create the menu, upload its image, make it the default (replaces ours)")
    rm_img = rm.add_parser("image", help="write the menu image to a PNG file, to look at it")
    rm_img.add_argument("--out", default="richmenu.png")
    return p


# --- Commands on the database: one function each, found by (command, subcommand) ----------------------

Args = argparse.Namespace


async def _district_add(s: Any, args: Args, now: datetime) -> str:
    d = await people.add_district(s, code=args.code, name=args.name, towns=_split_towns(args.towns), now=now)
    return f"district {d.code} added"


async def _district_list(s: Any, args: Args, now: datetime) -> str:
    rows = await people.list_districts(s)
    return "\n".join(f"{d.code}\t{d.name}\t{','.join(towns)}" for d, towns in rows)


async def _group_bind(s: Any, args: Args, now: datetime) -> str:
    if args.coordinators:
        g = await people.bind_coordinators(
            s, group_id=args.group_id, districts=args.district, now=now, force=args.force
        )
        served = await people.group_districts(s, g.group_id)
        return f"group {g.group_id} bound (coordinators {' '.join(served) if served else 'city-wide'})"
    g = await people.bind_group(s, group_id=args.group_id, district_code=args.district[0], now=now, force=args.force)
    return f"group {g.group_id} bound ({g.role} {g.district_code})"


async def _group_list(s: Any, args: Args, now: datetime) -> str:
    rows = (await s.exec(select(LineGroup).order_by(col(LineGroup.bound_at)))).all()
    lines = []
    for g in rows:
        served = await people.group_districts(s, g.group_id)
        where = g.district_code or (",".join(served) if served else "-")
        if g.role == "coordinators" and not served:
            where = "city-wide"
        state = "active" if g.active else ("removed from the group" if g.removed_at else "unbound")
        lines.append(f"{g.group_id}\t{g.role}\t{where}\t{state}")
    return "\n".join(lines)


async def _supporter_add(s: Any, args: Args, now: datetime) -> str:
    x = await people.add_supporter(
        s, line_user_id=args.line_user_id, district_code=args.district, name=args.name, now=now
    )
    return f"supporter {x.line_user_id} added to {x.district_code}"


async def _supporter_remove(s: Any, args: Args, now: datetime) -> str:
    x = await people.supporter_by_line(s, args.line_user_id.strip())
    if x is None:
        raise CliError(f"no supporter {args.line_user_id!r}")
    x.active = False
    x.deactivated_at = x.deactivated_at or now
    s.add(x)
    await stuck.release_later(s, supporter=x, reason="removed", now=now)
    return f"supporter {x.line_user_id} deactivated"


async def _supporter_suspend(s: Any, args: Args, now: datetime) -> str:
    x = await people.set_suspended(s, line_user_id=args.line_user_id, suspended=args.sub == "suspend", now=now)
    if x.suspended_at is None:
        return f"supporter {x.line_user_id} may take requests again"
    held = await stuck.release_later(s, supporter=x, reason="suspended", now=now)
    return f"supporter {x.line_user_id} suspended; {held} request(s) they held go back to the group"


async def _purge(s: Any, args: Args, now: datetime) -> str:
    r = await retention.purge(s, before=now - timedelta(days=args.older_than), now=now)
    return (
        f"anonymised {r.requests} finished requests and {r.drafts} unconfirmed drafts ({r.notes} notes); "
        f"erased {r.people} people who left; deleted {r.outbox} sent messages, {r.inbox} handled webhook "
        f"events, {r.conversations} stale conversations; {r.other} other rows"
    )


async def _supporter_list(s: Any, args: Args, now: datetime) -> str:
    rows = (await s.exec(select(Supporter).order_by(col(Supporter.district_code), col(Supporter.id)))).all()
    return "\n".join(
        f"{x.line_user_id}\t{x.district_code}\t{x.name}\t"
        f"{'suspended' if x.suspended_at else 'active' if x.active else 'inactive'}\t"
        f"{ {True: 'friend', False: 'blocked', None: 'not yet added the bot'}[x.followed] }\t"
        f"{'verified ' + x.verified_at.date().isoformat() if x.verified_at else 'unverified'}"
        for x in rows
    )


async def _resident_add(s: Any, args: Args, now: datetime) -> str:
    if args.no_line:
        y = await people.add_resident_without_line(
            s,
            district_code=args.district,
            name=args.name,
            address=args.address,
            phone=args.phone,
            town=args.town,
            now=now,
        )
        audit.record(s, audit.CLI, audit.Action.PERSON_ADD, now=now, kind="resident", record_id=y.id)
        return (
            f"resident #{y.id} (no LINE account) added to {y.district_code}; "
            f"link who speaks for them: sasaeai proxy add LINE_USER_ID --resident '#{y.id}' ..."
        )
    x = await people.add_resident(
        s,
        line_user_id=args.line_user_id,
        district_code=args.district,
        name=args.name,
        address=args.address,
        phone=args.phone,
        town=args.town,
        now=now,
    )
    await s.flush()
    audit.record(s, audit.CLI, audit.Action.PERSON_ADD, now=now, kind="resident", record_id=x.id)
    return f"resident {x.line_user_id} added to {x.district_code}"


async def _resident_list(s: Any, args: Args, now: datetime) -> str:
    rows = (await s.exec(select(Resident).order_by(col(Resident.district_code), col(Resident.id)))).all()
    return "\n".join(
        f"{x.line_user_id}\t{x.district_code}\t{x.town or '-'}\t{'friend' if x.followed else 'blocked'}\t{x.approval}"
        for x in rows
    )


async def _erase(s: Any, args: Args, now: datetime) -> str:
    e = await erasure.erase_by_line_id(s, kind=args.cmd, line_user_id=args.line_user_id, now=now)
    audit.record(s, audit.CLI, audit.Action.PERSON_DELETE, now=now, kind=args.cmd, record_id=e.person_id)
    return f"{args.cmd} erased ({e.requests} requests anonymised, {e.rows_deleted} rows deleted)"


async def _audit_list(s: Any, args: Args, now: datetime) -> str:
    rows = await audit.entries(s, actor=args.actor, action=args.action, kind=args.kind, limit=args.limit)
    return "\n".join(
        f"{e.at.isoformat(timespec='seconds')}\t{e.actor}\t{e.via}\t{e.action}\t"
        f"{e.record_kind or '-'}\t{e.record_id or '-'}\t{e.detail or ''}"
        for e in rows
    )


async def _upgrade(s: Any, args: Args, now: datetime) -> str:
    return "database is up to date"


DbCommand = Callable[[Any, Args, datetime], Awaitable[str]]
DB_COMMANDS: dict[tuple[str, str | None], DbCommand] = {
    ("db", "upgrade"): _upgrade,
    ("district", "add"): _district_add,
    ("district", "list"): _district_list,
    ("group", "bind"): _group_bind,
    ("group", "list"): _group_list,
    ("supporter", "add"): _supporter_add,
    ("supporter", "remove"): _supporter_remove,
    ("supporter", "list"): _supporter_list,
    ("supporter", "suspend"): _supporter_suspend,
    ("supporter", "unsuspend"): _supporter_suspend,
    ("supporter", "delete"): _erase,
    ("resident", "add"): _resident_add,
    ("resident", "list"): _resident_list,
    ("resident", "delete"): _erase,
    ("purge", None): _purge,
    ("audit", "list"): _audit_list,
}


async def _run(args: argparse.Namespace, settings: Settings) -> str | None:
    # The server's clock (SASAEAI_CLOCK), so a job the CLI schedules "now" is due by the server's own time
    # (the demo and tests move a clock of their own).
    now = clock_from_setting(settings.clock).now()
    if cli_conversation.handles(args):
        return await cli_conversation.run(args, settings, now, _with_db)
    if cli_matching.handles(args):
        return await cli_matching.run(args, settings, now, _with_db)
    if args.cmd == "coordinator":
        return await _coordinator(args, settings, now)
    command = DB_COMMANDS.get((args.cmd, getattr(args, "sub", None)))
    if command is None:
        raise CliError(f"unknown command {args.cmd}")
    if args.cmd == "purge" and args.older_than < 1:
        raise CliError("--older-than must be at least 1 day")  # before the database is even opened
    if (
        (args.cmd, getattr(args, "sub", None)) == ("group", "bind")
        and not args.coordinators
        and len(args.district) != 1
    ):
        raise CliError("give one --district (a supporters' group), or --coordinators")
    if (args.cmd, getattr(args, "sub", None)) == ("resident", "add") and args.no_line == bool(args.line_user_id):
        raise CliError("give the resident's LINE user ID, or --no-line (not both)")

    async def work(s: Any) -> str:
        assert command is not None
        return await command(s, args, now)

    return await _with_db(settings, work)


async def _coordinator(args: argparse.Namespace, settings: Settings, now: Any) -> str | None:
    if args.sub == "add":
        # Never on the command line (shell history, process list): asked without echo on a terminal, else one
        # line from stdin (a script or a password manager piping it in).
        args.password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    elif args.sub == "password":
        args.password = sys.stdin.readline().rstrip("\r\n")
    command = COORDINATOR_COMMANDS[args.sub]

    async def work(s: Any) -> str:
        return await command(s, args, now)

    return await _with_db(settings, work)


async def _coord_add(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators
    from bot.store.models import ROLE_COORDINATOR, ROLE_MINSEI

    c = await coordinators.add(
        s,
        login=args.login,
        name=args.name or args.login,
        password=args.password,
        districts=args.district,
        is_admin=args.admin,
        now=now,
        role=ROLE_MINSEI if args.minsei else ROLE_COORDINATOR,
    )
    audit.record(s, audit.CLI, audit.Action.ACCOUNT_ADD, now=now, kind="coordinator", record_id=c.id)
    scope = "民生委員" if args.minsei else "admin" if c.is_admin else ",".join(args.district)
    return f"coordinator {c.login} added ({scope})"


async def _coord_token(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    t = await coordinators.new_api_token(s, login=args.login)
    _account_audit(s, audit.Action.API_KEY_ISSUE, args.login, now)
    return t


async def _coord_password(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    n = await coordinators.set_password(s, login=args.login, password=args.password)
    _account_audit(s, audit.Action.ACCOUNT_RESET, args.login, now)
    return f"password of {args.login} changed; {n} sessions ended"


async def _coord_activity(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    n = await coordinators.set_active(s, login=args.login, active=args.sub == "activate")
    act = audit.Action.ACCOUNT_ACTIVATE if args.sub == "activate" else audit.Action.ACCOUNT_DEACTIVATE
    _account_audit(s, act, args.login, now)
    return f"coordinator {args.login} {args.sub}d; {n} sessions ended"


async def _coord_districts(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    c = await coordinators.set_districts(s, login=args.login, districts=args.district, is_admin=args.admin)
    _account_audit(s, audit.Action.ACCOUNT_DISTRICTS, args.login, now, "admin" if c.is_admin else None)
    return f"coordinator {c.login} now sees {'all districts' if c.is_admin else ','.join(args.district)}"


async def _coord_revoke(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    had = await coordinators.revoke_token(s, login=args.login)
    _account_audit(s, audit.Action.API_KEY_REVOKE, args.login, now)
    return f"API token of {args.login} revoked" if had else f"{args.login} had no API token"


async def _coord_link(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    if args.sub == "link":
        r = await coordinators.link_resident(s, login=args.login, resident=args.resident, now=now)
    else:
        r = await coordinators.unlink_resident(s, login=args.login, resident=args.resident)
    act = audit.Action.MINSEI_LINK if args.sub == "link" else audit.Action.MINSEI_UNLINK
    audit.record(s, audit.CLI, act, now=now, kind="resident", record_id=r.id, detail=args.login)
    return f"resident #{r.id} {args.sub}ed {'to' if args.sub == 'link' else 'from'} {args.login}"


async def _coord_logout(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators

    return f"{await coordinators.end_sessions(s, login=args.login)} sessions of {args.login} ended"


async def _coord_list(s: Any, args: Args, now: datetime) -> str:
    from bot.store import coordinators
    from bot.store.models import ROLE_MINSEI, Coordinator

    rows = (await s.exec(select(Coordinator).order_by(Coordinator.login))).all()
    out = []
    for c in rows:
        scope = await coordinators.districts_of(s, c)
        where = "all" if scope is None else ",".join(sorted(scope))
        if c.role == ROLE_MINSEI:
            where = "民生委員:" + ",".join(f"#{r.id}" for r in await coordinators.linked_residents(s, c.id or 0))
        out.append(f"{c.login}\t{c.name}\t{where}\t{'active' if c.active else 'inactive'}")
    return "\n".join(out)


COORDINATOR_COMMANDS: dict[str, DbCommand] = {
    "add": _coord_add,
    "token": _coord_token,
    "password": _coord_password,
    "activate": _coord_activity,
    "deactivate": _coord_activity,
    "districts": _coord_districts,
    "revoke-token": _coord_revoke,
    "link": _coord_link,
    "unlink": _coord_link,
    "logout": _coord_logout,
    "list": _coord_list,
}


def _account_audit(s: Any, action: audit.Action, login: str, now: Any, detail: str | None = None) -> None:
    audit.record(s, audit.CLI, action, now=now, kind="coordinator", record_id=login, detail=detail)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = Settings()
        if args.cmd not in ("demo", "richmenu") and (problem := database_url_problem(settings.database_url)):
            raise CliError(problem)
        if args.cmd == "serve":
            from bot.serve import serve as serve_workers

            serve_workers(
                settings,
                args.host,
                args.port,
                role=args.role,
                edges=args.edges,
                workers=args.workers,
                reuse_port=args.reuse_port,
            )
            return
        if args.cmd == "richmenu":
            _richmenu(args, settings)
            return
        if args.cmd == "demo":
            from bot.demo import main as demo_main

            demo_main(serve=False if args.no_serve else None)
            return
        out = asyncio.run(_run(args, settings))
        if out:
            print(out)
    except (DomainError, CliError, ConfigError) as e:
        print(f"sasaeai: error: {e}", file=sys.stderr)
        sys.exit(2)
    except SQLAlchemyError as e:
        print(f"sasaeai: error: database: {type(e).__name__}: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        sys.exit(1)
    except asyncpg.InvalidCatalogNameError as e:
        where = safe_database_url(settings.database_url) if settings else "DATABASE_URL"
        print(f"sasaeai: error: {e} ({where}): create it (createdb) or correct DATABASE_URL", file=sys.stderr)
        sys.exit(1)
    except asyncpg.PostgresError as e:
        print(f"sasaeai: error: PostgreSQL refused: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        if e.errno == errno.EADDRINUSE and args.cmd == "serve":
            print(
                f"sasaeai: error: port {args.port} on {args.host} is already in use: stop what runs there "
                "or choose another with --port",
                file=sys.stderr,
            )
        elif settings is not None and args.cmd not in ("demo", "richmenu"):
            print(
                f"sasaeai: error: cannot reach the database at {safe_database_url(settings.database_url)} "
                f"({e.strerror or e}): is PostgreSQL running there?",
                file=sys.stderr,
            )
        else:
            raise
        sys.exit(1)


def _richmenu(args: argparse.Namespace, settings: Settings) -> None:
    from linebot.v3.messaging.exceptions import ApiException

    from bot import richmenu

    try:
        if args.sub == "image":
            Path(args.out).write_bytes(richmenu.draw_image())
            print(f"wrote {args.out}")
            return
        settings.require_line_credentials()
        asyncio.run(richmenu.setup(settings, say=print))
    except richmenu.RichMenuError as e:
        raise CliError(str(e)) from None
    except ApiException as e:
        raise CliError(f"LINE refused the rich menu: {e.status} {str(e.body)[:300]}") from None


def serve(settings: Settings, host: str, port: int) -> None:
    from bot import logs
    from bot.app import create_app

    logs.setup(settings.log_level, settings.log_format)
    app = create_app(settings)
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10)
