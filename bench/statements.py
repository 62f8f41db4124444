"""SQL statements, transactions and round trips a worker spends per handled event, by kind of event.

    python bench/statements.py [--db sqlite,postgresql] [--n 5] [--json] [--trace]

Counts, not timings: the machine's load changes how long a statement takes, not how many there are. The bot
runs in this process as the tests run it (the real app, dispatcher, sender and scheduler, the LINE emulator on
a real socket); SQLAlchemy's event listeners on its engine count every statement, BEGIN, COMMIT/ROLLBACK and
pool checkout (PostgreSQL pings each checkout: one more round trip). Each statement is charged to the task
that ran it: the edge (webhook requests and the inbox writer, not counted), the dispatcher's claim, an
event's handling, the inbox finisher, the scheduler (claims and jobs), the sender (claims, marks, records).

Events of one kind are sent one at a time, each from its own person, and the bench waits for the bot to
settle after each (through a separate engine, not counted), so a claim leases one event: the figures are
for a bot that is not behind. A loop's look that finds nothing to do (a read-only transaction of the
dispatcher's, sender's or scheduler's loop) depends on timing, not on the event, and is reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, Pool, event
from sqlmodel import col, select

from bench._common import fresh_database, migrate
from bot.emulator import EmulatorServer
from bot.store import people
from bot.store.db import Database
from bot.store.models import Job
from tests.conftest import (
    SECRET,
    TOKEN,
    Bot,
    World,
    build_world,
    find_action,
    make_settings,
    settled_db,
    start_bot,
    uid,
)

# Where a statement comes from, by the task that ran it (coroutine qualname or task name). The loops' own
# tasks ("…:loop") claim work; a read-only transaction of theirs is a look. A job's lane is work like an event.
ORIGINS = {
    "Dispatcher.run": "claim:loop",
    "Dispatcher._one": "handle",
    "inbox-finisher": "finish",
    "Scheduler.run": "jobs:loop",
    "Scheduler.run_once.<locals>.lane": "jobs",
    "OutboxSender.run": "send:loop",
    "outbox-send": "send",
    "outbox-updates": "send",
}
PARTS = ("claim", "handle", "finish", "jobs", "send")
WRITES = ("INSERT", "UPDATE", "DELETE")


def _origin() -> str:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "other"
    if task is None:
        return "other"
    name = task.get_name()
    if name in ORIGINS:
        return ORIGINS[name]
    coro = task.get_coro()
    qual = getattr(coro, "__qualname__", "")
    return ORIGINS.get(qual, "edge" if "inbox" in name or "RequestHandler" in qual else "other")


@dataclass
class Tally:
    """Statements (`stmt`), transactions (`tx`) and pool checkouts (`ping`) per origin; looks apart."""

    counts: Counter[str] = field(default_factory=Counter)
    open: dict[int, tuple[str, list[str]]] = field(default_factory=dict)
    on: bool = False
    trace: bool = False

    def begin(self, conn: Any) -> None:
        self.open[id(conn)] = (_origin(), [])

    def statement(self, conn: Any, sql: str) -> None:
        origin, stmts = self.open.get(id(conn), (_origin(), []))
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN [IMMEDIATE] (bot/store/db.py): counted with the transaction
            stmts.append(verb)
            if self.on and self.trace:
                print(f"  [{origin}] {' '.join(sql.split())[:150]}", file=sys.stderr)

    def end(self, conn: Any) -> None:
        origin, stmts = self.open.pop(id(conn), (_origin(), []))
        if not self.on:
            return
        if self.trace:
            print(f"  [{origin}] -- end of transaction ({len(stmts)} statements)", file=sys.stderr)
        part, _, loop = origin.partition(":")
        if loop and not any(s in WRITES for s in stmts):
            self.counts["look"] += 1
            self.counts[f"look-checkout:{part}"] += 1
            return
        self.counts[f"stmt:{part}"] += len(stmts)
        self.counts[f"tx:{part}"] += 1

    def checkout(self) -> None:
        if self.on:
            self.counts[f"checkout:{_origin().partition(':')[0]}"] += 1


def instrument(tally: Tally, ignore: Callable[[], set[int]]) -> None:
    """Listen on every engine and pool (the bot's engine is made inside the app's start-up, and listeners
    added to a running engine can race its transactions); `ignore` names the ids of engines and pools whose
    work is not the bot's (the bench's own settling)."""

    def ours(conn: Any) -> bool:
        return id(conn.engine) not in ignore()

    event.listen(Engine, "begin", lambda conn: ours(conn) and tally.begin(conn))
    event.listen(Engine, "before_cursor_execute", lambda conn, cur, sql, *_: ours(conn) and tally.statement(conn, sql))
    event.listen(Engine, "commit", lambda conn: ours(conn) and tally.end(conn))
    event.listen(Engine, "rollback", lambda conn: ours(conn) and tally.end(conn))
    event.listen(Pool, "checkout", lambda _c, _r, proxy: id(proxy._pool) not in ignore() and tally.checkout())


@dataclass
class Scene:
    bot: Bot
    emu: EmulatorServer
    world: World
    settle_db: Database
    tally: Tally
    pg: bool

    async def settle(self) -> None:
        """Settled, and no job due within a few seconds left (a merge window closing)."""
        s = self.bot.services
        for _ in range(600):
            # No waking: the bot's own wake-ups, not the bench's, decide when its loops look.
            await settled_db(self.settle_db, s.clock, timeout=60)
            soon = s.clock.now() + timedelta(seconds=5)
            async with self.settle_db.read() as session:
                due = (await session.exec(select(Job.due_at).where(col(Job.status) == "pending"))).all()
            if not any((t if t.tzinfo else t.replace(tzinfo=UTC)) <= soon for t in due):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("jobs still due")

    @contextlib.asynccontextmanager
    async def counting(self) -> AsyncIterator[None]:
        await self.settle()
        self.tally.on = True
        try:
            yield
            await self.settle()
        finally:
            self.tally.on = False


async def add_residents(bot: Bot, emu: EmulatorServer, w: World, n: int) -> list[str]:
    ids = [uid(1000 + i) for i in range(n)]
    now = bot.services.clock.now()
    async with bot.db.session() as s:
        for i, rid in enumerate(ids):
            await people.add_resident(
                s,
                line_user_id=rid,
                district_code=w.district,
                name=f"住民{i}",
                town="長町",
                address=f"金沢市長町2丁目{i + 1}-1",
                phone=f"076-222-{1000 + i}",
                now=now,
            )
    for rid in ids:
        emu.add_user(rid, f"住民{rid[-2:]}")
    return ids


MERGE_SECONDS = 0.3
REQUEST = "台所の電球が切れてしもうた。明日の朝替えてもらえんけ"


async def measure(scene: Scene, n: int) -> dict[str, Counter[str]]:
    emu, w = scene.emu, scene.world
    residents = await add_residents(scene.bot, emu, w, n)
    out: dict[str, Counter[str]] = {}

    async def kind(name: str, each: Callable[[int], Awaitable[Any]]) -> None:
        before = Counter(scene.tally.counts)
        for i in range(n):
            if scene.tally.trace:
                print(f"== {name} #{i}", file=sys.stderr)
            async with scene.counting():
                await each(i)
        out[name] = scene.tally.counts - before

    async def text(i: int) -> None:
        await emu.send_text(residents[i], REQUEST)

    await kind("resident text → confirmation", text)
    # Answer 「いつでも」 if the bot asked when (not counted), so every resident has a confirmation to press.
    for r in residents:
        last = emu.messages_to(r)[-1]
        with contextlib.suppress(AssertionError):
            data = find_action([last], "いつでも")["data"]
            await emu.send_postback(r, data)
            await scene.settle()

    async def confirm(i: int) -> None:
        await emu.send_postback(residents[i], find_action(emu.messages_to(residents[i])[-1:], "はい")["data"])

    await kind("「はい」 postback → group post", confirm)
    posts = [m for m in emu.messages_to(w.group) if "引き受け" in json.dumps(m, ensure_ascii=False)]

    async def claim(i: int) -> None:
        supporter = w.supporters[i % len(w.supporters)]
        await emu.send_postback(supporter, find_action(posts[i : i + 1], "引き受け")["data"], group_id=w.group)

    await kind("supporter's claim in the group", claim)

    async def chatter(i: int) -> None:
        await emu.send_text(
            w.supporters[i % len(w.supporters)], "おはようございます、今日は寒いですね", group_id=w.group
        )

    await kind("group chatter", chatter)

    async def stranger(i: int) -> None:
        who = uid(5000 + i)
        emu.add_user(who, f"未登録{i}")
        await emu.send_text(who, "こんにちは")

    await kind("unregistered user's text", stranger)
    return out


async def run_db(kind: str, n: int, trace: bool) -> dict[str, dict[str, float]]:
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN) as emu,
        fresh_database(kind) as url,
    ):
        await migrate(url)
        settle_db = Database(url)
        tally = Tally(trace=trace)
        instrument(tally, lambda: {id(settle_db.engine.sync_engine), id(settle_db.engine.sync_engine.pool)})
        # Fragments wait for a merge window (8 s in production) as on a real morning, only shorter.
        bot = await start_bot(emu, make_settings(emu, url, message_merge_seconds=MERGE_SECONDS))
        try:
            w = await build_world(bot, emu, n_supporters=max(2, n))
            async with bot.db.session() as s:  # they added the bot long ago: no profile look-up on a claim
                for sup in w.supporters:
                    await people.set_followed(s, line_user_id=sup, followed=True, now=bot.services.clock.now())
            scene = Scene(bot, emu, w, settle_db, tally, kind == "postgresql")
            counts = await measure(scene, n)
        finally:
            await bot.runner.cleanup()
            await settle_db.dispose()
    return {name: per_event(c, n, pg=kind == "postgresql") for name, c in counts.items()}


def per_event(c: Counter[str], n: int, *, pg: bool) -> dict[str, float]:
    row: dict[str, float] = {}
    for o in PARTS:
        row[o] = round(c[f"stmt:{o}"] / n, 1)
    row["statements"] = round(sum(c[f"stmt:{o}"] for o in PARTS) / n, 1)
    row["transactions"] = round(sum(c[f"tx:{o}"] for o in PARTS) / n, 1)
    # A round trip per statement, BEGIN and COMMIT; on PostgreSQL the pre-ping of each pool checkout is three
    # more (BEGIN, an empty query, ROLLBACK: SQLAlchemy's asyncpg dialect). Looks' checkouts are left out.
    pings = sum(c[f"checkout:{o}"] - c[f"look-checkout:{o}"] for o in PARTS)
    row["checkouts"] = round(pings / n, 1)
    row["round_trips"] = round(
        (sum(c[f"stmt:{o}"] + 2 * c[f"tx:{o}"] for o in PARTS) + (3 * pings if pg else 0)) / n, 1
    )
    row["looks"] = round(c["look"] / n, 1)
    row["other"] = round(c["stmt:other"] / n, 1)
    return row


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    cols = [
        "claim",
        "handle",
        "finish",
        "jobs",
        "send",
        "statements",
        "transactions",
        "checkouts",
        "round_trips",
        "looks",
        "other",
    ]
    lines = ["| database | event | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for db, rows in results.items():
        for name, row in rows.items():
            lines.append(f"| {db} | {name} | " + " | ".join(str(row[c]) for c in cols) + " |")
    return "\n".join(lines)


async def main_async(dbs: list[str], n: int, trace: bool) -> dict[str, dict[str, dict[str, float]]]:
    return {db: await run_db(db, n, trace) for db in dbs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--n", type=int, default=5, help="events of each kind")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--trace", action="store_true", help="print every counted statement to stderr")
    args = ap.parse_args()
    results = asyncio.run(main_async(args.db.split(","), args.n, args.trace))
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else table(results))


if __name__ == "__main__":
    main()
