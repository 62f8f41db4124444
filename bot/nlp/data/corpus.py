"""Builds the labelled splits by writer: train/dev/test/holdout JSONL from writers' messages and our generator.

Run: `python -m bot.nlp.data.corpus` (deterministic; rewrites the four JSONL files beside this module).

Messages written by independent writers live in `writers/wNN.jsonl`, one file per writer (each writer had one
persona and never saw another writer's messages, our rules or our failure notes; `writers/writers.json` says
who each was and the reference time they wrote against). A writer's messages all go to one split, fixed in
`writers/splits.json`:

- `test`: whole writers never trained on, never used for a choice: the headline figure;
- `holdout`: frozen; never used for any choice, scored only to check the headline holds;
- `dev`: whole writers used to pick thresholds and epochs;
- `train`: the remaining writers plus every message of our own generator (phrase banks, hand-written cases),
  which shares phrases across its rows and so may never be scored as a result.

Each line: {"id", "text", "label", "now", "when", "pii", "style", "source", "kind"}; `when` is the gold wanted
date (`{"date", "time", "part"}`; writers gave the date only, so their `time`/`part` are null and
`when_partial` is true), `kind` the situation (fall, stroke, …) for emergencies and consultations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.nlp.types import HELP_LABELS, LABELS

HERE = Path(__file__).resolve().parent
WRITERS = HERE / "writers"
SPLITS = ("train", "dev", "test", "holdout")


def writer_rows() -> dict[str, list[dict[str, Any]]]:
    """Every writer's messages, keyed by writer id, validated."""
    meta = json.loads((WRITERS / "writers.json").read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {}
    for wid, info in sorted(meta.items()):
        rows = []
        with (WRITERS / f"{wid}.jsonl").open(encoding="utf-8") as f:
            for n, line in enumerate(f):
                if not line.strip():
                    continue
                r = json.loads(line)
                if r["label"] == "help" and r.get("kind") in LABELS:
                    # a few writers put the help label in "kind" and the section name in "label": swap back
                    r["label"], r["kind"] = r["kind"], "help"
                if r["label"] not in LABELS:
                    raise ValueError(f"{wid} line {n + 1}: unknown label {r['label']!r}")
                date = r.get("date")
                rows.append(
                    {
                        "id": f"{wid}-{n:02d}",
                        "text": r["text"],
                        "label": r["label"],
                        "now": info["now"],
                        "when": {"date": date, "time": None, "part": None} if date else None,
                        "when_partial": True,
                        "pii": list(r.get("pii") or []),
                        "style": f"writer:{info['style']}",
                        "source": wid,
                        "kind": r.get("kind") or "",
                    }
                )
        out[wid] = rows
    return out


def generated_rows() -> list[dict[str, Any]]:
    import spacy

    from bot.nlp.data import answers
    from bot.nlp.data.generate import NOWS, SEED, _hiragana, build

    rows = build()
    tokenizer = spacy.load(
        "ja_ginza", exclude=["tok2vec", "parser", "ner", "morphologizer", "compound_splitter", "bunsetu_recognizer"]
    ).tokenizer
    help_rows = [r for r in rows if r["label"] in HELP_LABELS]
    rows += answers.rows(help_rows, lambda t: _hiragana(t, tokenizer), NOWS[0].isoformat(), SEED)
    for i, r in enumerate(rows):
        r["id"] = f"gen-{i:04d}"
        r["source"] = "generated"
        r.setdefault("kind", "")
    return rows


def build(generated: bool = True) -> dict[str, list[dict[str, Any]]]:
    assignment: dict[str, list[str]] = json.loads((WRITERS / "splits.json").read_text(encoding="utf-8"))
    by_writer = writer_rows()
    placed = [w for ws in assignment.values() for w in ws]
    if sorted(placed) != sorted(by_writer) or len(placed) != len(set(placed)):
        raise ValueError("writers/splits.json must place every writer in exactly one split")
    parts: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
    for name, writers in assignment.items():
        for w in writers:
            parts[name] += by_writer[w]
    if generated:
        parts["train"] += generated_rows()
    return parts


KEYS = ("id", "text", "label", "now", "when", "when_partial", "pii", "style", "source", "kind")


def main() -> None:
    for name, part in build().items():
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps({k: r.get(k) for k in KEYS}, ensure_ascii=False) + "\n")
        writers = sorted({r["source"] for r in part})
        print(f"{name}: {len(part)} messages from {len(writers)} sources")


if __name__ == "__main__":
    main()
