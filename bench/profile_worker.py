"""Where handling's CPU goes: a worker under cProfile while an edge takes a morning's mix.

    python bench/profile_worker.py [--db sqlite] [--rate 60] [--duration 20] [--top 30]

An edge (`serve --role edge`) takes `rate` ev/s of the mix (bench/morningload.py) for `duration` seconds while a
worker (`serve --role worker`) runs under cProfile; once the inbox is drained the worker stops and the profile
is printed: CPU per handled event, and the functions with the most cumulative and own time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import SECRET, TOKEN, bot_env, free_port, fresh_database, migrate, profile_report, start_process
from bench.morning import drained, generate, populate, start_bot
from bot.emulator import EmulatorServer


async def run(db: str, rate: float, duration: float, top: int) -> str:
    out_dir = Path(tempfile.mkdtemp(prefix="sasaeai-profile-"))
    prof = out_dir / "worker.prof"
    async with (
        EmulatorServer(channel_secret=SECRET, access_token=TOKEN, validate=False) as emu,
        fresh_database(db) as url,
    ):
        await migrate(url)
        await populate(url, emu)
        env = bot_env(line_api=emu.url, database_url=url)
        port = free_port()
        argv = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "bot", "serve", "--role", "worker"]
        worker = await start_process([*argv, "--port", str(port)], env, port, "worker", timeout=600)
        edge = await start_bot(env, "--role", "edge")
        try:
            cpu0 = worker.cpu_seconds()
            r = await asyncio.to_thread(generate, edge.url, "mix", "open", 3, rate=rate, duration=duration)
            handled = await drained(url, r["acknowledged"], 600)
            cpu = worker.cpu_seconds() - cpu0
        finally:
            edge.stop()
            worker.stop(60)
    events = max(1, handled["stored"])
    head = {
        "db": db,
        "offered": r,
        "handled": handled,
        "worker_cpu_s": round(cpu, 2),
        "cpu_ms_per_event": round(cpu * 1000 / events, 1),
    }
    return json.dumps(head) + "\n" + profile_report(prof, top)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--rate", type=float, default=60.0)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    print(asyncio.run(run(args.db, args.rate, args.duration, args.top)))


if __name__ == "__main__":
    main()
