"""Login flood: 100 parallel sign-ins while LINE keeps calling the webhook (the attack review's finding 1 and 2).

`python bench/login_flood.py [--db postgresql] [--workers 2] [--logins 100] [--scenario guess,spray]`

The bot runs as `sasaeai serve --workers N` on a fresh database. Two floods, each of `--logins` sign-ins
fired together from one address:
- guess: wrong passwords for one existing account (a guesser at one login);
- spray: one wrong password at as many different logins (a guesser spreading out, so the per-login limit
  does not stop the checks; the bound on the argon2 pool is then what protects the webhook).
Meanwhile a signed webhook (a text message event) is posted every 50 ms, and /healthz polled. Reported:
the webhook's worst and p99 answer time, /healthz's worst, how many passwords were actually checked
(`sasaeai_password_checks_total`, summed over the workers), and how the sign-ins were answered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    SECRET,
    TOKEN,
    bot_env,
    fresh_database,
    load_average,
    machine,
    metric_sum,
    migrate,
    scrape,
    start_bot,
    summary_ms,
    table,
)
from bench.e2e import uid
from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.emulator.webhook import envelope
from bot.store import coordinators, people
from bot.store.db import Database

PASSWORD = "kanazawa-sasaeai-2026"
WEBHOOK_EVERY = 0.05


async def populate(url: str) -> None:
    db = Database(url)
    try:
        async with db.session() as s:
            now = SystemClock().now()
            await people.add_district(s, code="K01", name="長町", towns=["長町"], now=now)
            await coordinators.add(
                s, login="mori", name="森", password=PASSWORD, districts=["K01"], is_admin=False, now=now
            )
    finally:
        await db.dispose()


async def sign_in(http: aiohttp.ClientSession, bot: str, login: str, password: str, start: asyncio.Event) -> int:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, connector=http.connector, connector_owner=False) as own:
        async with own.get(f"{bot}/dashboard/login") as r:
            m = re.search(r'name="csrf" value="([^"]+)"', await r.text())
        assert m, "no CSRF token on the sign-in page"
        await start.wait()
        form = {"csrf": m.group(1), "login": login, "password": password, "next": "/dashboard/"}
        async with own.post(f"{bot}/dashboard/login", data=form, allow_redirects=False) as r:
            await r.read()
            return r.status


async def webhooks(http: aiohttp.ClientSession, bot: str, emu: EmulatorServer, stop: asyncio.Event) -> list[float]:
    took: list[float] = []
    n = 0
    while not stop.is_set():
        n += 1
        body = envelope(emu.state.bot_user_id, [emu.events.text(uid(10_000 + n % 50), "こんにちは")])
        headers = {"Content-Type": "application/json", "X-Line-Signature": emu.sign(body)}
        t0 = time.perf_counter()
        async with http.post(f"{bot}/callback", data=body, headers=headers) as r:
            await r.read()
            assert r.status == 200, r.status
        took.append(time.perf_counter() - t0)
        await asyncio.sleep(max(0.0, WEBHOOK_EVERY - (time.perf_counter() - t0)))
    return took


async def health(http: aiohttp.ClientSession, bot: str, stop: asyncio.Event) -> list[float]:
    took: list[float] = []
    while not stop.is_set():
        t0 = time.perf_counter()
        async with http.get(f"{bot}/healthz") as r:
            await r.read()
        took.append(time.perf_counter() - t0)
        await asyncio.sleep(0.1)
    return took


async def flood(bot: str, emu: EmulatorServer, scenario: str, logins: int) -> dict[str, Any]:
    before = await scrape(bot)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        start, stop = asyncio.Event(), asyncio.Event()
        names = ["mori"] * logins if scenario == "guess" else [f"nobody{i}" for i in range(logins)]
        attempts = [asyncio.create_task(sign_in(http, bot, n, f"wrong-{i}", start)) for i, n in enumerate(names)]
        hooks = asyncio.create_task(webhooks(http, bot, emu, stop))
        probe = asyncio.create_task(health(http, bot, stop))
        await asyncio.sleep(1.0)  # every form fetched, the webhook's pace set: then all sign-ins at once
        t0 = time.perf_counter()
        start.set()
        statuses = await asyncio.gather(*attempts)
        logins_took = time.perf_counter() - t0
        await asyncio.sleep(0.5)
        stop.set()
        hook_times, health_times = await hooks, await probe
        right = await sign_in(http, bot, "mori", PASSWORD, _set())
    after = await scrape(bot)
    checked = metric_sum(after, "sasaeai_password_checks_total") - metric_sum(before, "sasaeai_password_checks_total")
    return {
        "scenario": scenario,
        "logins": logins,
        "passwords_checked": int(checked),
        "answers": dict(Counter(str(s) for s in statuses)),
        "flood_seconds": round(logins_took, 2),
        "webhook_ms": summary_ms(hook_times),
        "healthz_ms": summary_ms(health_times),
        "right_password_after": right,
    }


def _set() -> asyncio.Event:
    e = asyncio.Event()
    e.set()
    return e


async def run(db: str, workers: int, logins: int, scenarios: list[str]) -> dict[str, Any]:
    results = []
    for scenario in scenarios:  # a fresh database and server each: the guess flood's lockout must not leak over
        async with (
            EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
            fresh_database(db) as url,
        ):
            await migrate(url)
            await populate(url)
            proc = await start_bot(bot_env(line_api=emu.url, database_url=url), workers=workers)
            try:
                results.append(await flood(proc.url, emu, scenario, logins))
            finally:
                proc.stop()
    return {"machine": machine(), "load": load_average(), "db": db, "workers": workers, "results": results}


def markdown(out: dict[str, Any]) -> str:
    rows = [
        [
            r["scenario"],
            r["logins"],
            r["passwords_checked"],
            ", ".join(f"{k}×{v}" for k, v in sorted(r["answers"].items())),
            f"{r['webhook_ms']['max']} ms (p99 {r['webhook_ms']['p99']} ms, n={r['webhook_ms']['n']})",
            f"{r['healthz_ms']['max']} ms",
            r["right_password_after"],
        ]
        for r in out["results"]
    ]
    head = [
        "flood",
        "sign-ins",
        "passwords checked",
        "answers",
        "webhook worst",
        "/healthz worst",
        "right password after",
    ]
    return (
        f"{out['db']}, `--workers {out['workers']}`, {out['machine']['nproc']} CPUs ({out['machine']['cpu']}), "
        f"load {out['load']}, {out['machine']['date']}\n\n" + table(head, rows)
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="postgresql")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--logins", type=int, default=100)
    p.add_argument("--scenario", default="guess,spray")
    p.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    a = p.parse_args()
    out = asyncio.run(run(a.db, a.workers, a.logins, a.scenario.split(",")))
    print(markdown(out))
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
