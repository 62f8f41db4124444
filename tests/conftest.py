"""Shared fixtures: a real database (SQLite file or a fresh PostgreSQL database), the LINE emulator,
and the real bot server on a real socket, wired together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from sqlmodel import col, func, select

from bot.app import create_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.emulator import EmulatorServer
from bot.services import SERVICES, Services
from bot.store import people
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import InboxEvent, Job, OutboxMessage
from bot.workers.scheduler import JobHandler

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "test-access-token-for-the-emulator-0001"
PG_ADMIN = os.environ.get("SASAEAI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{dbname}"


async def _pg_admin(statement: str) -> None:
    """One statement on the PostgreSQL server's admin database (creating or dropping a database)."""
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


_TEMPLATE: list[str] = []


async def _pg_template() -> str:
    """One migrated template database per test run; each test copies it (much faster than migrating)."""
    if _TEMPLATE:
        return _TEMPLATE[0]
    name = f"sasaeai_tpl_{uuid.uuid4().hex[:8]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    db = Database(pg_url(name))
    await upgrade(db.engine)
    await db.dispose()
    _TEMPLATE.append(name)
    return name


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_template() -> Iterator[None]:
    yield
    if _TEMPLATE:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE[0]}" WITH (FORCE)'))


@contextlib.asynccontextmanager
async def pg_database(prefix: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, a copy of the migrated template, dropped afterwards; its URL."""
    template = await _pg_template()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_SQLITE_TEMPLATE: list[Path] = []


async def _sqlite_template(base: Path) -> Path:
    """One migrated SQLite file per test process; each test copies it, as PostgreSQL tests copy theirs
    (migrating a fresh file costs ~0.1 s, in each of several hundred tests)."""
    if not _SQLITE_TEMPLATE:
        path = base / "sasaeai_template.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db.engine)
        await db.dispose()  # the last connection's close folds the WAL into the file
        _SQLITE_TEMPLATE.append(path)
    return _SQLITE_TEMPLATE[0]


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        shutil.copyfile(await _sqlite_template(tmp_path_factory.getbasetemp()), tmp_path / "bot.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with pg_database("sasaeai_t") as url:
        yield url


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN) as server:
        yield server
        assert server.violations == [], f"the bot sent requests LINE would refuse: {server.violations}"


def make_settings(emu: EmulatorServer, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "line_channel_secret": SECRET,
        "line_channel_access_token": TOKEN,
        "line_api_base_url": emu.url,
        "database_url": db_url,
        "message_merge_seconds": 0,
        "line_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Bot:
    url: str
    services: Services
    runner: web.AppRunner

    @property
    def db(self) -> Database:
        return self.services.db


async def start_bot(
    emu: EmulatorServer, settings: Settings, clock: Clock | None = None, jobs: Mapping[str, JobHandler] | None = None
) -> Bot:
    app = create_app(settings, clock=clock or SystemClock(), jobs=jobs)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    emu.webhook_url = f"{url}/callback"
    return Bot(url=url, services=app[SERVICES], runner=runner)


@pytest.fixture
async def bot(emu: EmulatorServer, db_url: str) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url))
    yield b
    await b.runner.cleanup()


# --- A small world: one district with its group, supporters and a resident ------------------------


def uid(n: int) -> str:
    return "U" + f"{n:032x}"


def gid(n: int) -> str:
    return "C" + f"{n:032x}"


@dataclass
class World:
    district: str = "K01"
    group: str = gid(1)
    coordinators: str = gid(2)
    resident: str = uid(100)
    resident_name: str = "金沢花子"
    resident_address: str = "金沢市長町2丁目5-13"
    resident_phone: str = "076-123-4567"
    supporters: tuple[str, ...] = (uid(201), uid(202))
    supporter_names: tuple[str, ...] = ("山田太郎", "佐藤次郎")


async def build_world(bot: Bot, emu: EmulatorServer, world: World | None = None, n_supporters: int = 2) -> World:
    w = world or World()
    if n_supporters != 2:
        w.supporters = tuple(uid(200 + i) for i in range(1, n_supporters + 1))
        w.supporter_names = tuple(f"サポーター{i}" for i in range(1, n_supporters + 1))
    # The bot's own clock, so rows and the bot agree on "now" (a ManualClock bot sits at its test's date).
    now = bot.services.clock.now()
    async with bot.db.session() as s:
        await people.add_district(s, code=w.district, name="長町", towns=["長町", "中央通町"], now=now)
        await people.add_district(s, code="K02", name="菊川", towns=["菊川", "本多町"], now=now)
        await people.bind_group(s, group_id=w.group, district_code=w.district, now=now)
        await people.bind_group(s, group_id=w.coordinators, district_code=None, now=now)
        for sid, name in zip(w.supporters, w.supporter_names, strict=True):
            await people.add_supporter(s, line_user_id=sid, district_code=w.district, name=name, now=now)
        await people.add_resident(
            s,
            line_user_id=w.resident,
            district_code=w.district,
            name=w.resident_name,
            town="長町",
            address=w.resident_address,
            phone=w.resident_phone,
            now=now,
        )
    emu.add_user(w.resident, w.resident_name)
    for sid, name in zip(w.supporters, w.supporter_names, strict=True):
        emu.add_user(sid, name)
    emu.add_group(w.group, "長町サポーター", members=list(w.supporters))
    emu.add_group(w.coordinators, "コーディネーター", members=[])
    return w


@pytest.fixture
async def world(bot: Bot, emu: EmulatorServer) -> World:
    return await build_world(bot, emu)


def actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action object inside a message (buttons, quick replies, flex), in document order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("postback", "uri", "message", "datetimepicker") and "label" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message)
    return found


def find_action(messages: list[dict[str, Any]], label_part: str) -> dict[str, Any]:
    for m in reversed(messages):
        for a in actions(m):
            if label_part in a.get("label", ""):
                return a
    raise AssertionError(f"no button with {label_part!r} in {messages}")


def all_text(message: dict[str, Any]) -> str:
    """Every string in a message, joined: what a person in that chat could read."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                if k != "data":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message)
    return "\n".join(parts)


async def confirmation(emu: EmulatorServer, w: World, words: str) -> dict[str, Any]:
    """Send a request and return the bot's confirmation, answering 「いつでもいい」 if it asks when."""
    n = len(emu.messages_to(w.resident))
    await emu.send_text(w.resident, words)
    msg = (await emu.wait_for_messages(w.resident, n + 1))[-1]
    anytime = [a for a in actions(msg) if a.get("label") == "いつでもいい"]
    if anytime:
        await emu.send_postback(w.resident, anytime[0]["data"])
        msg = (await emu.wait_for_messages(w.resident, n + 2))[-1]
    return msg


def _aware(t: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were written in UTC.
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


async def settled(bot: Bot, *, handled: int = 0, timeout: float = 15.0) -> None:
    """Wait until the bot has nothing left to do at its clock's "now": every stored webhook event handled,
    every outbox message delivered (or given up), no pending job due. At least `handled` events must be stored.

    A negative assertion ("nothing reached the group") only means something after this: before it, it also holds
    when the event was never handled.
    """
    s = bot.services
    await settled_db(
        bot.db, s.clock, wake=(s.wake_inbox, s.wake_outbox, s.wake_scheduler), handled=handled, timeout=timeout
    )


async def settled_db(
    db: Database,
    clock: Clock,
    *,
    wake: tuple[Callable[[], None], ...] = (),
    handled: int = 0,
    timeout: float = 15.0,
) -> None:
    """`settled` for servers in other processes: the shared database and the clock they read.

    Each write (an event's handled mark with its outbox rows, a job with its outbox rows) commits in one
    transaction, so a quiet look is a settled system; two in a row guard against looking between two commits.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    state = ""
    while loop.time() < deadline:
        for w in wake:
            w()
        now = clock.now()
        async with db.session() as s:
            events = (await s.exec(select(InboxEvent.status))).all()
            unsent = (await s.exec(select(func.count()).where(col(OutboxMessage.status) == "pending"))).one()
            due_at = (await s.exec(select(Job.due_at).where(col(Job.status) == "pending"))).all()
        due = sum(1 for t in due_at if _aware(t) <= now)
        waiting = sum(1 for st in events if st == "pending")
        state = f"{len(events)} events ({waiting} waiting), {unsent} messages unsent, {due} jobs due"
        if len(events) >= handled and waiting == 0 and unsent == 0 and due == 0:
            quiet += 1
            if quiet >= 2:
                return
        else:
            quiet = 0
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot did not settle in {timeout} s: {state}")


async def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll `check` until it holds, failing with `what` after `timeout` seconds (never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)


async def wait_text(emu: EmulatorServer, chat: str, part: str, timeout: float = 10.0) -> dict[str, Any]:
    """Wait until `chat` has received a message containing `part`; return it."""
    for _ in range(int(timeout * 20)):
        for m in emu.messages_to(chat):
            if part in all_text(m):
                return m
        await asyncio.sleep(0.05)
    raise AssertionError(f"{chat} never received {part!r}: {[all_text(m)[:80] for m in emu.messages_to(chat)]}")
