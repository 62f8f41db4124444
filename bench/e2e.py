"""End-to-end burst: 1,000 residents of 54 districts ask for help within one minute (a snowstorm morning).

`python bench/e2e.py [--db sqlite,postgresql] [--residents 1000] [--window 60] [--merge 8] [--workers 1]`

The bot runs as its own process; the LINE emulator (answering in 30–80 ms, like LINE) runs here and plays
every resident: it sends the help request, waits for the confirmation, presses 「はい」 and waits for the
request to reach the district's group. Measured: message → confirmation (raw, and minus the merge window),
「はい」 → group post, the event-loop lag during the burst (the edge's, which every webhook request waits on,
and the worker's), and memory after load and after the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel.ext.asyncio.session import AsyncSession

from bench._common import (
    SECRET,
    TOKEN,
    Deliveries,
    Proc,
    boosted_backends,
    bot_env,
    fresh_database,
    histogram_quantile,
    load_average,
    metric_sum,
    migrate,
    prioritise,
    scrape,
    start_bot,
    summary_ms,
    table,
)
from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store import people
from bot.store.db import Database

DISTRICTS = 54
SUPPORTERS_PER_DISTRICT = 3
# Requests a resident might write that morning, each with a time, so the bot can confirm in one step.
WORDS = [
    "明日の朝、雪すかしお願いしたいがや",
    "玄関の前の雪かきを明日の朝お願いできんけ",
    "台所の電球が切れてしもうた。明日の朝替えてもらえんけ",
    "明日の午前中に買い物を手伝ってほしいです",
    "あした ごみだしを てつだってほしい",
    "屋根から落ちた雪で車が出せん。明日の朝手伝ってください",
    "明日の朝、病院まで付き添ってもらえませんか",
    "明後日、灯油を運んでほしいがやけど",
]


def uid(n: int) -> str:
    return "U" + f"{n:032x}"


def gid(n: int) -> str:
    return "C" + f"{n:032x}"


def ref(data: str) -> int:
    """The request id inside a postback (`sa1:<action>:<ref>:<arg>:<mac>`)."""
    return int(data.split(":")[2])


def actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in ("postback", "datetimepicker") and "data" in node:
            found.append(node)
        for v in node.values():
            found += actions(v)
    elif isinstance(node, list):
        for v in node:
            found += actions(v)
    return found


async def add_districts(
    s: AsyncSession, emu: EmulatorServer, *, districts: int, supporters: int, now: datetime
) -> dict[str, list[str]]:
    """Districts K01… with their supporters' groups (`supporters` each) and the coordinators' group, in the
    database and the emulator alike; returns each district group's supporters."""
    members: dict[str, list[str]] = {}
    for d in range(1, districts + 1):
        code, group = f"K{d:02d}", gid(d)
        await people.add_district(s, code=code, name=f"地区{d}", towns=[f"町{d}"], now=now)
        await people.bind_group(s, group_id=group, district_code=code, now=now)
        members[group] = []
        for i in range(supporters):
            sid = uid(100_000 + d * 100 + i)
            await people.add_supporter(s, line_user_id=sid, district_code=code, name=f"支援{d}-{i}", now=now)
            emu.add_user(sid, f"支援{d}-{i}")
            members[group].append(sid)
        emu.add_group(group, f"地区{d}サポーター", members=members[group])
    await people.bind_group(s, group_id=gid(999), district_code=None, now=now)
    emu.add_group(gid(999), "コーディネーター", members=[])
    return members


async def add_resident(
    s: AsyncSession, emu: EmulatorServer, *, user: str, district: int, name: str, house: int, now: datetime
) -> None:
    """A resident of district K`district` (at house number `house` of its town), in the database and the emulator."""
    await people.add_resident(
        s,
        line_user_id=user,
        district_code=f"K{district:02d}",
        name=name,
        town=f"町{district}",
        address=f"金沢市町{district} {house}",
        phone="076-000-0000",
        now=now,
    )
    emu.add_user(user, name)


async def populate(url: str, emu: EmulatorServer, residents: int) -> tuple[list[str], list[str]]:
    """54 districts, each with its supporters' group; residents spread over them; a coordinators' group."""
    now = SystemClock().now()
    db = Database(url)
    people_ids = []
    try:
        async with db.session() as s:
            groups = list(await add_districts(s, emu, districts=DISTRICTS, supporters=SUPPORTERS_PER_DISTRICT, now=now))
            for r in range(residents):
                rid = uid(1 + r)
                await add_resident(s, emu, user=rid, district=r % DISTRICTS + 1, name=f"住民{r}", house=r, now=now)
                people_ids.append(rid)
    finally:
        await db.dispose()
    return people_ids, groups


class Resident:
    def __init__(self, emu: EmulatorServer, seen: Deliveries, user: str, words: str) -> None:
        self.emu, self.seen, self.user, self.words = emu, seen, user, words
        self.sent = self.confirmed = self.yes = 0.0
        self.request_id: int | None = None
        self.extra_steps = 0
        self.error: str | None = None

    async def ask(self, delay: float, timeout: float) -> None:
        await asyncio.sleep(delay)
        try:
            self.sent = time.time()
            status, _ = await self.emu.send_text(self.user, self.words)
            assert status == 200, status
            seen = 0
            while True:
                msgs = await self.seen.wait(self.user, seen + 1, timeout=timeout)
                seen = len(msgs)
                if not self.confirmed:
                    self.confirmed = msgs[0]["at"]
                yes = [a for a in actions(msgs[-1]) if a.get("label", "").startswith("はい")]
                if yes:
                    break
                # The bot asked something first (when? which kind?): answer with the first choice.
                choice = actions(msgs[-1])
                assert choice, f"no buttons in {msgs[-1]}"
                self.extra_steps += 1
                await self.emu.send_postback(self.user, choice[0]["data"])
            self.request_id = ref(yes[0]["data"])
            self.yes = time.time()
            status, _ = await self.emu.send_postback(self.user, yes[0]["data"])
            assert status == 200, status
        except Exception as e:  # one resident's trouble is a figure in the report, not the end of the run
            self.error = f"{type(e).__name__}: {str(e)[:200]}"


def group_posts(emu: EmulatorServer, groups: set[str]) -> dict[int, float]:
    """request id → when its post reached the group (the first message carrying its 引き受け button)."""
    posted: dict[int, float] = {}
    for d in emu.deliveries:
        if d.to not in groups:
            continue
        for m in d.messages:
            for a in actions(m):
                if "引き受け" in a.get("label", ""):
                    posted.setdefault(ref(a["data"]), d.at)
    return posted


async def watched(bot: Proc, work: Awaitable[Any]) -> None:
    """Await `work`, but stop at once (with the server's last words) if the server process dies."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait([task], timeout=1.0)
        if bot.popen.poll() is not None:
            task.cancel()
            raise RuntimeError(f"the bot exited with {bot.popen.returncode}: {bot.log.read_text()[-2000:]}")
    task.result()


async def run_one(db: str, *, residents: int, window: float, merge: float, workers: int) -> dict[str, Any]:
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(db) as url,
        boosted_backends(url),
    ):
        await migrate(url)
        people_ids, groups = await populate(url, emu, residents)
        env = bot_env(line_api=emu.url, database_url=url, MESSAGE_MERGE_SECONDS=str(merge))
        if db == "postgresql":
            env["DATABASE_URL"] = url
        bot = await start_bot(env, workers=workers)
        seen = await Deliveries(emu).__aenter__()
        emu.webhook_url = f"{bot.url}/callback"
        emu.set_latency(0.03, 0.08)
        try:
            await asyncio.sleep(2.0)  # let start-up settle before measuring memory
            rss_loaded = bot.rss_mb()
            before = await scrape(bot.url)
            cpu_before = bot.cpu_by_process()
            rng = random.Random(7)
            crowd = [Resident(emu, seen, u, rng.choice(WORDS)) for u in people_ids]
            started = time.time()
            timeout = window + merge + 240
            asking = asyncio.gather(*(r.ask(rng.uniform(0, window), timeout) for r in crowd))
            await watched(bot, asking)
            expected = sum(1 for r in crowd if r.request_id is not None)
            deadline = time.time() + 240
            posted: dict[int, float] = {}
            while time.time() < deadline:
                posted = group_posts(emu, set(groups))
                if len(posted) >= expected:
                    break
                await asyncio.sleep(0.5)
            finished = time.time()
            after = await scrape(bot.url)
            rss_burst = bot.rss_mb()
            cpu_after = bot.cpu_by_process()
            cpu_by_pid = {pid: round(t - cpu_before.get(pid, 0.0), 1) for pid, t in cpu_after.items()}
            cpu_used = sum(cpu_by_pid.values())
        finally:
            await seen.__aexit__()
            bot.stop()
    confirm = [r.confirmed - r.sent for r in crowd if r.confirmed]
    to_group = [posted[r.request_id] - r.yes for r in crowd if r.request_id in posted]
    # With several workers a scrape reaches any one of them, so before/after differences mean nothing.
    one = workers == 1
    lag = {
        f"p{int(q * 100)}": round(histogram_quantile(before, after, "sasaeai_loop_lag_seconds", q) * 1000, 1)
        if one
        else float("nan")
        for q in (0.5, 0.99)
    }
    # The edge is one process whatever the workers: its loop is the one every webhook request waits on.
    edge_lag = {
        f"p{int(q * 100)}": round(histogram_quantile(before, after, "sasaeai_edge_loop_lag_seconds", q) * 1000, 1)
        for q in (0.5, 0.99)
    }
    # SQLite's write lock (bot/store/db.py): how long writes waited for it and held it, edge and handling apart.
    write_lock = {}
    for process in ("edge", "handling"):
        mine = f'process="{process}"'
        b = {k: v for k, v in before.items() if mine in k}
        a = {k: v for k, v in after.items() if mine in k}
        if any(k.startswith("sasaeai_db_write_hold_seconds_count") for k in a):
            write_lock[process] = {
                "wait_p99_ms": round(histogram_quantile(b, a, "sasaeai_db_write_wait_seconds", 0.99) * 1000, 1),
                "hold_p99_ms": round(histogram_quantile(b, a, "sasaeai_db_write_hold_seconds", 0.99) * 1000, 1),
                "held_s": round(
                    metric_sum(a, "sasaeai_db_write_hold_seconds_sum")
                    - metric_sum(b, "sasaeai_db_write_hold_seconds_sum"),
                    1,
                ),
                "transactions": int(
                    metric_sum(a, "sasaeai_db_write_hold_seconds_count")
                    - metric_sum(b, "sasaeai_db_write_hold_seconds_count")
                ),
            }
    nlp_p99 = histogram_quantile(before, after, "sasaeai_nlp_seconds", 0.99) if one else float("nan")
    errors = [r.error for r in crowd if r.error]
    return {
        "residents": residents,
        "window_s": window,
        "merge_s": merge,
        "workers": workers,
        "burst_s": round(finished - started, 1),
        "confirmation": summary_ms(confirm),
        "confirmation_minus_merge": summary_ms([max(0.0, c - merge) for c in confirm]),
        "yes_to_group": summary_ms(to_group),
        "extra_steps": sum(r.extra_steps for r in crowd),
        "errors": len(errors),
        "first_errors": errors[:3],
        "posted": len(posted),
        "loop_lag_ms": lag,
        "edge_loop_lag_ms": edge_lag,
        "sqlite_write_lock": write_lock,
        "nlp_p99_ms": round(nlp_p99 * 1000, 1),
        "server_cpu_s": round(cpu_used, 1),
        "cpu_s_by_process": cpu_by_pid,
        "rss_mb_after_load": rss_loaded,
        "rss_mb_after_burst": rss_burst,
        "load_average": load_average(),
    }


async def run(dbs: list[str], **kw: Any) -> dict[str, Any]:
    out = {}
    for db in dbs:
        name = db if kw.get("workers", 1) == 1 else f"{db}, {kw['workers']} workers"
        print(f"e2e on {name} …", file=sys.stderr)
        out[name] = await run_one(db, **kw)
        print(json.dumps(out[name]), file=sys.stderr)
    return out


def markdown(results: dict[str, Any]) -> str:
    rows = []
    for db, r in results.items():
        for name, key in (
            ("message → confirmation (raw)", "confirmation"),
            (f"message → confirmation minus the {r['merge_s']:g} s merge window", "confirmation_minus_merge"),
            ("「はい」 → group post", "yes_to_group"),
        ):
            s = r[key]
            rows.append([db, name, s["n"], s["p50"], s["p95"], s["max"]])
    figures = table(["database", "interval", "n", "p50 ms", "p95 ms", "max ms"], rows)
    other = table(
        [
            "database",
            "burst took s",
            "posted / residents",
            "errors",
            "server CPU s",
            "CPU s by process",
            "edge loop lag p50 / p99 ms",
            "worker loop lag p50 / p99 ms",
            "NLP p99 ms",
            "RSS after load MB",
            "RSS after burst MB",
            "load average",
        ],
        [
            [
                db,
                r["burst_s"],
                f"{r['posted']} / {r['residents']}",
                r["errors"],
                r["server_cpu_s"],
                ", ".join(str(v) for v in r["cpu_s_by_process"].values()),
                f"{r['edge_loop_lag_ms']['p50']} / {r['edge_loop_lag_ms']['p99']}",
                f"{r['loop_lag_ms']['p50']} / {r['loop_lag_ms']['p99']}",
                r["nlp_p99_ms"],
                ", ".join(str(v) for v in r["rss_mb_after_load"].values()),
                ", ".join(str(v) for v in r["rss_mb_after_burst"].values()),
                r["load_average"],
            ]
            for db, r in results.items()
        ],
    )
    return f"{figures}\n\n{other}\n"


def main() -> None:
    prioritise()
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--residents", type=int, default=1000)
    ap.add_argument("--window", type=float, default=60.0, help="the requests arrive spread over this many seconds")
    ap.add_argument("--merge", type=float, default=8.0, help="MESSAGE_MERGE_SECONDS for the bot")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    results = asyncio.run(
        run(args.db.split(","), residents=args.residents, window=args.window, merge=args.merge, workers=args.workers)
    )
    print(json.dumps(results))
    print(markdown(results), file=sys.stderr)


if __name__ == "__main__":
    main()
