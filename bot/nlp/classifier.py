"""The text classifier: a spaCy textcat with its own small tok2vec and a bag-of-words model.

It sits on GiNZA's SudachiPy tokens but never touches GiNZA's shared tok2vec (fine-tuning that would change
GiNZA's other annotations), so only the tokenizer and this component run to classify a message.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from bot.nlp.normalize import standard
from bot.nlp.types import LABELS

MODEL_DIR = Path(__file__).resolve().parent / "model"
DATA_DIR = Path(__file__).resolve().parent / "data"
COMPONENT = "sasaeai_textcat"
SEED = 7

TEXTCAT_CONFIG: dict[str, Any] = {
    "threshold": 0.5,
    "model": {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "nO": None,
        "linear_model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": True,
            "ngram_size": 2,
            "no_output_layer": False,
            "length": 2**14,
            "nO": None,
        },
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": 64,
                "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX"],
                "rows": [3000, 1500, 1000, 1500],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": 64,
                "window_size": 1,
                "maxout_pieces": 3,
                "depth": 2,
            },
        },
    },
}


def add_textcat(nlp: Language) -> TextCategorizer:
    if COMPONENT in nlp.pipe_names:
        pipe = nlp.get_pipe(COMPONENT)
    else:
        pipe = nlp.add_pipe("textcat", name=COMPONENT, config=TEXTCAT_CONFIG, last=True)
    assert isinstance(pipe, TextCategorizer)
    return pipe


def load_textcat(nlp: Language, model_dir: Path = MODEL_DIR) -> TextCategorizer:
    pipe = add_textcat(nlp)
    pipe.from_disk(model_dir / "textcat", exclude=["vocab"])
    return pipe


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_doc(nlp: Language, text: str) -> Doc:
    return nlp.make_doc(standard(text))


def _examples(nlp: Language, rows: Sequence[dict[str, Any]]) -> list[Example]:
    out = []
    for r in rows:
        if not r["text"].strip():
            continue
        doc = make_doc(nlp, r["text"])
        out.append(Example.from_dict(doc, {"cats": {lab: float(lab == r["label"]) for lab in LABELS}}))
    return out


def _accuracy(pipe: TextCategorizer, examples: Iterable[Example]) -> float:
    ok = n = 0
    for ex in examples:
        doc = pipe(ex.predicted.copy())
        gold = max(ex.reference.cats, key=ex.reference.cats.__getitem__)
        ok += max(doc.cats, key=doc.cats.__getitem__) == gold
        n += 1
    return ok / max(n, 1)


def train(
    nlp: Language,
    epochs: int = 14,
    out_dir: Path = MODEL_DIR,
    data_dir: Path = DATA_DIR,
    log: Any = sys.stderr,
) -> dict[str, Any]:
    """Train on train.jsonl, keep the epoch with the best dev accuracy, save under out_dir/textcat."""
    fix_random_seed(SEED)
    rng = random.Random(SEED)
    train_ex = _examples(nlp, read_jsonl(data_dir / "train.jsonl"))
    dev_ex = _examples(nlp, read_jsonl(data_dir / "dev.jsonl"))
    pipe = add_textcat(nlp)
    for lab in LABELS:
        pipe.add_label(lab)
    pipe.initialize(lambda: train_ex, nlp=nlp)
    optimizer = pipe.create_optimizer()
    best = (-1.0, 0)
    best_bytes = b""
    t0 = time.perf_counter()
    print(f"training textcat on {len(train_ex)} messages, dev {len(dev_ex)}, seed {SEED}", file=log, flush=True)
    for epoch in range(1, epochs + 1):
        rng.shuffle(train_ex)
        losses: dict[str, float] = {}
        batches = list(minibatch(train_ex, size=16))
        for i, batch in enumerate(batches, 1):
            pipe.update(batch, sgd=optimizer, losses=losses, drop=0.2)
            if i % 25 == 0 or i == len(batches):
                print(f"\r  epoch {epoch:2d} batch {i:3d}/{len(batches)} loss {losses[COMPONENT]:.3f}",
                      end="", file=log, flush=True)
        with pipe.model.use_params(optimizer.averages):
            acc = _accuracy(pipe, dev_ex)
            if acc > best[0]:
                best = (acc, epoch)
                best_bytes = pipe.model.to_bytes()
        print(f"  dev accuracy {acc:.4f}  ({time.perf_counter() - t0:.0f} s)", file=log, flush=True)
    pipe.model.from_bytes(best_bytes)
    out_dir.mkdir(parents=True, exist_ok=True)
    pipe.to_disk(out_dir / "textcat", exclude=["vocab"])
    meta = {"seed": SEED, "epochs": epochs, "best_epoch": best[1], "dev_accuracy": round(best[0], 4),
            "train_messages": len(train_ex), "labels": list(LABELS), "config": TEXTCAT_CONFIG}
    (out_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"saved {out_dir / 'textcat'} (best epoch {best[1]}, dev accuracy {best[0]:.4f})", file=log, flush=True)
    return meta
