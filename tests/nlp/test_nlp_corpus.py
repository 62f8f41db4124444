"""The corpus is what issue 11 asks: many independent writers, every kind of danger, split by writer."""

from __future__ import annotations

import json
from collections import Counter

from bot.nlp.classifier import DATA_DIR, read_jsonl
from bot.nlp.data.corpus import KEYS, SPLITS, WRITERS, build, writer_rows

EMERGENCY_KINDS = {
    "fall",
    "stroke",
    "heart_breathing",
    "unconscious",
    "fire_gas",
    "violence",
    "suicide",
    "missing",
    "third_person",
    "inside_chore",
    "other_medical",
}


def test_many_independent_writers_and_every_kind() -> None:
    rows = writer_rows()
    assert len(rows) >= 40
    labels = Counter(r["label"] for rs in rows.values() for r in rs)
    assert labels["emergency"] >= 400 and labels["consult"] >= 300
    kinds = Counter(r["kind"] for rs in rows.values() for r in rs if r["label"] == "emergency")
    assert set(kinds) >= EMERGENCY_KINDS, EMERGENCY_KINDS - set(kinds)
    negatives = sum(r["kind"] == "hard_negative" for rs in rows.values() for r in rs)
    assert negatives >= 100


def test_splits_are_whole_writers_and_test_writers_are_never_trained_on() -> None:
    assignment = json.loads((WRITERS / "splits.json").read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for split in SPLITS:
        for w in assignment[split]:
            assert w not in seen, f"{w} in {seen.get(w)} and {split}"
            seen[w] = split
        sources = {r["source"] for r in read_jsonl(DATA_DIR / f"{split}.jsonl")}
        expected = set(assignment[split]) | ({"generated"} if split == "train" else set())
        assert sources == expected, split
    # our own generator's rows (phrase banks) share phrases across rows: they are only ever trained on
    for split in ("dev", "test", "holdout"):
        assert all(r["source"] != "generated" for r in read_jsonl(DATA_DIR / f"{split}.jsonl"))


def test_the_shipped_splits_are_what_the_builder_makes() -> None:
    built = build(generated=False)
    for split in ("dev", "test", "holdout"):
        shipped = read_jsonl(DATA_DIR / f"{split}.jsonl")
        assert [{k: r.get(k) for k in KEYS} for r in built[split]] == shipped, split
