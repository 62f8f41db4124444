"""A snowstorm morning at the webhook: each workload against the plain line-bot-sdk app in the same run, A B A B.

    python bench/morning.py [--db sqlite,postgresql] [--duration 3] [--steady 5] [--workloads texts,postbacks,group,mix]
    python bench/morning.py --scale 1,2,4 [--events 3000]      # handling throughput by worker processes (PostgreSQL)

Workloads (bench/morningload.py): residents' 1:1 texts (80% registered, 20% not), postbacks (residents' はい and
supporters' 引き受けます), supporters' group chatter, and a mix (40% texts, 15% postbacks, 45% chatter).
For each: the highest answered rate with 16 connections (two generator processes of 8, each its own process
so the generator is not the ceiling), bot then plain SDK app then bot then plain SDK app; then answer latency
at a steady 200 ev/s (open loop). The bot is `sasaeai serve` as shipped: an edge process and a worker process.
After the run, every acknowledged event must be handled: the inbox drained and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlmodel import col, select

from bench._common import (
    SECRET,
    TOKEN,
    Proc,
    bot_env,
    free_port,
    fresh_database,
    load_average,
    machine,
    migrate,
    start_plain,
    start_process,
    table,
)
from bench.morningload import WORKLOADS, gid, uid
from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store import people
from bot.store.db import Database
from bot.store.models import InboxEvent

HERE = Path(__file__).resolve().parent
REGISTERED = 500
DISTRICTS = 6
GENERATORS = 2
CONNECTIONS = 16


async def populate(url: str, emu: EmulatorServer) -> None:
    now = SystemClock().now()
    db = Database(url)
    try:
        async with db.session() as s:
            for d in range(1, DISTRICTS + 1):
                code = f"K{d:02d}"
                await people.add_district(s, code=code, name=f"地区{d}", towns=[f"町{d}"], now=now)
                await people.bind_group(s, group_id=gid(d), district_code=code, now=now)
                members = [uid(100_000 + d * 100 + i) for i in range(4)]
                for i, sid in enumerate(members):
                    await people.add_supporter(s, line_user_id=sid, district_code=code, name=f"支援{d}-{i}", now=now)
                    emu.add_user(sid, f"支援{d}-{i}")
                emu.add_group(gid(d), f"地区{d}サポーター", members=members)
            for r in range(REGISTERED):
                d = r % DISTRICTS + 1
                await people.add_resident(
                    s, line_user_id=uid(1 + r), district_code=f"K{d:02d}", name=f"住民{r}", town=f"町{d}", now=now
                )
                emu.add_user(uid(1 + r), f"住民{r}")
        for n in range(5000):  # residents not registered yet (bench/morningload.py): LINE knows them
            emu.add_user(uid(900_000 + n), f"未登録{n}")
    finally:
        await db.dispose()


def _generator(url: str, workload: str, mode: str, seed: int, **opts: Any) -> subprocess.Popen[str]:
    argv = [sys.executable, str(HERE / "morningload.py"), "--url", f"{url}/callback", "--secret", SECRET]
    argv += ["--workload", workload, "--mode", mode, "--seed", str(seed), "--registered", str(REGISTERED)]
    argv += ["--districts", str(DISTRICTS)]
    for k, v in opts.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def generate(url: str, workload: str, mode: str, seed: int, **opts: Any) -> dict[str, Any]:
    """Closed loop: GENERATORS processes of CONNECTIONS/GENERATORS connections, summed. Open: one process."""
    n = GENERATORS if mode == "closed" else 1
    if mode == "closed":
        opts["connections"] = CONNECTIONS // n
    procs = [_generator(url, workload, mode, seed * 10 + i, **opts) for i in range(n)]
    results = [json.loads((p.communicate()[0] or "{}").strip().splitlines()[-1]) for p in procs]
    statuses: dict[str, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "eps": round(sum(r["eps"] for r in results), 1),
        "acknowledged": sum(r["acknowledged"] for r in results),
        "non_2xx": sum(v for k, v in statuses.items() if k != "200"),
        "p99_ms": max(r["latency_ms"]["p99"] for r in results),
        "p50_ms": max(r["latency_ms"]["p50"] for r in results),
        "ran_out": any(r["ran_out"] for r in results),
    }


async def drained(url: str, acknowledged: int, cap: float) -> dict[str, Any]:
    """Wait until every stored event is handled; count them against what was acknowledged."""
    db = Database(url)
    started = time.monotonic()
    try:
        while True:
            async with db.read() as s:
                rows = dict(
                    (await s.exec(select(InboxEvent.status, func.count()).group_by(col(InboxEvent.status)))).all()
                )
            if not rows.get("pending") or time.monotonic() - started > cap:
                break
            await asyncio.sleep(1.0)
    finally:
        await db.dispose()
    return {
        "acknowledged": acknowledged,
        "stored": sum(rows.values()),
        "by_status": rows,
        "drain_s": round(time.monotonic() - started, 1),
    }


def write_lock(url: str) -> dict[str, float]:
    """SQLite only: each process's cumulative wait for and hold of the write lock ("edge", "handling"), and how
    many holds lasted over 10 ms, read from the edge's /metrics (which sums every process of `serve`)."""
    body = urllib.request.urlopen(f"{url}/metrics", timeout=30).read().decode()
    found = {f"{p}_{k}": 0.0 for p in ("edge", "handling") for k in ("wait_s", "hold_s", "writes", "holds_over_10ms")}
    for family in text_string_to_metric_families(body):
        if family.name not in ("sasaeai_db_write_wait_seconds", "sasaeai_db_write_hold_seconds"):
            continue
        hold = family.name == "sasaeai_db_write_hold_seconds"
        for sample in family.samples:
            process = sample.labels.get("process")
            if process not in ("edge", "handling"):
                continue
            if sample.name.endswith("_sum"):
                found[f"{process}_{'hold_s' if hold else 'wait_s'}"] += sample.value
            elif sample.name.endswith("_count") and hold:
                found[f"{process}_writes"] += sample.value
                found[f"{process}_holds_over_10ms"] += sample.value
            elif hold and sample.name.endswith("_bucket") and sample.labels.get("le") == "0.01":
                found[f"{process}_holds_over_10ms"] -= sample.value
    return found


def lock_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(after[k] - before[k], 3) for k in before}


async def start_bot(env: dict[str, str], *args: str) -> Proc:
    port = free_port()
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    return await start_process(argv, env, port, "bot", timeout=600)  # a shared machine can be very slow


async def run_db(kind: str, workloads: list[str], duration: float, steady: float, drain_cap: float) -> dict[str, Any]:
    out: dict[str, Any] = {"db": kind, "workloads": {}}
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(kind) as url,
    ):
        await migrate(url)
        await populate(url, emu)
        bot = await start_bot(bot_env(line_api=emu.url, database_url=url))
        plain = await start_plain()
        acknowledged = 0
        try:
            for w in workloads:
                runs: dict[str, list[dict[str, Any]]] = {"bot": [], "plain": []}
                for i in range(2):  # A B A B: drift on a shared machine hits both alike
                    for name, proc in (("bot", bot), ("plain", plain)):
                        locks = name == "bot" and kind == "sqlite"  # the write lock is SQLite's, and the bot's
                        lock_before = await asyncio.to_thread(write_lock, bot.url) if locks else {}
                        r = await asyncio.to_thread(generate, proc.url, w, "closed", 100 + i, duration=duration)
                        if locks:
                            r["write_lock"] = lock_delta(lock_before, await asyncio.to_thread(write_lock, bot.url))
                        runs[name].append(r)
                        if name == "bot":
                            acknowledged += r["acknowledged"]
                        print(f"  {kind} {w} {name}: {json.dumps(r)}", file=sys.stderr)
                steady_bot = await asyncio.to_thread(generate, bot.url, w, "open", 200, rate=200, duration=steady)
                acknowledged += steady_bot["acknowledged"]
                steady_plain = await asyncio.to_thread(generate, plain.url, w, "open", 200, rate=200, duration=steady)
                print(f"  {kind} {w} steady: {json.dumps(steady_bot)} / {json.dumps(steady_plain)}", file=sys.stderr)
                bot_eps = [r["eps"] for r in runs["bot"]]
                plain_eps = [r["eps"] for r in runs["plain"]]
                out["workloads"][w] = {
                    "bot_eps": bot_eps,
                    "plain_eps": plain_eps,
                    "ratios": [round(b / p, 2) if p else 0.0 for b, p in zip(bot_eps, plain_eps, strict=True)],
                    "ratio": round(sum(bot_eps) / max(1e-9, sum(plain_eps)), 2),
                    "non_2xx": sum(r["non_2xx"] for r in runs["bot"]) + steady_bot["non_2xx"],
                    "steady_200": {"bot": steady_bot, "plain": steady_plain},
                }
            out["handled_afterwards"] = await drained(url, acknowledged, drain_cap)
            out["load_average"] = load_average()
        finally:
            bot.stop(60)
            plain.stop()
    return out


async def scale(workers: list[int], events: int, drain_cap: float) -> dict[str, Any]:
    """Handling throughput on PostgreSQL: an edge stores `events` of the mix while no worker runs; then
    `serve --role worker --workers N` starts and we time how fast the inbox empties."""
    out: dict[str, Any] = {}
    for n in workers:
        async with (
            EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
            fresh_database("postgresql") as url,
        ):
            await migrate(url)
            await populate(url, emu)
            env = bot_env(line_api=emu.url, database_url=url)
            edge = await start_bot(env, "--role", "edge")
            try:
                r = await asyncio.to_thread(
                    generate, edge.url, "mix", "closed", 7, duration=600, max_events=events // GENERATORS
                )
            finally:
                edge.stop()
            stored = r["acknowledged"]
            workers_proc = await start_bot(env, "--role", "worker", "--workers", str(n))
            try:
                # Timed from when the workers answer health (their models are loaded), to the empty inbox.
                started = time.monotonic()
                result = await drained(url, stored, drain_cap)
                seconds = time.monotonic() - started
            finally:
                workers_proc.stop(60)
            out[str(n)] = {
                "events": stored,
                "seconds": round(seconds, 1),
                "handled_eps": round(stored / seconds, 1),
                **result,
            }
            print(f"  workers={n}: {json.dumps(out[str(n)])}", file=sys.stderr)
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = []
    if "dbs" in results:
        rows = []
        for r in results["dbs"]:
            for w, x in r["workloads"].items():
                s = x["steady_200"]
                rows.append(
                    [
                        w,
                        r["db"],
                        " / ".join(f"{v:,.0f}" for v in x["bot_eps"]),
                        " / ".join(f"{v:,.0f}" for v in x["plain_eps"]),
                        f"**{x['ratio']}** ({', '.join(str(v) for v in x['ratios'])})",
                        f"{s['bot']['p99_ms']} ms ({s['plain']['p99_ms']} ms)",
                        x["non_2xx"],
                    ]
                )
        header = ["workload", "database", "bot ev/s (A, A)", "plain SDK ev/s (B, B)", "ratio (per pair)"]
        lines.append(table([*header, "answer p99 at 200 ev/s (plain)", "non-2xx"], rows))
        for r in results["dbs"]:
            lines.append(f"\n{r['db']}: handled afterwards {json.dumps(r['handled_afterwards'])}")
    if "scale" in results:
        rows = [[n, x["events"], x["seconds"], x["handled_eps"]] for n, x in results["scale"].items()]
        lines.append(table(["worker processes", "events", "seconds to drain", "handled ev/s"], rows))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--duration", type=float, default=3.0, help="seconds of each closed-loop run")
    ap.add_argument("--steady", type=float, default=5.0, help="seconds at a steady 200 ev/s")
    ap.add_argument("--drain-cap", type=float, default=900.0)
    ap.add_argument("--scale", help="worker counts for the handling-throughput run (PostgreSQL), e.g. 1,2,4")
    ap.add_argument("--events", type=int, default=3000)
    args = ap.parse_args()
    results: dict[str, Any] = {"machine": machine(), "pid": os.getpid()}
    if args.scale:
        results["scale"] = asyncio.run(scale([int(x) for x in args.scale.split(",")], args.events, args.drain_cap))
    else:
        results["dbs"] = [
            asyncio.run(run_db(db, args.workloads.split(","), args.duration, args.steady, args.drain_cap))
            for db in args.db.split(",")
        ]
    print(json.dumps(results, ensure_ascii=False))
    print(markdown(results))


if __name__ == "__main__":
    main()
