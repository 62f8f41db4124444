"""Soak: a long snowy morning at a steady rate, to see whether anything grows that should not.

`python bench/soak.py [--db postgresql] [--minutes 15] [--rate 20] [--chatter 20] [--emergency-every 40]`

The bot runs as its own process (one worker unless --workers); the LINE emulator (answering in 30–80 ms)
runs here and plays 6 districts × 2,000 residents and their supporters: `--rate` residents' requests a
second, each confirmed with 「はい」 and claimed by a supporter once posted, one in `--emergency-every` an
emergency instead; group chatter at `--chatter` events a second comes from bench/loadgen.py in its own
process. Every `--every` seconds it samples the outbox (waiting messages and the oldest one's age, per
priority), the inbox and the server's RSS; it reports answer times per flow and minute (emergency answer,
confirmation, 「はい」 → group post) and the counts: webhook events sent and acknowledged, handled,
messages delivered, duplicates and lost ones, after letting the bot drain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text as sql

from bench._common import (
    ROOT,
    SECRET,
    TOKEN,
    Deliveries,
    Proc,
    boosted_backends,
    bot_env,
    fresh_database,
    load_average,
    machine,
    migrate,
    prioritise,
    start_bot,
    summary_ms,
    table,
)
from bench.e2e import WORDS, actions, add_districts, add_resident, ref, uid, watched
from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store.db import Database
from bot.store.priority import Priority

DISTRICTS = 6
RESIDENTS_PER_DISTRICT = 2_000
SUPPORTERS_PER_DISTRICT = 10
EMERGENCY_WORDS = ["ころんでたてない　たすけて", "胸が苦しい、息ができん", "家が燃えとる、火事や"]
CLAIM_LABEL = "引き受け"


async def populate(url: str, emu: EmulatorServer, per_district: int) -> tuple[list[str], dict[str, list[str]]]:
    """6 districts with their supporters' groups, `per_district` residents each, a coordinators' group."""
    now = SystemClock().now()
    db = Database(url)
    residents: list[str] = []
    try:
        async with db.session() as s:
            members = await add_districts(s, emu, districts=DISTRICTS, supporters=SUPPORTERS_PER_DISTRICT, now=now)
        for d in range(1, DISTRICTS + 1):
            async with db.session() as s:  # a transaction per district keeps each one short
                for r in range(per_district):
                    rid = uid(d * 100_000_000 + r)
                    await add_resident(s, emu, user=rid, district=d, name=f"住民{d}-{r}", house=r, now=now)
                    residents.append(rid)
    finally:
        await db.dispose()
    return residents, members


@dataclass
class Flows:
    """Answer times per flow, as (when it started, seconds it took)."""

    emergency: list[tuple[float, float]] = field(default_factory=list)
    confirmation: list[tuple[float, float]] = field(default_factory=list)
    to_group: list[tuple[float, float]] = field(default_factory=list)
    webhook_events: int = 0
    webhook_ok: int = 0
    errors: list[str] = field(default_factory=list)
    pressed_yes: dict[int, float] = field(default_factory=dict)  # request id → when 「はい」 was pressed
    claimed: int = 0


class Crowd:
    def __init__(self, emu: EmulatorServer, seen: Deliveries, flows: Flows, timeout: float) -> None:
        self.emu, self.seen, self.flows, self.timeout = emu, seen, flows, timeout

    async def _send(self, coro: Any) -> None:
        status, _ = await coro
        self.flows.webhook_events += 1
        if status == 200:
            self.flows.webhook_ok += 1
        else:
            raise AssertionError(f"webhook answered {status}")

    async def emergency(self, user: str, words: str) -> None:
        try:
            before = len(self.seen.messages_to(user))
            sent = time.time()
            await self._send(self.emu.send_text(user, words))
            while True:
                msgs = await self.seen.wait(user, before + 1, timeout=self.timeout)
                found = [m for m in msgs[before:] if "119" in json.dumps(m, ensure_ascii=False)]
                if found:
                    self.flows.emergency.append((sent, found[0]["at"] - sent))
                    return
                before = len(msgs)
        except Exception as e:  # one resident's trouble is a figure in the report, not the end of the run
            self.flows.errors.append(f"emergency: {type(e).__name__}: {str(e)[:160]}")

    async def request(self, user: str, words: str) -> None:
        try:
            seen = len(self.seen.messages_to(user))
            sent = time.time()
            await self._send(self.emu.send_text(user, words))
            confirmed = 0.0
            for _ in range(4):
                msgs = await self.seen.wait(user, seen + 1, timeout=self.timeout)
                seen = len(msgs)
                if not confirmed:
                    confirmed = msgs[-1]["at"]
                    self.flows.confirmation.append((sent, confirmed - sent))
                yes = [a for a in actions(msgs[-1]) if a.get("label", "").startswith("はい")]
                if yes:
                    self.flows.pressed_yes[ref(yes[0]["data"])] = time.time()
                    await self._send(self.emu.send_postback(user, yes[0]["data"]))
                    return
                choice = actions(msgs[-1])
                if not choice:
                    return  # answered without a question (e.g. an earlier request still open): nothing to press
                await self._send(self.emu.send_postback(user, choice[0]["data"]))
        except Exception as e:
            self.flows.errors.append(f"request: {type(e).__name__}: {str(e)[:160]}")


async def claimer(emu: EmulatorServer, crowd: Crowd, members: dict[str, list[str]], stop: asyncio.Event) -> None:
    """Watch the groups; for each request's first post, note when it arrived and have a supporter claim it."""
    rng = random.Random(11)
    seen_posts: set[int] = set()
    read = 0
    pending: set[asyncio.Task[None]] = set()

    async def claim(group: str, data: str) -> None:
        await asyncio.sleep(rng.uniform(1.0, 5.0))  # a supporter reads it first
        try:
            await crowd._send(emu.send_postback(rng.choice(members[group]), data, group_id=group))
            crowd.flows.claimed += 1
        except Exception as e:
            crowd.flows.errors.append(f"claim: {type(e).__name__}: {str(e)[:160]}")

    while not stop.is_set():
        new = emu.state.deliveries[read:]
        read += len(new)
        for d in new:
            if d.to not in members:
                continue
            for m in d.messages:
                for a in actions(m):
                    if CLAIM_LABEL not in a.get("label", ""):
                        continue
                    rid = ref(a["data"])
                    if rid in seen_posts:
                        continue
                    seen_posts.add(rid)
                    if rid in crowd.flows.pressed_yes:
                        crowd.flows.to_group.append((crowd.flows.pressed_yes[rid], d.at - crowd.flows.pressed_yes[rid]))
                    t = asyncio.create_task(claim(d.to, a["data"]))
                    pending.add(t)
                    t.add_done_callback(pending.discard)
        await asyncio.sleep(0.05)
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


async def sample(db: Database, bot: Proc, started: float) -> dict[str, Any]:
    """The outbox per priority (waiting, oldest waiting in s), the inbox's waiting events, the server's RSS."""
    now = datetime.now(UTC)
    out: dict[str, Any] = {"t": round(time.time() - started, 1)}
    async with db.read() as s:
        rows = (
            await s.exec(  # type: ignore[call-overload]
                sql(
                    "SELECT priority, count(*), min(created_at) FROM outbox_message "
                    "WHERE status IN ('pending', 'merged') GROUP BY priority"
                )
            )
        ).all()
        inbox = (await s.exec(sql("SELECT count(*) FROM inbox_event WHERE status = 'pending'"))).one()  # type: ignore[call-overload]
    by = {Priority(p).name.lower(): (n, oldest) for p, n, oldest in rows}
    for p in Priority:
        n, oldest = by.get(p.name.lower(), (0, None))
        if isinstance(oldest, str):  # SQLite hands back text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        out[p.name.lower()] = [n, round((now - oldest).total_seconds(), 1) if oldest else 0.0]
    out["outbox"] = sum(v[0] for k, v in out.items() if k in {p.name.lower() for p in Priority})
    out["inbox"] = int(inbox[0])
    out["rss_mb"] = round(sum(bot.rss_mb().values()), 1)
    return out


def _said(to: str, message: dict[str, Any]) -> tuple[str, str]:
    """What a chat was told by one message: its text (or a template's alt text), to tell copies apart."""
    return to, str(message.get("text") or message.get("altText") or json.dumps(message, sort_keys=True))


async def counts(db: Database, emu: EmulatorServer) -> dict[str, Any]:
    """Messages the bot recorded as sent against those the emulator shows delivered, chat by chat.

    A copy is a message a chat received more times than the bot recorded it sent; a loss, the other way
    round. Each copy comes with the outbox rows that hold it and the calls that delivered it, to say why.
    """
    async with db.read() as s:
        handled = (await s.exec(sql("SELECT count(*) FROM inbox_event WHERE status <> 'pending'"))).one()  # type: ignore[call-overload]
        stored = (await s.exec(sql("SELECT count(*) FROM inbox_event"))).one()  # type: ignore[call-overload]
        rows = (
            await s.exec(  # type: ignore[call-overload]
                sql(
                    'SELECT id, status, messages, via, "to", reply_state, attempts, last_error, priority,'
                    " purpose, merged_into FROM outbox_message"
                )
            )
        ).all()
    by_status: dict[str, int] = {}
    pushes = 0
    recorded: Counter[tuple[str, str]] = Counter()
    holders: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row_id, status, messages, via, to, reply_state, attempts, last_error, prio, purpose, merged_into in rows:
        by_status[status] = by_status.get(status, 0) + 1
        listed = json.loads(messages) if isinstance(messages, str) else messages
        for m in listed:
            key = _said(to, m)
            holders.setdefault(key, []).append(
                {
                    "row": row_id,
                    "status": status,
                    "via": via,
                    "reply_state": reply_state,
                    "attempts": attempts,
                    "last_error": last_error,
                    "priority": prio,
                    "purpose": purpose,
                    "merged_into": merged_into,
                }
            )
            if status == "sent":
                recorded[key] += 1
        pushes += status == "sent" and via == "push"
    delivered: Counter[tuple[str, str]] = Counter()
    calls: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in emu.state.deliveries:
        for m in d.messages:
            key = _said(d.to, m)
            delivered[key] += 1
            calls.setdefault(key, []).append({"seq": d.seq, "at": round(d.at, 3), "via": d.via})
    copies = delivered - recorded
    losses = recorded - delivered
    return {
        "events_stored": int(stored[0]),
        "events_handled": int(handled[0]),
        "outbox_rows": len(rows),
        "outbox_sent_rows": by_status.get("sent", 0),
        "outbox_failed_rows": by_status.get("failed", 0),
        "outbox_waiting_rows": by_status.get("pending", 0) + by_status.get("merged", 0),
        "rows_sent_by_push": pushes,
        "messages_recorded_sent": sum(recorded.values()),
        "messages_delivered": sum(delivered.values()),
        "duplicates": sum(copies.values()),
        "lost": sum(losses.values()),
        "calls_to_line": len(emu.state.deliveries),
        "duplicate_details": [
            {"to": to, "text": text[:60], "rows": holders.get((to, text), []), "calls": calls[(to, text)]}
            for to, text in list(copies)[:10]
        ],
    }


def per_minute(values: list[tuple[float, float]], started: float) -> list[dict[str, Any]]:
    minutes: dict[int, list[float]] = {}
    for at, took in values:
        minutes.setdefault(int((at - started) // 60), []).append(took)
    return [{"minute": m + 1, **summary_ms(v)} for m, v in sorted(minutes.items())]


async def run_one(
    db_kind: str,
    *,
    minutes: float,
    rate: float,
    chatter: float,
    emergency_every: int,
    every: float,
    workers: int,
    per_district: int,
    extra_env: dict[str, str],
    drain: float = 600.0,
) -> dict[str, Any]:
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(db_kind) as url,
        boosted_backends(url),
    ):
        await migrate(url)
        print(f"populating {DISTRICTS} × {per_district} residents …", file=sys.stderr)
        residents, members = await populate(url, emu, per_district)
        # This checkout's code, not whichever one the virtualenv's editable install points at.
        env = bot_env(line_api=emu.url, database_url=url, PYTHONPATH=str(ROOT), **extra_env)
        bot = await start_bot(env, workers=workers)
        seen = await Deliveries(emu).__aenter__()
        emu.webhook_url = f"{bot.url}/callback"
        emu.set_latency(0.03, 0.08)
        flows = Flows()
        merge = float(extra_env.get("MESSAGE_MERGE_SECONDS", "8"))
        crowd = Crowd(emu, seen, flows, timeout=merge + 600)
        db = Database(url)
        samples: list[dict[str, Any]] = []
        stop = asyncio.Event()
        duration = minutes * 60
        gen = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "loadgen.py"),
                "--url",
                f"{bot.url}/callback",
                "--secret",
                SECRET,
                "--rate",
                str(chatter),
                "--duration",
                str(duration),
            ],
            stdout=subprocess.PIPE,
        )
        try:
            started = time.time()
            claims = asyncio.create_task(claimer(emu, crowd, members, stop))

            async def sampler() -> None:
                while not stop.is_set():
                    samples.append(await sample(db, bot, started))
                    print(json.dumps(samples[-1]), file=sys.stderr)
                    await asyncio.sleep(every)

            sampling = asyncio.create_task(sampler())

            async def load() -> None:
                rng = random.Random(7)
                order = list(residents)
                rng.shuffle(order)
                tasks: set[asyncio.Task[None]] = set()
                i = 0
                while time.time() - started < duration:
                    user = order[i % len(order)]
                    if emergency_every and i % emergency_every == emergency_every - 1:
                        t = asyncio.create_task(crowd.emergency(user, rng.choice(EMERGENCY_WORDS)))
                    else:
                        t = asyncio.create_task(crowd.request(user, rng.choice(WORDS)))
                    tasks.add(t)
                    t.add_done_callback(tasks.discard)
                    i += 1
                    await asyncio.sleep(max(0.0, started + i / rate - time.time()))
                await asyncio.gather(*tasks)

            await watched(bot, load())
            load_ended = time.time()
            # Let the bot drain what is left (claims still to press, messages still waiting).
            await asyncio.sleep(6.0)
            stop.set()
            await claims
            drain_deadline = time.time() + drain
            while time.time() < drain_deadline:
                s = await sample(db, bot, started)
                if s["outbox"] == 0 and s["inbox"] == 0:
                    break
                await asyncio.sleep(2.0)
            drained_s = round(time.time() - load_ended, 1)
            await sampling
            samples.append(await sample(db, bot, started))
            chatter_out, _ = gen.communicate(timeout=120)
            # Stopped before counting: the scheduler keeps writing (a coordinators' alert for a request nobody
            # took, ten minutes on), and a message written and sent between reading the outbox and reading
            # the emulator was counted as a duplicate (2026-12-05, one alert in 72,928 messages). In a thread:
            # the stopping bot may still call the emulator, which runs on this loop.
            await asyncio.to_thread(bot.stop)
            result_counts = await counts(db, emu)
        finally:
            if gen.poll() is None:
                gen.kill()
            await db.dispose()
            await seen.__aexit__()
            bot.stop()
    chat = json.loads(chatter_out.decode().strip().splitlines()[-1]) if chatter_out.strip() else {}
    last10 = [s for s in samples if s["t"] >= duration - 600 and s["t"] <= duration]
    return {
        "database": db_kind,
        "minutes": minutes,
        "requests_per_s": rate,
        "chatter_per_s": chatter,
        "workers": workers,
        "drained_after_load_s": drained_s,
        "samples": samples,
        "emergency": summary_ms([t for _, t in flows.emergency]),
        "confirmation": summary_ms([t for _, t in flows.confirmation]),
        "confirmation_minus_merge": summary_ms([max(0.0, t - merge) for _, t in flows.confirmation]),
        "yes_to_group": summary_ms([t for _, t in flows.to_group]),
        "per_minute": {
            "emergency": per_minute(flows.emergency, started),
            "confirmation": per_minute(flows.confirmation, started),
            "yes_to_group": per_minute(flows.to_group, started),
        },
        "outbox_max": max((s["outbox"] for s in samples), default=0),
        "outbox_last10_min_first_last": [last10[0]["outbox"], last10[-1]["outbox"]] if last10 else [],
        "rss_last10_min_mb": [last10[0]["rss_mb"], last10[-1]["rss_mb"]] if last10 else [],
        "residents_webhook_events": flows.webhook_events,
        "residents_webhook_ok": flows.webhook_ok,
        "chatter": chat,
        "claims": flows.claimed,
        "errors": len(flows.errors),
        "first_errors": flows.errors[:5],
        "counts": result_counts,
        "load_average": load_average(),
        "machine": machine(),
    }


def markdown(r: dict[str, Any]) -> str:
    step = max(1, len(r["samples"]) // 20)
    over_time = table(
        ["t s", "outbox", *[f"{p.name.lower()} n / oldest s" for p in Priority], "inbox", "RSS MB"],
        [
            [
                s["t"],
                s["outbox"],
                *[f"{s[p.name.lower()][0]} / {s[p.name.lower()][1]}" for p in Priority],
                s["inbox"],
                s["rss_mb"],
            ]
            for s in r["samples"][::step]
        ],
    )
    flows = table(
        ["flow", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        [
            [name, r[key]["n"], r[key]["p50"], r[key]["p95"], r[key]["p99"], r[key]["max"]]
            for name, key in (
                ("emergency answer (119)", "emergency"),
                ("confirmation (raw)", "confirmation"),
                ("confirmation minus the merge window", "confirmation_minus_merge"),
                ("「はい」 → group post", "yes_to_group"),
            )
        ],
    )
    minutes = table(
        ["minute", "emergency p99 ms", "confirmation p95 ms", "「はい」→group p95 ms"],
        [
            [
                m,
                next((x["p99"] for x in r["per_minute"]["emergency"] if x["minute"] == m), "—"),
                next((x["p95"] for x in r["per_minute"]["confirmation"] if x["minute"] == m), "—"),
                next((x["p95"] for x in r["per_minute"]["yes_to_group"] if x["minute"] == m), "—"),
            ]
            for m in range(1, int(-(-r["minutes"] // 1)) + 1)
        ],
    )
    c = r["counts"]
    chat = r["chatter"]
    chat_ok = round(chat.get("events", 0) * chat.get("statuses", {}).get("200", 0) / max(1, chat.get("requests", 1)))
    tally = table(
        [
            "webhook events sent / 2xx",
            "handled / stored",
            "messages delivered / recorded sent",
            "duplicates",
            "lost",
            "calls",
            "errors",
        ],
        [
            [
                f"{r['residents_webhook_events'] + r['chatter'].get('events', 0)} / "
                f"{r['residents_webhook_ok'] + chat_ok}",
                f"{c['events_handled']} / {c['events_stored']}",
                f"{c['messages_delivered']} / {c['messages_recorded_sent']}",
                c["duplicates"],
                c["lost"],
                c["calls_to_line"],
                r["errors"],
            ]
        ],
    )
    return f"{over_time}\n\n{flows}\n\n{minutes}\n\n{tally}\n"


def main() -> None:
    how = prioritise()
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgresql", choices=["postgresql", "sqlite"])
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--rate", type=float, default=20.0, help="residents' requests per second")
    ap.add_argument("--chatter", type=float, default=20.0, help="group events per second (bench/loadgen.py)")
    ap.add_argument("--emergency-every", type=int, default=40, help="one request in N is an emergency (0: none)")
    ap.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    ap.add_argument("--drain", type=float, default=600.0, help="at most this many seconds to drain after the load")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--residents-per-district", type=int, default=RESIDENTS_PER_DISTRICT)
    ap.add_argument("--env", action="append", default=[], help="NAME=value for the bot (e.g. OUTBOX_CONCURRENCY=16)")
    ap.add_argument("--out", type=Path, help="write the whole result (every sample) here as JSON")
    args = ap.parse_args()
    extra = dict(e.split("=", 1) for e in args.env)
    result = asyncio.run(
        run_one(
            args.db,
            minutes=args.minutes,
            rate=args.rate,
            chatter=args.chatter,
            emergency_every=args.emergency_every,
            every=args.every,
            workers=args.workers,
            per_district=args.residents_per_district,
            extra_env=extra,
            drain=args.drain,
        )
    )
    result["priority"] = how
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k not in ("samples", "per_minute")}, ensure_ascii=False))
    print(markdown(result), file=sys.stderr)


if __name__ == "__main__":
    main()
