"""`python -m bot.nlp crossval`: out-of-fold scores for the train writers, so choices rest on 30 writers, not 7.

The dev split has 7 writers and, with the shipped model, one false alarm on help: too few to tell 0.15 from
0.30, or to see which view of the classifier calls ordinary letters emergencies. Here the train writers are
dealt into folds (whole writers, seeded); for each fold the classifier is trained without that fold's writers
(our generator's rows always train) and scores them. The dev writers are scored by the shipped model, which
never saw them either. The test and hold-out writers are not read.

The scores are written to `bot/nlp/data/oof.jsonl`, one line per message with each view's probabilities, so
`python -m bot.nlp tune --split oof` can replay the thresholds and the views' weight without retraining.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.nlp.classifier import DATA_DIR, MODEL_DIR, SEED, kana_doc, load_classifier, read_jsonl, train
from bot.nlp.normalize import standard

OOF_PATH = DATA_DIR / "oof.jsonl"
FOLDS = 4


def writer_folds(writers: Sequence[str], folds: int = FOLDS, seed: int = SEED) -> list[list[str]]:
    """Whole writers into `folds` groups, by a seeded shuffle fixed before any score is read."""
    order = sorted(writers)
    random.Random(seed).shuffle(order)
    return [sorted(order[i::folds]) for i in range(folds)]


def _views(model_dir: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from bot.nlp.analyzer import _load_ginza

    nlp = _load_ginza()
    clf = load_classifier(nlp, model_dir)
    docs = [nlp.make_doc(standard(r["text"])) for r in rows]
    words = [d.cats for d in clf.words.pipe(docs, batch_size=64)]
    kana = [d.cats for d in clf.kana.pipe((kana_doc(nlp, d) for d in docs), batch_size=64)]
    return [
        {
            "id": r["id"],
            "writer": r["source"],
            "gold": r["label"],
            "text": r["text"],
            "words": {k: round(v, 6) for k, v in w.items()},
            "kana": {k: round(v, 6) for k, v in k_.items()},
        }
        for r, w, k_ in zip(rows, words, kana, strict=True)
    ]


def run(
    folds: int = FOLDS,
    epochs: int = 14,
    out: Path = OOF_PATH,
    log: Any = sys.stderr,
    only: Sequence[int] | None = None,
) -> int:
    """`only`: these folds (1…folds; 0 is the dev writers scored by the shipped model), so folds can train in
    parallel processes, each writing its own file; their lines together are the whole `oof.jsonl`."""
    from bot.nlp.analyzer import _load_ginza

    train_rows = read_jsonl(DATA_DIR / "train.jsonl")
    writers = sorted({r["source"] for r in train_rows if r.get("source", "generated") != "generated"})
    scored: list[dict[str, Any]] = []
    for i, held in enumerate(writer_folds(writers, folds)):
        if only is not None and i + 1 not in only:
            continue
        print(f"fold {i + 1}/{folds}: without {', '.join(held)}", file=log, flush=True)
        with tempfile.TemporaryDirectory(prefix="sasaeai-oof-") as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            kept = [r for r in train_rows if r.get("source") not in held]
            (data / "train.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8"
            )
            shutil.copy(DATA_DIR / "dev.jsonl", data / "dev.jsonl")
            train(_load_ginza(), epochs=epochs, out_dir=Path(tmp) / "model", data_dir=data, log=log)
            rows = [r for r in train_rows if r.get("source") in held]
            scored += [s | {"fold": i + 1} for s in _views(Path(tmp) / "model", rows)]
    if only is None or 0 in only:
        dev = read_jsonl(DATA_DIR / "dev.jsonl")
        scored += [s | {"fold": 0} for s in _views(MODEL_DIR, dev)]
    out.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in scored), encoding="utf-8")
    print(f"wrote {len(scored)} out-of-fold scores to {out}", file=log, flush=True)
    return 0
