"""What copying SQLite's log back costs the edge's inbox INSERT: in the writer's commit, or beside it.

    python bench/wal_checkpoint.py [--batches 5000] [--size 4] [--rounds 2]

The edge's own write (bot/store/inbox.py `insert_requests_direct` on bot/store/direct.py's connection), on a
fresh file of the bot's schema, `--batches` transactions of `--size` events, alternating two ways:
"in the writer" — SQLite's default, the commit that takes the log past 1,000 pages copies it back itself —
and "beside", as shipped (bot/store/checkpoint.py: the writer's connection never checkpoints; the
Database's checkpointer does, in a thread). Reported: wall and CPU time of the loop's thread per event
(CPU of the thread alone, so the checkpointer's thread is not counted: what it costs the machine is said
by the wall time of the whole run), the log's size at the end (its high-water mark: SQLite reuses the file
from its start once the log starts over, without shrinking it), and the checkpoints beside and those that
caught up in a turn at the write lock, with the writer's time stalled by the latter, per event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.metrics import METRICS
from bot.store import inbox
from bot.store.db import Database
from bot.store.direct import DirectConnection
from bot.store.migrate import upgrade

NOW = datetime(2026, 12, 6, tzinfo=UTC)
BODY = json.dumps({"type": "message", "message": {"type": "text", "text": "雪かきをおねがいしたいです" * 2}})


def event(key: str) -> dict[str, Any]:
    return {
        "event_key": key,
        "source_key": "U" + key[-3:],
        "body": BODY,
        "redelivery": False,
        "received_at": NOW,
        "status": "pending",
        "attempts": 0,
    }


def checkpoint_seconds(where: str) -> tuple[float, float]:
    """(how many, seconds in all) of the checkpoints run beside the writers or in a turn, so far."""
    found = {"count": 0.0, "sum": 0.0}
    for metric in METRICS.checkpoint_seconds.collect():
        for sample in metric.samples:
            if sample.labels.get("where") == where and sample.name.endswith(("_count", "_sum")):
                found[sample.name.rsplit("_", 1)[1]] = sample.value
    return found["count"], found["sum"]


async def run(mode: str, batches: int, size: int) -> dict[str, Any]:
    before = {w: checkpoint_seconds(w) for w in ("beside", "in turn")}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bot.db")
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db.engine)
        direct = DirectConnection(db)
        await inbox.insert_requests_direct(direct, [[event("warm-up")]])
        if mode == "in the writer":
            assert direct._sqlite is not None
            direct._sqlite.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
            if db._checkpointer is not None:  # as before 2026-12-06: no checkpoints beside
                await db._checkpointer.close()
            db._checkpointer = None
        wall, cpu = time.perf_counter(), time.thread_time()
        for b in range(batches):
            await inbox.insert_requests_direct(direct, [[event(f"{b}-{i}")] for i in range(size)])
            await asyncio.sleep(0)  # as the edge's writer yields between batches: the checkpointer may run
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        log_kib = os.path.getsize(path + "-wal") // 1024
        await direct.close()
        await db.dispose()
    n = batches * size
    ran = {w: [a - b for a, b in zip(checkpoint_seconds(w), before[w], strict=True)] for w in before}
    return {
        "mode": mode,
        "events": n,
        "wall_ms_per_event": round(wall / n * 1000, 4),
        "loop_cpu_ms_per_event": round(cpu / n * 1000, 4),
        "log_kib": log_kib,
        "checkpoints_beside": int(ran["beside"][0]),
        "checkpoints_in_turn": int(ran["in turn"][0]),
        "in_turn_ms_per_event": round(ran["in turn"][1] / n * 1000, 4),
    }


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=5000)
    ap.add_argument("--size", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    for _ in range(args.rounds):  # A B A B: drift on a shared machine hits both alike
        for mode in ("in the writer", "beside"):
            print(json.dumps(await run(mode, args.batches, args.size), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
