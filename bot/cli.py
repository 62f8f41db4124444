"""The `sasaeai` command: serve the bot, and let a coordinator set up districts, groups and people."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot import cli_conversation
from bot.clock import clock_from_setting
from bot.config import ConfigError, Settings, database_url_problem, safe_database_url
from bot.store import erasure, people, retention
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
    target = g_bind.add_mutually_exclusive_group(required=True)
    target.add_argument("--district")
    target.add_argument("--coordinators", action="store_true")
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
    r_add.add_argument("line_user_id")
    r_add.add_argument("--district", required=True)
    r_add.add_argument("--name", required=True)
    r_add.add_argument("--address")
    r_add.add_argument("--phone")
    r_add.add_argument("--town")
    res.add_parser("list")

    s_rm = sup.add_parser("remove", help="deactivate: they can no longer take or finish requests")
    s_rm.add_argument("line_user_id")
    # Erasure on request: name, LINE ID, messages and notes go; what remains counts in the figures, naming nobody.
    for parent, what in ((sup, "supporter"), (res, "resident")):
        erase = parent.add_parser("delete", help=f"erase a {what}'s personal data on request (refused while busy)")
        erase.add_argument("line_user_id")

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

    # Rich menu: the residents' four big buttons (bot/richmenu.py).
    rm = sub.add_parser("richmenu", help="the residents' rich menu").add_subparsers(dest="sub", required=True)
    rm.add_parser("setup", help="create the menu, upload its image, make it the default (replaces ours)")
    rm_img = rm.add_parser("image", help="write the menu image to a PNG file, to look at it")
    rm_img.add_argument("--out", default="richmenu.png")
    return p


async def _run(args: argparse.Namespace, settings: Settings) -> str | None:
    # The server's clock (SASAEAI_CLOCK), so a job the CLI schedules "now" is due by the server's own time
    # (the demo and tests move a clock of their own).
    now = clock_from_setting(settings.clock).now()
    if cli_conversation.handles(args):
        return await cli_conversation.run(args, settings, now, _with_db)
    match (args.cmd, getattr(args, "sub", None)):
        case ("db", "upgrade"):
            return await _with_db(settings, _noop)
        case ("district", "add"):

            async def add_district(s: Any) -> str:
                d = await people.add_district(
                    s, code=args.code, name=args.name, towns=_split_towns(args.towns), now=now
                )
                return f"district {d.code} added"

            return await _with_db(settings, add_district)
        case ("district", "list"):

            async def list_districts(s: Any) -> str:
                rows = await people.list_districts(s)
                return "\n".join(f"{d.code}\t{d.name}\t{','.join(towns)}" for d, towns in rows)

            return await _with_db(settings, list_districts)
        case ("group", "bind"):

            async def bind(s: Any) -> str:
                g = await people.bind_group(
                    s, group_id=args.group_id, district_code=args.district, now=now, force=args.force
                )
                return f"group {g.group_id} bound ({g.role}{' ' + g.district_code if g.district_code else ''})"

            return await _with_db(settings, bind)
        case ("group", "list"):

            async def list_groups(s: Any) -> str:
                rows = (await s.exec(select(LineGroup).order_by(col(LineGroup.bound_at)))).all()
                return "\n".join(
                    f"{g.group_id}\t{g.role}\t{g.district_code or '-'}\t{'active' if g.active else 'unbound'}"
                    for g in rows
                )

            return await _with_db(settings, list_groups)
        case ("supporter", "add"):

            async def add_supporter(s: Any) -> str:
                x = await people.add_supporter(
                    s, line_user_id=args.line_user_id, district_code=args.district, name=args.name, now=now
                )
                return f"supporter {x.line_user_id} added to {x.district_code}"

            return await _with_db(settings, add_supporter)
        case ("supporter", "remove"):

            async def remove_supporter(s: Any) -> str:
                x = await people.supporter_by_line(s, args.line_user_id.strip())
                if x is None:
                    raise CliError(f"no supporter {args.line_user_id!r}")
                x.active = False
                x.deactivated_at = x.deactivated_at or now
                s.add(x)
                return f"supporter {x.line_user_id} deactivated"

            return await _with_db(settings, remove_supporter)
        case ("purge", None):
            if args.older_than < 1:
                raise CliError("--older-than must be at least 1 day")

            async def do_purge(s: Any) -> str:
                r = await retention.purge(s, before=now - timedelta(days=args.older_than), now=now)
                return (
                    f"anonymised {r.requests} finished requests and {r.drafts} unconfirmed drafts ({r.notes} notes); "
                    f"erased {r.people} people who left; deleted {r.outbox} sent messages, {r.inbox} handled webhook "
                    f"events, {r.conversations} stale conversations; {r.other} other rows"
                )

            return await _with_db(settings, do_purge)
        case ("supporter", "list"):

            async def list_supporters(s: Any) -> str:
                rows = (await s.exec(select(Supporter).order_by(col(Supporter.district_code), col(Supporter.id)))).all()
                return "\n".join(
                    f"{x.line_user_id}\t{x.district_code}\t{x.name}\t{'active' if x.active else 'inactive'}\t"
                    f"{ {True: 'friend', False: 'blocked', None: 'not yet added the bot'}[x.followed] }"
                    for x in rows
                )

            return await _with_db(settings, list_supporters)
        case ("resident", "add"):

            async def add_resident(s: Any) -> str:
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
                return f"resident {x.line_user_id} added to {x.district_code}"

            return await _with_db(settings, add_resident)
        case ("resident", "list"):

            async def list_residents(s: Any) -> str:
                rows = (await s.exec(select(Resident).order_by(col(Resident.district_code), col(Resident.id)))).all()
                return "\n".join(
                    f"{x.line_user_id}\t{x.district_code}\t{x.town or '-'}\t{'friend' if x.followed else 'blocked'}"
                    for x in rows
                )

            return await _with_db(settings, list_residents)
        case ("resident" | "supporter", "delete"):

            async def erase(s: Any) -> str:
                e = await erasure.erase_by_line_id(s, kind=args.cmd, line_user_id=args.line_user_id, now=now)
                return f"{args.cmd} erased ({e.requests} requests anonymised, {e.rows_deleted} rows deleted)"

            return await _with_db(settings, erase)
        case ("coordinator", _):
            return await _coordinator(args, settings, now)
    raise CliError(f"unknown command {args.cmd}")


async def _coordinator(args: argparse.Namespace, settings: Settings, now: Any) -> str | None:
    from bot.store import coordinators
    from bot.store.models import Coordinator

    if args.sub == "add":
        # Never on the command line (shell history, process list): asked without echo on a terminal, else one
        # line from stdin (a script or a password manager piping it in).
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")

        async def add(s: Any) -> str:
            c = await coordinators.add(
                s,
                login=args.login,
                name=args.name or args.login,
                password=password,
                districts=args.district,
                is_admin=args.admin,
                now=now,
            )
            return f"coordinator {c.login} added ({'admin' if c.is_admin else ','.join(args.district)})"

        return await _with_db(settings, add)
    if args.sub == "token":

        async def token(s: Any) -> str:
            return await coordinators.new_api_token(s, login=args.login)

        return await _with_db(settings, token)
    if args.sub == "password":
        new = sys.stdin.readline().rstrip("\r\n")

        async def password(s: Any) -> str:
            n = await coordinators.set_password(s, login=args.login, password=new)
            return f"password of {args.login} changed; {n} sessions ended"

        return await _with_db(settings, password)
    if args.sub in ("deactivate", "activate"):

        async def activity(s: Any) -> str:
            n = await coordinators.set_active(s, login=args.login, active=args.sub == "activate")
            return f"coordinator {args.login} {args.sub}d; {n} sessions ended"

        return await _with_db(settings, activity)
    if args.sub == "logout":

        async def logout(s: Any) -> str:
            return f"{await coordinators.end_sessions(s, login=args.login)} sessions of {args.login} ended"

        return await _with_db(settings, logout)

    async def list_coordinators(s: Any) -> str:
        rows = (await s.exec(select(Coordinator).order_by(Coordinator.login))).all()
        out = []
        for c in rows:
            scope = await coordinators.districts_of(s, c)
            where = "all" if scope is None else ",".join(sorted(scope))
            out.append(f"{c.login}\t{c.name}\t{where}\t{'active' if c.active else 'inactive'}")
        return "\n".join(out)

    return await _with_db(settings, list_coordinators)


async def _noop(_s: Any) -> str:
    return "database is up to date"


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
