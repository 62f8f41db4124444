"""`python -m bot.nlp classify|evaluate|tune|crossval|train`: the NLP command line (see docs/nlp.md)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def _classify(now_arg: str | None) -> int:
    from bot.nlp.analyzer import Analyzer

    now = datetime.fromisoformat(now_arg) if now_arg else datetime.now(ZoneInfo("Asia/Tokyo"))
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    analyzer = Analyzer.load()
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline=None, closefd=False)  # noqa: SIM115
    for line in stdin:
        a = analyzer.analyze(line.rstrip("\r\n"), now)
        sys.stdout.write(json.dumps(a.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def _writer_ids(spec: str | None) -> set[str] | None:
    """`w129-w140,w07` → {"w129", …, "w140", "w07"}."""
    if not spec:
        return None
    out: set[str] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if not last:
            out.add(first)
            continue
        width = len(first) - 1
        out |= {f"w{n:0{width}d}" for n in range(int(first[1:]), int(last.lstrip("w")) + 1)}
    return out


def _evaluate(split: str, show_errors: bool, writers: str | None) -> int:
    from bot.nlp.analyzer import Analyzer
    from bot.nlp.evaluate import evaluate, report

    res = evaluate(Analyzer.load(), split, writers=_writer_ids(writers))
    if not show_errors:
        res["errors"] = []
    print(report(res))
    return 0


def _tune(split: str) -> int:
    from bot.nlp.analyzer import Analyzer
    from bot.nlp.tune import oof_report, report

    if split == "oof":
        print(oof_report())
        return 0
    print(report(Analyzer.load(), split))
    return 0


def _train(epochs: int) -> int:
    from bot.nlp.analyzer import _load_ginza
    from bot.nlp.classifier import train

    train(_load_ginza(), epochs=epochs)
    return 0


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(prog="python -m bot.nlp")
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("classify", help="one message per stdin line → one JSON object per stdout line")
    c.add_argument("--now", help="ISO 8601 reference time (default: now, Asia/Tokyo)")
    e = sub.add_parser("evaluate", help="scores on a split (test: writers never trained on; see docs/nlp.md)")
    e.add_argument("--split", default="test", choices=["train", "dev", "test", "holdout"])
    e.add_argument("--errors", action="store_true", help="list misclassified messages")
    e.add_argument("--writers", help="only these writers of the split, e.g. w129-w140 (a round's first scoring)")
    u = sub.add_parser("tune", help="replay the decision thresholds on the dev writers (docs/nlp.md)")
    u.add_argument("--split", default="dev", choices=["dev", "oof", "train"])
    x = sub.add_parser("crossval", help="out-of-fold scores of the train writers for tune --split oof")
    x.add_argument("--epochs", type=int, default=14)
    x.add_argument("--folds", help="only these folds, e.g. 1,2 (0: the dev writers), to run folds in parallel")
    x.add_argument("--out", type=Path, help="write here instead of bot/nlp/data/oof.jsonl")
    t = sub.add_parser("train", help="retrain the shipped classifier from bot/nlp/data (seeded)")
    t.add_argument("--epochs", type=int, default=14)
    args = parser.parse_args(argv)
    if args.cmd == "classify":
        return _classify(args.now)
    if args.cmd == "evaluate":
        return _evaluate(args.split, args.errors, args.writers)
    if args.cmd == "tune":
        return _tune(args.split)
    if args.cmd == "crossval":
        from bot.nlp.crossval import OOF_PATH, run

        only = [int(f) for f in args.folds.split(",")] if args.folds else None
        return run(epochs=args.epochs, out=args.out or OOF_PATH, only=only)
    return _train(args.epochs)


if __name__ == "__main__":
    raise SystemExit(main())
