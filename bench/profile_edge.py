"""Where the webhook edge's CPU goes: an edge alone (no worker) under cProfile, against the plain SDK app.

    python bench/profile_edge.py [--db sqlite] [--workload texts] [--duration 3] [--top 30]

An edge (`serve --role edge`, one process, so no supervisor stands between cProfile and the server) takes
the workload closed-loop (bench/morningload.py, as bench/morning.py drives it) A B A B against the plain SDK
app. No worker runs, so handling cannot take the edge's CPU: the ratio printed is the edge's own cost.
The CPU per event is measured from /proc without the profiler: a first pass runs the edge bare, a second under
cProfile, whose inflated costs give only the shares. The profile keeps the bot's, aiohttp's and SQLAlchemy's
functions; start-up imports appear too, and are not part of a request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    SECRET,
    TOKEN,
    bot_env,
    free_port,
    fresh_database,
    migrate,
    profile_report,
    start_plain,
    start_process,
)
from bench.morning import generate, populate
from bot.emulator import EmulatorServer

FOCUS = "bot/|web_protocol|web_app|greenlet|sqlalchemy/ext/asyncio|aiosqlite|asyncpg"


async def one_pass(db: str, workload: str, duration: float, prof: Path | None) -> list[dict[str, Any]]:
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(db) as url,
    ):
        await migrate(url)
        await populate(url, emu)
        env = bot_env(line_api=emu.url, database_url=url)
        pre = [sys.executable] + (["-m", "cProfile", "-o", str(prof)] if prof else [])
        port = free_port()
        argv = [*pre, "-m", "bot", "serve", "--role", "edge", "--host", "127.0.0.1", "--port", str(port)]
        edge = await start_process(argv, env, port, "edge", timeout=600)
        plain = await start_plain()
        pairs = []
        try:
            for i in range(2):  # A B A B
                cpu0 = edge.cpu_seconds()
                bot = await asyncio.to_thread(generate, edge.url, workload, "closed", 100 + i, duration=duration)
                cpu = edge.cpu_seconds() - cpu0
                base = await asyncio.to_thread(generate, plain.url, workload, "closed", 100 + i, duration=duration)
                pairs.append(
                    {
                        "edge_eps": bot["eps"],
                        "plain_eps": base["eps"],
                        "ratio": round(bot["eps"] / base["eps"], 2) if base["eps"] else 0.0,
                        "edge_cpu_ms_per_event": round(cpu * 1000 / max(1, bot["acknowledged"]), 3),
                        "non_2xx": bot["non_2xx"],
                    }
                )
        finally:
            edge.stop(60)  # SIGTERM: cProfile writes its file when the server returns
            plain.stop()
    return pairs


async def run(db: str, workload: str, duration: float, top: int) -> str:
    bare = await one_pass(db, workload, duration, None)
    prof = Path(tempfile.mkdtemp(prefix="sasaeai-profile-")) / "edge.prof"
    profiled = await one_pass(db, workload, duration, prof)
    head = {"db": db, "workload": workload, "bare": bare, "profiled": profiled}
    return json.dumps(head) + "\n" + profile_report(prof, top, FOCUS)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--workload", default="texts")
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    print(asyncio.run(run(args.db, args.workload, args.duration, args.top)))


if __name__ == "__main__":
    main()
