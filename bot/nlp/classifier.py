"""The text classifier: a spaCy textcat with its own small tok2vec and a bag-of-words model.

It sits on GiNZA's SudachiPy tokens but never touches GiNZA's shared tok2vec (fine-tuning that would change
GiNZA's other annotations), so only the tokenizer and this component run to classify a message.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import fix_random_seed

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
                # ja_ginza's 20,000 x 300 static word vectors: words the training data never had still
                # land near the ones it had (倒れている near 転倒, 意識 near 反応)
                "include_static_vectors": True,
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


# The second view: character 1–3-grams of the message's hiragana reading, so 電球 and でんきゅう look alike
# and words the first view never saw still share characters with ones it did.
KANA_COMPONENT = "sasaeai_textcat_kana"
KANA_CONFIG: dict[str, Any] = {
    "threshold": 0.5,
    "model": {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "nO": None,
        "linear_model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": True,
            "ngram_size": 3,
            "no_output_layer": False,
            "length": 2**15,
            "nO": None,
        },
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": 48,
                "attrs": ["ORTH"],
                "rows": [2000],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": 48,
                "window_size": 2,
                "maxout_pieces": 3,
                "depth": 2,
            },
        },
    },
}
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")


# A token's hiragana reading by its morphological analysis (whose hash includes the reading): parsing the
# analysis and converting it cost ~0.6 ms a message, a third of tokenising. Bounded: cleared when full.
_READINGS: dict[int, str | None] = {}
_READINGS_MAX = 50_000


def _hiragana(s: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group(0)) - 0x60), s)


def kana_reading(doc: Doc) -> str:
    """The hiragana reading of a tokenised message (SudachiPy readings; other characters kept)."""
    out = []
    for tok in doc:
        key = hash(tok.morph)  # the analysis' key in the vocab's morphology table
        if key in _READINGS:
            r = _READINGS[key]
        else:
            reading = tok.morph.get("Reading", [])
            r = _hiragana(reading[0]) if reading else None
            if len(_READINGS) >= _READINGS_MAX:
                _READINGS.clear()
            _READINGS[key] = r
        out.append((r if r is not None else _hiragana(tok.text)) + tok.whitespace_)
    return "".join(out)


def kana_doc(nlp: Language, doc: Doc, reading: str | None = None) -> Doc:
    """The kana view's input: one token per character of the reading (`reading` when the caller has it)."""
    chars = [c for c in (kana_reading(doc) if reading is None else reading) if not c.isspace()]
    return Doc(nlp.vocab, words=chars or [" "])


# How much the word view counts against the kana view. Chosen on the dev writers (docs/nlp.md): at 0.5
# the kana view's character n-grams called polite letters and short replies emergencies (help called
# emergency 2.2% on dev); at 0.8, 1.1% with no emergency missed.
WORD_WEIGHT = 0.8


@dataclass
class Classifier:
    """Both views; the probabilities are a weighted mean (WORD_WEIGHT)."""

    words: TextCategorizer
    kana: TextCategorizer

    def cats(self, nlp: Language, doc: Doc) -> dict[str, float]:
        return self.cats_many(nlp, [doc])[0]

    def cats_many(
        self, nlp: Language, docs: list[Doc], readings: Sequence[str] | None = None
    ) -> list[dict[str, float]]:
        """`readings`: each doc's `kana_reading`, when the caller already made it (the safety rules use it too)."""
        wa = [d.cats for d in self.words.pipe(docs, batch_size=64)]
        kds = (kana_doc(nlp, d, readings[i] if readings is not None else None) for i, d in enumerate(docs))
        kb = [d.cats for d in self.kana.pipe(kds, batch_size=64)]
        w = WORD_WEIGHT
        return [{lab: w * a[lab] + (1 - w) * b[lab] for lab in a} for a, b in zip(wa, kb, strict=True)]


def add_textcat(nlp: Language, name: str = COMPONENT, config: dict[str, Any] = TEXTCAT_CONFIG) -> TextCategorizer:
    if name in nlp.pipe_names:
        pipe = nlp.get_pipe(name)
    else:
        pipe = nlp.add_pipe("textcat", name=name, config=config, last=True)
    assert isinstance(pipe, TextCategorizer)
    return pipe


def load_classifier(nlp: Language, model_dir: Path = MODEL_DIR) -> Classifier:
    words = add_textcat(nlp)
    words.from_disk(model_dir / "textcat", exclude=["vocab"])
    kana = add_textcat(nlp, KANA_COMPONENT, KANA_CONFIG)
    kana.from_disk(model_dir / "textcat_kana", exclude=["vocab"])
    return Classifier(words, kana)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_doc(nlp: Language, text: str) -> Doc:
    return nlp.make_doc(standard(text))


# A message from an independent writer counts this many times in training: our generator's rows share
# phrases and would otherwise drown the few hundred ways real people put things.
WRITER_WEIGHT = 3


def _examples(
    nlp: Language, rows: Sequence[dict[str, Any]], kana: bool = False, weighted: bool = False
) -> list[Example]:
    out = []
    for r in rows:
        if not r["text"].strip():
            continue
        doc = make_doc(nlp, r["text"])
        if kana:
            doc = kana_doc(nlp, doc)
        ex = Example.from_dict(doc, {"cats": {lab: float(lab == r["label"]) for lab in LABELS}})
        copies = WRITER_WEIGHT if weighted and r.get("source", "generated") != "generated" else 1
        out += [ex] * copies
    return out


def _accuracy(pipe: TextCategorizer, examples: Iterable[Example]) -> float:
    ok = n = 0
    for ex in examples:
        doc = pipe(ex.predicted.copy())
        gold = max(ex.reference.cats, key=ex.reference.cats.__getitem__)
        ok += max(doc.cats, key=doc.cats.__getitem__) == gold
        n += 1
    return ok / max(n, 1)


def _train_view(
    nlp: Language, name: str, config: dict[str, Any], kana: bool, epochs: int, data_dir: Path, log: Any
) -> tuple[TextCategorizer, float, int]:
    fix_random_seed(SEED)
    rng = random.Random(SEED)
    train_ex = _examples(nlp, read_jsonl(data_dir / "train.jsonl"), kana, weighted=True)
    dev_ex = _examples(nlp, read_jsonl(data_dir / "dev.jsonl"), kana)
    pipe = add_textcat(nlp, name, config)
    for lab in LABELS:
        pipe.add_label(lab)
    pipe.initialize(lambda: train_ex, nlp=nlp)
    optimizer = pipe.create_optimizer()
    best = (-1.0, 0)
    best_bytes = b""
    t0 = time.perf_counter()
    print(f"training {name} on {len(train_ex)} messages, dev {len(dev_ex)}, seed {SEED}", file=log, flush=True)
    for epoch in range(1, epochs + 1):
        rng.shuffle(train_ex)
        losses: dict[str, float] = {}
        batches = [train_ex[i : i + 16] for i in range(0, len(train_ex), 16)]
        for batch in batches:
            pipe.update(batch, sgd=optimizer, losses=losses, drop=0.2)
        with pipe.model.use_params(optimizer.averages):
            acc = _accuracy(pipe, dev_ex)
            if acc > best[0]:
                best = (acc, epoch)
                best_bytes = pipe.model.to_bytes()
        print(
            f"  epoch {epoch:2d}/{epochs}  loss {losses[name]:8.3f}  dev accuracy {acc:.4f}"
            f"  ({time.perf_counter() - t0:.0f} s)",
            file=log,
            flush=True,
        )
    pipe.model.from_bytes(best_bytes)
    return pipe, best[0], best[1]


def train(
    nlp: Language,
    epochs: int = 14,
    out_dir: Path = MODEL_DIR,
    data_dir: Path = DATA_DIR,
    log: Any = sys.stderr,
) -> dict[str, Any]:
    """Train both views on train.jsonl, each keeping its best dev epoch; save under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"seed": SEED, "epochs": epochs, "labels": list(LABELS)}
    for name, config, kana, sub in (
        (COMPONENT, TEXTCAT_CONFIG, False, "textcat"),
        (KANA_COMPONENT, KANA_CONFIG, True, "textcat_kana"),
    ):
        pipe, acc, epoch = _train_view(nlp, name, config, kana, epochs, data_dir, log)
        pipe.to_disk(out_dir / sub, exclude=["vocab"])
        meta[sub] = {"best_epoch": epoch, "dev_accuracy": round(acc, 4), "config": config}
        print(f"saved {out_dir / sub} (best epoch {epoch}, dev accuracy {acc:.4f})", file=log, flush=True)
    (out_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return meta
