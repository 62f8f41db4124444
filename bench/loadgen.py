"""Webhook load generator, run as its own process: signed bodies of 1–5 events at a fixed rate (open loop).

`python bench/loadgen.py --url http://127.0.0.1:8080/callback --secret S --rate 200 --duration 5`
prints one JSON line: offered and achieved events/s, answer latency p50/p99/max, status counts.

Latency is measured from when a request was due, not when it was sent, so a server (or generator) that
falls behind is charged for the wait (no coordinated omission).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import summary_ms
from bot.emulator import ids
from bot.emulator.webhook import envelope, sign

CHATTER = [
    "おはようございます",
    "今日は雪すごいね",
    "了解です",
    "ありがとうございます",
    "またよろしく",
    "道が凍っとるよ",
]


def group_event(rng: random.Random, group: str, user: str) -> dict[str, object]:
    """A supporter's remark in the district group: the kind of event most frequent on a busy morning."""
    now_ms = int(time.time() * 1000)
    return {
        "type": "message",
        "mode": "active",
        "timestamp": now_ms,
        "webhookEventId": ids.ulid(now_ms),
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "group", "groupId": group, "userId": user},
        "replyToken": ids.reply_token(),
        "message": {"id": ids.message_id(), "type": "text", "text": rng.choice(CHATTER), "quoteToken": "q" * 20},
    }


def bodies(rate: float, duration: float, secret: str, seed: int) -> list[tuple[float, bytes, str, int]]:
    """(due offset, body, signature, event count): 1–5 events per body, `rate` events per second overall."""
    rng = random.Random(seed)
    groups = ["C" + f"{i:032x}" for i in range(1, 55)]
    users = ["U" + f"{i:032x}" for i in range(1000, 1200)]
    out = []
    t = 0.0
    destination = "U" + "f" * 32
    while t < duration:
        n = rng.randint(1, 5)
        events = [group_event(rng, rng.choice(groups), rng.choice(users)) for _ in range(n)]
        body = envelope(destination, events)
        out.append((t, body, sign(secret, body), n))
        t += n / rate
    return out


async def run(url: str, secret: str, rate: float, duration: float, seed: int) -> dict[str, object]:
    plan = bodies(rate, duration, secret, seed)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    events_ok = 0
    last_done = 0.0
    connector = aiohttp.TCPConnector(limit=512)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        # Warm the connection pool so the first step does not pay for connecting.
        async with http.get(url.rsplit("/", 1)[0] + "/healthz") as r:
            await r.read()

        async def one(due: float, body: bytes, signature: str, n: int) -> None:
            nonlocal events_ok, last_done
            headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
            try:
                async with http.post(url, data=body, headers=headers) as r:
                    await r.read()
                    status = str(r.status)
            except (aiohttp.ClientError, TimeoutError) as e:
                status = type(e).__name__
            done = time.perf_counter()
            latencies.append(done - due)
            statuses[status] = statuses.get(status, 0) + 1
            if status == "200":
                events_ok += n
            last_done = max(last_done, done)

        start = time.perf_counter() + 0.05
        tasks = []
        for offset, body, signature, n in plan:
            due = start + offset
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, body, signature, n)))
        await asyncio.gather(*tasks)
    elapsed = max(last_done - start, duration)
    events = sum(n for *_, n in plan)
    return {
        "offered_eps": rate,
        "achieved_eps": round(events_ok / elapsed, 1),
        "events": events,
        "requests": len(plan),
        "statuses": statuses,
        "latency_ms": summary_ms(latencies),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--rate", type=float, required=True, help="events per second")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    result = asyncio.run(run(args.url, args.secret, args.rate, args.duration, args.seed))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
