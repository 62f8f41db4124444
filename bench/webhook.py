"""Webhook edge benchmark: our server vs a bare line-bot-sdk app, at rising rates, from a separate process.

`python bench/webhook.py [--db sqlite,postgresql] [--duration 5]` prints a JSON result and a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    SECRET,
    TOKEN,
    Proc,
    boosted_backends,
    bot_env,
    fresh_database,
    histogram_quantile,
    prioritise,
    scrape,
    start_bot,
    start_plain,
    table,
)
from bot.emulator import EmulatorServer

RATES = tuple(
    int(x)
    for x in __import__("os")
    .environ.get("BENCH_RATES", "100,200,400,600,800,1000,1300,1600,2000,2500,3000,4000,5000")
    .split(",")
)
P99_LIMIT_MS = 100.0
HERE = Path(__file__).resolve().parent


def step(url: str, rate: float, duration: float, seed: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "loadgen.py"),
            "--url",
            f"{url}/callback",
            "--secret",
            SECRET,
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def sustained(r: dict[str, Any]) -> bool:
    ok = r["statuses"].get("200", 0) == r["requests"]
    return bool(ok and r["latency_ms"]["p99"] < P99_LIMIT_MS and r["achieved_eps"] >= 0.9 * r["offered_eps"])


async def wait_drained(proc: Proc, cap: float) -> float:
    """Wait until the bot has handled what it stored (so one step's backlog does not load the next)."""
    started = time.monotonic()
    while time.monotonic() - started < cap:
        if (await scrape(proc.url)).get("sasaeai_inbox_depth", 0) == 0:
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started


async def ramp(proc: Proc, duration: float, *, ours: bool) -> list[dict[str, Any]]:
    steps = []
    for i, rate in enumerate(RATES):
        before = await scrape(proc.url) if ours else {}
        cpu = proc.cpu_seconds()
        r = await asyncio.to_thread(step, proc.url, rate, duration, i + 1)
        if ours:
            after = await scrape(proc.url)
            r["loop_lag_p99_ms"] = round(histogram_quantile(before, after, "sasaeai_loop_lag_seconds", 0.99) * 1000, 1)
            r["drain_s"] = round(await wait_drained(proc, 30.0), 1)
        else:
            await asyncio.sleep(1.0)
        # CPU the server spent per 1,000 events, answering and (ours) handling them: unlike latency, other
        # load on the machine hardly changes it.
        r["cpu_ms_per_1000"] = round((proc.cpu_seconds() - cpu) * 1e6 / max(1, r["events"]))
        steps.append(r)
        print(f"  {'bot' if ours else 'baseline'} {rate:>5} ev/s: {json.dumps(r)}", file=sys.stderr)
        if not sustained(r):
            break
    return steps


class _Skip(Exception):
    pass


def best(steps: list[dict[str, Any]]) -> float:
    good = [s["offered_eps"] for s in steps if sustained(s)]
    return max(good) if good else 0.0


async def run(dbs: list[str], duration: float, baseline_too: bool = True) -> dict[str, Any]:
    results: dict[str, Any] = {"duration_s": duration, "baseline": {"steps": [], "sustained_eps": 0.0}}
    baseline = await start_plain()
    try:
        print("baseline (WebhookParser only)", file=sys.stderr)
        if not baseline_too:
            raise _Skip
        results["baseline"] = {"steps": await ramp(baseline, duration, ours=False)}
        results["baseline"]["sustained_eps"] = best(results["baseline"]["steps"])
    except _Skip:
        pass
    finally:
        baseline.stop()
    async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu:
        for db in dbs:
            async with fresh_database(db) as url, boosted_backends(url):
                bot = await start_bot(bot_env(line_api=emu.url, database_url=url))
                try:
                    print(f"bot on {db}", file=sys.stderr)
                    steps = await ramp(bot, duration, ours=True)
                    results[db] = {"steps": steps, "sustained_eps": best(steps), "rss_mb": bot.rss_mb()}
                finally:
                    bot.stop()
    base = results["baseline"]["sustained_eps"] or float("nan")
    for db in dbs:
        results[db]["ratio"] = round(results[db]["sustained_eps"] / base, 2)
        at200 = [s for s in results[db]["steps"] if s["offered_eps"] == 200]
        results[db]["p99_at_200_ms"] = at200[0]["latency_ms"]["p99"] if at200 else None
    return results


def markdown(results: dict[str, Any]) -> str:
    dbs = [k for k in ("sqlite", "postgresql") if k in results]
    rows = []
    for name in ["baseline", *dbs]:
        for s in results[name]["steps"]:
            lat = s["latency_ms"]
            other = {k: v for k, v in s["statuses"].items() if k != "200"}
            rows.append(
                [
                    "WebhookParser only" if name == "baseline" else f"sasaeai, {name}",
                    s["offered_eps"],
                    s["achieved_eps"],
                    lat["p50"],
                    lat["p99"],
                    lat["max"],
                    s.get("loop_lag_p99_ms", "—"),
                    s.get("drain_s", "—"),
                    s["cpu_ms_per_1000"],
                    ", ".join(f"{k}×{v}" for k, v in other.items()) or "—",
                ]
            )
    steps = table(
        [
            "server",
            "offered ev/s",
            "answered ev/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "loop lag p99 ms",
            "backlog drained in s",
            "server CPU ms per 1,000 events",
            "not 200",
        ],
        rows,
    )
    base = results["baseline"]["sustained_eps"]
    summary = table(
        ["server", "p99 at 200 ev/s", "highest sustained ev/s (p99 < 100 ms)", "ratio to baseline"],
        [["WebhookParser only", "—", base, "1.00"]]
        + [
            [f"sasaeai, {db}", f"{results[db]['p99_at_200_ms']} ms", results[db]["sustained_eps"], results[db]["ratio"]]
            for db in dbs
        ],
    )
    return f"{summary}\n\n{steps}\n"


def main() -> None:
    prioritise()
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--no-baseline", action="store_true", help="skip the WebhookParser-only ceiling")
    args = ap.parse_args()
    results = asyncio.run(run(args.db.split(","), args.duration, not args.no_baseline))
    print(json.dumps(results))
    print(markdown(results), file=sys.stderr)


if __name__ == "__main__":
    main()
