"""Load generator for a snowstorm morning, run as its own process (bench/morning.py starts several).

Workloads, one event per body as LINE sends a 1:1 message: residents' 1:1 texts (registered and not),
postbacks (residents' はい and supporters' 引き受けます in their group), supporters' group chatter, and a mix.
Every event has its own webhookEventId, so nothing is a duplicate the edge could skip.

Modes: `closed` (wrk-like: N connections, each posting the next body as soon as the last is answered) measures
the highest rate; `open` posts at a steady rate and measures answer latency from when each request was due
(no coordinated omission). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import summary_ms
from bot import postback
from bot.emulator import ids
from bot.emulator.webhook import envelope, sign

WORKLOADS = ("texts", "postbacks", "group", "mix")
ASKS = [
    "明日の朝、雪すかしお願いしたいがや",
    "台所の電球が切れてしもうた。明日の朝替えてもらえんけ",
    "明日、ゴミ出しを手伝ってほしいです",
    "玄関の前の雪で外に出られません",
    "はい",
    "ありがとう",
    "買い物を頼みたいです。牛乳とパン",
    "屋根の雪が心配です",
]
CHATTER = ["おはようございます", "今日は雪すごいね", "了解です", "ありがとうございます", "道が凍っとるよ"]


def uid(n: int) -> str:
    return f"U{n:032x}"


def gid(n: int) -> str:
    return f"C{n:032x}"


class Morning:
    """Residents uid(1..registered) are registered (bench/morning.py seeds them); uid(900_000+…) are not."""

    def __init__(self, rng: random.Random, secret: str, *, registered: int, districts: int, requests: int) -> None:
        self.rng, self.secret = rng, secret.encode()
        self.registered, self.districts, self.requests = registered, districts, requests

    def _base(self, source: dict[str, str]) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        return {
            "mode": "active",
            "timestamp": now_ms,
            "webhookEventId": ids.ulid(now_ms),
            "deliveryContext": {"isRedelivery": False},
            "source": source,
            "replyToken": ids.reply_token(),
        }

    def resident(self) -> str:
        if self.rng.random() < 0.8:
            return uid(1 + self.rng.randrange(self.registered))
        return uid(900_000 + self.rng.randrange(5000))  # not registered: the bot starts registration

    def text(self) -> dict[str, Any]:
        e = self._base({"type": "user", "userId": self.resident()})
        msg = {"id": ids.message_id(), "type": "text", "text": self.rng.choice(ASKS), "quoteToken": "q" * 20}
        return {**e, "type": "message", "message": msg}

    def postback(self) -> dict[str, Any]:
        ref = 1 + self.rng.randrange(self.requests)
        if self.rng.random() < 0.6:  # a resident's はい to a confirmation
            source = {"type": "user", "userId": uid(1 + self.rng.randrange(self.registered))}
            data = postback.encode(postback.Postback(postback.Action.CONFIRM, ref), self.secret)
        else:  # a supporter's 引き受けます under a request in the district's group
            d = 1 + self.rng.randrange(self.districts)
            source = {"type": "group", "groupId": gid(d), "userId": uid(100_000 + d * 100 + self.rng.randrange(4))}
            data = postback.encode(postback.Postback(postback.Action.CLAIM, ref), self.secret)
        return {**self._base(source), "type": "postback", "postback": {"data": data}}

    def group(self) -> dict[str, Any]:
        d = 1 + self.rng.randrange(self.districts)
        source = {"type": "group", "groupId": gid(d), "userId": uid(100_000 + d * 100 + self.rng.randrange(4))}
        msg = {"id": ids.message_id(), "type": "text", "text": self.rng.choice(CHATTER), "quoteToken": "q" * 20}
        return {**self._base(source), "type": "message", "message": msg}

    def event(self, workload: str) -> dict[str, Any]:
        if workload == "mix":  # a morning: residents' texts, their answers and claims, supporters talking
            x = self.rng.random()
            workload = "texts" if x < 0.4 else "postbacks" if x < 0.55 else "group"
        return {"texts": self.text, "postbacks": self.postback, "group": self.group}[workload]()


def bodies(m: Morning, workload: str, count: int, secret: str) -> list[tuple[bytes, str]]:
    destination = "U" + "f" * 32
    out = []
    for _ in range(count):
        body = envelope(destination, [m.event(workload)])
        out.append((body, sign(secret, body)))
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    m = Morning(
        random.Random(args.seed),
        args.secret,
        registered=args.registered,
        districts=args.districts,
        requests=args.requests,
    )
    count = int(args.rate * args.duration) + 1 if args.mode == "open" else args.max_events
    plan = bodies(m, args.workload, count, args.secret)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    ok = 0
    connector = aiohttp.TCPConnector(limit=args.connections if args.mode == "closed" else 512)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as http:
        async with http.get(args.url.rsplit("/", 1)[0] + "/healthz") as r:
            await r.read()

        async def post(body: bytes, signature: str, due: float) -> None:
            nonlocal ok
            headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
            try:
                async with http.post(args.url, data=body, headers=headers) as r:
                    await r.read()
                    status = str(r.status)
            except (aiohttp.ClientError, TimeoutError) as e:
                status = type(e).__name__
            latencies.append(time.perf_counter() - due)
            statuses[status] = statuses.get(status, 0) + 1
            ok += status == "200"

        start = time.perf_counter() + 0.05
        if args.mode == "open":
            tasks = []
            for i, (body, signature) in enumerate(plan):
                due = start + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(post(body, signature, due)))
            await asyncio.gather(*tasks)
        else:
            queue = iter(plan)
            end = start + args.duration

            async def connection() -> None:
                while time.perf_counter() < end:
                    item = next(queue, None)
                    if item is None:
                        return
                    await post(*item, time.perf_counter())

            await asyncio.gather(*(connection() for _ in range(args.connections)))
        elapsed = max(time.perf_counter() - start, 1e-3)
    return {
        "workload": args.workload,
        "mode": args.mode,
        "requests": len(latencies),
        "acknowledged": ok,
        "eps": round(ok / elapsed, 1),
        "statuses": statuses,
        "latency_ms": summary_ms(latencies),
        "ran_out": args.mode == "closed" and len(latencies) >= len(plan),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--workload", choices=WORKLOADS, required=True)
    ap.add_argument("--mode", choices=("open", "closed"), required=True)
    ap.add_argument("--rate", type=float, default=200.0, help="open: events per second")
    ap.add_argument("--connections", type=int, default=8, help="closed: connections kept busy")
    ap.add_argument("--max-events", type=int, default=20_000, help="closed: bodies prepared before the clock starts")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--registered", type=int, default=500)
    ap.add_argument("--districts", type=int, default=6)
    ap.add_argument("--requests", type=int, default=200, help="request ids postbacks refer to")
    print(json.dumps(asyncio.run(run(ap.parse_args()))))


if __name__ == "__main__":
    main()
