"""NLP benchmark: throughput, latency, memory, and event-loop lag while a server classifies.

    .venv/bin/python bench/nlp.py [--n 500]

Prints one block of figures; docs/nlp.md quotes them with the date and machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlp import Analyzer
from bot.nlp.classifier import DATA_DIR, read_jsonl

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
_WORKER: list[Analyzer] = []


def _rss_mb(pid: int | None = None) -> float:
    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _calibration() -> dict[str, float]:
    """Two fixed workloads that say how fast this host is, so figures from different hosts compare: a pure
    Python loop (tokenising and rules are Python) and the small matrix product the classifier's views are
    made of (a 40-token message through a 320 -> 192 layer). The best of five: a shared host's speed varies
    from one second to the next (the same loop took 118 and 304 ms a minute apart on 2026-12-04)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((40, 320), dtype=np.float32)
    b = rng.random((320, 192), dtype=np.float32)
    loop, gemm = [], []
    for _ in range(5):
        t0 = time.process_time()
        sum(i * i for i in range(1_000_000))
        loop.append((time.process_time() - t0) * 1000)
        t0 = time.process_time()
        for _ in range(500):
            a @ b
        gemm.append((time.process_time() - t0) / 500 * 1e6)
    return {"python_loop_ms": round(min(loop), 1), "gemm_us": round(min(gemm), 1)}


def _messages(n: int) -> list[str]:
    rows = [r["text"] for split in ("test", "dev", "train") for r in read_jsonl(DATA_DIR / f"{split}.jsonl")]
    return (rows * (n // len(rows) + 1))[:n]


def _worker_init() -> None:
    if not _WORKER:  # forked after the parent loaded: the model pages are shared copy-on-write
        _WORKER.append(Analyzer.load())


def _worker_analyze(text: str) -> dict[str, Any]:
    return _WORKER[0].analyze(text, NOW).to_json()


def _worker_mem() -> tuple[float, float]:
    info = psutil.Process().memory_full_info()
    return info.rss / 2**20, info.uss / 2**20


async def _loop_lag(submit: Callable[[str], Any], texts: list[str], in_flight: int) -> dict[str, float]:
    """Run a 5 ms ticker (the stand-in for aiohttp's request handling) while messages are classified."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append((time.perf_counter() - t - 0.005) * 1000)

    sem = asyncio.Semaphore(in_flight)

    async def one(text: str) -> None:
        async with sem:
            await submit(text)

    tick = asyncio.create_task(ticker())
    t0 = time.perf_counter()
    await asyncio.gather(*(one(t) for t in texts))
    elapsed = time.perf_counter() - t0
    done.set()
    await tick
    return {
        "msg_per_s": round(len(texts) / elapsed, 1),
        "lag_p50_ms": round(_pct(lags, 50), 2),
        "lag_p99_ms": round(_pct(lags, 99), 2),
        "lag_max_ms": round(max(lags), 2),
    }


async def _bench_executors(analyzer: Analyzer, texts: list[str]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {}
    idle = await _loop_lag(lambda t: asyncio.sleep(0), texts[:50], 1)
    out["idle_loop"] = {k: v for k, v in idle.items() if k != "msg_per_s"}

    thread: Executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp")
    out["thread_executor"] = await _loop_lag(
        lambda t: loop.run_in_executor(thread, analyzer.analyze, t, NOW), texts, in_flight=8
    )
    thread.shutdown()

    t0 = time.perf_counter()
    _WORKER.append(analyzer)  # the worker is forked after loading, as the bot would do
    procs = ProcessPoolExecutor(max_workers=1, initializer=_worker_init, mp_context=mp.get_context("fork"))
    await loop.run_in_executor(procs, _worker_analyze, "テスト")  # waits for the worker's load
    out["process_pool_start_s"] = round(time.perf_counter() - t0, 2)
    out["process_pool"] = await _loop_lag(lambda t: loop.run_in_executor(procs, _worker_analyze, t), texts, in_flight=8)
    rss, uss = await loop.run_in_executor(procs, _worker_mem)
    out["process_pool_worker_rss_mb"] = round(rss, 1)
    out["process_pool_worker_uss_mb"] = round(uss, 1)  # memory only the worker holds
    procs.shutdown()
    _WORKER.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500, help="messages per measurement")
    args = parser.parse_args()
    res: dict[str, Any] = {
        "date": datetime.now(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "host_calibration": _calibration(),
    }
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    analyzer = Analyzer.load()
    res["load_s"] = round(time.perf_counter() - t0, 2)
    res["rss_after_load_mb"] = round(_rss_mb(), 1)
    res["rss_before_load_mb"] = round(rss0, 1)
    texts = _messages(args.n)
    res["mean_chars"] = round(statistics.mean(len(t) for t in texts), 1)
    for t in texts[:50]:  # warm-up
        analyzer.analyze(t, NOW)

    lat: list[float] = []
    cpu: list[float] = []
    t0 = time.perf_counter()
    for t in texts:
        s, c = time.perf_counter(), time.process_time()
        analyzer.analyze(t, NOW)
        lat.append((time.perf_counter() - s) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    wall = time.perf_counter() - t0
    # CPU time per message does not depend on what else the machine runs: quote it when the load is high
    res["one_by_one_cpu"] = {
        "msg_per_cpu_s": round(len(texts) / (sum(cpu) / 1000), 1),
        "p50_ms": round(_pct(cpu, 50), 2),
        "p99_ms": round(_pct(cpu, 99), 2),
    }
    res["one_by_one"] = {
        "msg_per_s": round(len(texts) / wall, 1),
        "p50_ms": round(_pct(lat, 50), 2),
        "p99_ms": round(_pct(lat, 99), 2),
        "max_ms": round(max(lat), 2),
    }

    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        analyzer.analyze_many(texts[i : i + 64], NOW)
    res["batched_64"] = {"msg_per_s": round(len(texts) / (time.perf_counter() - t0), 1)}

    lat = []
    for t in texts:
        s = time.perf_counter()
        analyzer.safety(t)
        lat.append((time.perf_counter() - s) * 1000)
    res["safety_only"] = {"p50_ms": round(_pct(lat, 50), 2), "p99_ms": round(_pct(lat, 99), 2)}

    lat = []
    for t in texts:
        s = time.perf_counter()
        analyzer.mask(t)
        lat.append((time.perf_counter() - s) * 1000)
    res["mask_only"] = {"p50_ms": round(_pct(lat, 50), 2), "p99_ms": round(_pct(lat, 99), 2)}

    res.update(asyncio.run(_bench_executors(analyzer, texts)))
    res["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    res["rss_end_mb"] = round(_rss_mb(), 1)
    res["uss_end_mb"] = round(psutil.Process().memory_full_info().uss / 2**20, 1)
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
