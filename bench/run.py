"""All benchmarks, one command each, or all of them in one run written to docs/benchmarks.md.

    python bench/run.py webhook      # the webhook edge vs a WebhookParser-only app (SQLite and PostgreSQL)
    python bench/run.py e2e          # 1,000 residents in one minute: confirmation and 「はい」 → group post
    python bench/run.py claims       # 100 supporters press 引き受け at once
    python bench/run.py nlp          # bench/nlp.py (the NLP engineer's): throughput, loop lag by executor
    python bench/run.py all          # everything, side by side, into docs/benchmarks.md (about 15 minutes)

`--db sqlite` or `--db postgresql` limits a run to one database (default: both). PostgreSQL is reached at
SASAEAI_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test), where a fresh database is made per run.
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

from bench import claims, e2e, webhook
from bench._common import load_average, machine, prioritise, table

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def nlp(n: int = 300) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "nlp.py"), "--n", str(n)], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def nlp_markdown(r: dict[str, Any]) -> str:
    rows = [
        ["model load", f"{r.get('load_s')} s", f"RSS {r.get('rss_after_load_mb')} MB after loading"],
        [
            "one message at a time",
            f"{r['one_by_one']['msg_per_s']} msg/s",
            f"p50 {r['one_by_one']['p50_ms']} ms, p99 {r['one_by_one']['p99_ms']} ms",
        ],
    ]
    for key, name in (("thread_executor", "loop lag, NLP in a thread"), ("process_pool", "loop lag, NLP in a process")):
        if isinstance(r.get(key), dict):
            rows.append([name, "", json.dumps(r[key], ensure_ascii=False)])
    return table(["measure", "figure", "detail"], rows)


def section(title: str, command: str, body: str, started_load: str) -> str:
    return f"### {title}\n\n`{command}` — load average before {started_load}, after {load_average()}\n\n{body}\n"


def write_doc(parts: list[str], info: dict[str, str], wall: float) -> None:
    head = DOC.read_text().split("<!-- figures -->")[0] if DOC.exists() else "# Benchmarks\n\n"
    figures = (
        "<!-- figures -->\n"
        f"## Latest run: {info['date']}\n\n"
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, Python {info['python']}. "
        f"Run at {info['priority']}. Whole run: {wall / 60:.0f} minutes, `python bench/run.py all`.\n\n"
        + "\n".join(parts)
    )
    DOC.write_text(head.rstrip() + "\n\n" + figures)


async def run_all(dbs: list[str], duration: float, priority: str) -> None:
    info = machine()
    t0 = time.time()
    parts = []
    load = load_average()
    w = await webhook.run(dbs, duration)
    parts.append(section("Webhook edge", f"python bench/webhook.py --duration {duration:g}", webhook.markdown(w), load))
    load = load_average()
    e = await e2e.run(dbs, residents=1000, window=60.0, merge=8.0, workers=1)
    if "postgresql" in dbs:  # the same burst on two server processes sharing the port (bot/serve.py)
        e |= await e2e.run(["postgresql"], residents=1000, window=60.0, merge=8.0, workers=2)
    parts.append(section("End to end: 1,000 residents in one minute", "python bench/e2e.py", e2e.markdown(e), load))
    load = load_average()
    c = await claims.run(dbs, supporters=100, rounds=3, workers=1)
    parts.append(section("Claim storm", "python bench/claims.py", claims.markdown(c), load))
    load = load_average()
    n = await asyncio.to_thread(nlp)
    parts.append(section("NLP (bench/nlp.py)", "python bench/nlp.py --n 300", nlp_markdown(n), load))
    raw = ROOT / "docs" / "benchmarks.json"
    raw.write_text(json.dumps({"machine": info, "webhook": w, "e2e": e, "claims": c, "nlp": n}, indent=1))
    info["priority"] = priority
    write_doc(parts, info, time.time() - t0)
    print(f"wrote {DOC} and {raw}", file=sys.stderr)


def main() -> None:
    priority = prioritise()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["webhook", "e2e", "claims", "nlp", "all"])
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per webhook rate step")
    args = ap.parse_args()
    dbs = args.db.split(",")
    match args.what:
        case "webhook":
            print(webhook.markdown(asyncio.run(webhook.run(dbs, args.duration))))
        case "e2e":
            print(e2e.markdown(asyncio.run(e2e.run(dbs, residents=1000, window=60.0, merge=8.0, workers=1))))
        case "claims":
            print(claims.markdown(asyncio.run(claims.run(dbs, supporters=100, rounds=3, workers=1))))
        case "nlp":
            print(nlp_markdown(nlp()))
        case "all":
            asyncio.run(run_all(dbs, args.duration, priority))


if __name__ == "__main__":
    main()
