"""Claim storm: 100 supporters of one district press 「引き受け」 on the same request at once.

`python bench/claims.py [--db sqlite,postgresql] [--supporters 100] [--rounds 3] [--workers 1]`

Checks that exactly one wins every round (the database says so, and so do the messages), and measures the
webhook answer time of the presses and the time until each supporter has their 1:1 answer (the winner the
request's details, the others a kind 「ほかの方が先に…」).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    SECRET,
    TOKEN,
    Deliveries,
    boosted_backends,
    bot_env,
    fresh_database,
    load_average,
    migrate,
    prioritise,
    start_bot,
    summary_ms,
    table,
)
from bench.e2e import actions, gid, uid
from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.emulator.webhook import envelope
from bot.store import people
from bot.store.db import Database

GROUP = gid(1)


async def populate(url: str, emu: EmulatorServer, supporters: int, rounds: int) -> tuple[list[str], list[str]]:
    now = SystemClock().now()
    db = Database(url)
    sups = [uid(10_000 + i) for i in range(supporters)]
    residents = [uid(1 + i) for i in range(rounds)]
    try:
        async with db.session() as s:
            await people.add_district(s, code="K01", name="長町", towns=["長町"], now=now)
            await people.bind_group(s, group_id=GROUP, district_code="K01", now=now)
            await people.bind_group(s, group_id=gid(999), district_code=None, now=now)
            for i, sid in enumerate(sups):
                await people.add_supporter(s, line_user_id=sid, district_code="K01", name=f"支援{i}", now=now)
                emu.add_user(sid, f"支援{i}")
            for i, rid in enumerate(residents):
                await people.add_resident(
                    s, line_user_id=rid, district_code="K01", name=f"住民{i}", town="長町", address="長町1", now=now
                )
                emu.add_user(rid, f"住民{i}")
    finally:
        await db.dispose()
    emu.add_group(GROUP, "長町サポーター", members=sups)
    emu.add_group(gid(999), "コーディネーター", members=[])
    return sups, residents


async def post_request(emu: EmulatorServer, resident: str) -> str:
    """A resident asks and says はい; returns the 引き受け button's data from the group post."""
    before = len(emu.messages_to(GROUP))
    await emu.send_text(resident, "明日の朝、雪すかしお願いしたいがや")
    seen = 0
    while True:
        msgs = await emu.wait_for_messages(resident, seen + 1, timeout=60)
        seen = len(msgs)
        yes = [a for a in actions(msgs[-1]) if a.get("label", "").startswith("はい")]
        if yes:
            break
        await emu.send_postback(resident, actions(msgs[-1])[0]["data"])
    await emu.send_postback(resident, yes[0]["data"])
    post = (await emu.wait_for_messages(GROUP, before + 1, timeout=60))[-1]
    return next(a["data"] for a in actions(post) if "引き受け" in a.get("label", ""))


async def storm(emu: EmulatorServer, watch: Deliveries, bot_url: str, sups: list[str], claim: str) -> dict[str, Any]:
    seen = {s: len(watch.messages_to(s)) for s in sups}
    answers: list[float] = []
    told: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        bodies = []
        for s in sups:
            body = envelope(emu.state.bot_user_id, [emu.events.postback(s, claim, group_id=GROUP)])
            bodies.append((s, body, emu.sign(body)))
        start = asyncio.Event()

        async def press(s: str, body: bytes, sig: str) -> None:
            await start.wait()
            t0 = time.time()
            headers = {"Content-Type": "application/json", "X-Line-Signature": sig}
            async with http.post(f"{bot_url}/callback", data=body, headers=headers) as r:
                await r.read()
                assert r.status == 200, r.status
            answers.append(time.time() - t0)
            msgs = await watch.wait(s, seen[s] + 1, timeout=120)
            told.append(msgs[seen[s]]["at"] - t0)

        tasks = [asyncio.create_task(press(*b)) for b in bodies]
        await asyncio.sleep(0.2)  # every press is ready: release them together
        start.set()
        await asyncio.gather(*tasks)
    new = {s: watch.messages_to(s)[seen[s] :] for s in sups}
    winners = [s for s, m in new.items() if any("引き受けてくださり" in json.dumps(x, ensure_ascii=False) for x in m)]
    return {"answer": answers, "told": told, "winners": len(winners)}


async def run_one(db: str, *, supporters: int, rounds: int, workers: int) -> dict[str, Any]:
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(db) as url,
        boosted_backends(url),
    ):
        await migrate(url)
        sups, residents = await populate(url, emu, supporters, rounds)
        bot = await start_bot(bot_env(line_api=emu.url, database_url=url, MESSAGE_MERGE_SECONDS="0"), workers=workers)
        emu.webhook_url = f"{bot.url}/callback"
        emu.set_latency(0.03, 0.08)
        answers: list[float] = []
        told: list[float] = []
        winners = []
        try:
            for r in residents:
                claim = await post_request(emu, r)
                async with Deliveries(emu) as watch:
                    result = await storm(emu, watch, bot.url, sups, claim)
                answers += result["answer"]
                told += result["told"]
                winners.append(result["winners"])
            db_winners = await claimed_counts(url)
        finally:
            bot.stop()
    return {
        "supporters": supporters,
        "rounds": rounds,
        "winners_per_round": winners,
        "claimed_in_database": db_winners,
        "webhook_answer": summary_ms(answers),
        "supporter_told": summary_ms(told),
        "load_average": load_average(),
    }


async def claimed_counts(url: str) -> list[int]:
    """Per request: how many 'claimed' records the database holds (exactly one each)."""
    from sqlmodel import select

    from bot.store.models import RequestEvent

    db = Database(url)
    try:
        async with db.session() as s:
            rows = (await s.exec(select(RequestEvent).where(RequestEvent.action == "claimed"))).all()
    finally:
        await db.dispose()
    per: dict[int, int] = {}
    for e in rows:
        per[e.request_id] = per.get(e.request_id, 0) + 1
    return sorted(per.values())


async def run(dbs: list[str], **kw: Any) -> dict[str, Any]:
    out = {}
    for db in dbs:
        print(f"claim storm on {db} …", file=sys.stderr)
        out[db] = await run_one(db, **kw)
        print(json.dumps(out[db]), file=sys.stderr)
    return out


def markdown(results: dict[str, Any]) -> str:
    return table(
        [
            "database",
            "presses",
            "winners per round",
            "claims recorded per request",
            "webhook answer p50 / p99 / max ms",
            "supporter told p50 / p99 / max ms",
            "load average",
        ],
        [
            [
                db,
                f"{r['supporters']} × {r['rounds']}",
                r["winners_per_round"],
                r["claimed_in_database"],
                f"{r['webhook_answer']['p50']} / {r['webhook_answer']['p99']} / {r['webhook_answer']['max']}",
                f"{r['supporter_told']['p50']} / {r['supporter_told']['p99']} / {r['supporter_told']['max']}",
                r["load_average"],
            ]
            for db, r in results.items()
        ],
    )


def main() -> None:
    prioritise()
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--supporters", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    results = asyncio.run(run(args.db.split(","), supporters=args.supporters, rounds=args.rounds, workers=args.workers))
    print(json.dumps(results))
    print(markdown(results), file=sys.stderr)


if __name__ == "__main__":
    main()
