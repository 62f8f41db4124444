"""`Analyzer`: one loaded GiNZA pipeline plus our classifier, turning a message into an `Analysis`.

Thread-unsafe by design (SudachiPy raises "Already borrowed" when one tokenizer is used from two threads):
the bot calls it from one dedicated worker. Costs per message: SudachiPy tokenisation (~0.1 ms), our two
textcat views (~1–2 ms), rules and dates (regexes), and GiNZA's NER only on a short window when masking
meets a name trigger its patterns cannot resolve (rare).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from bot.nlp import dates
from bot.nlp.classifier import MODEL_DIR, Classifier, kana_reading, load_classifier
from bot.nlp.masking import Masker
from bot.nlp.normalize import standard, width
from bot.nlp.safety import SafetyResult
from bot.nlp.safety import check as safety_check
from bot.nlp.types import HELP_LABELS, LABELS, Analysis

# Classifier-only safety: below a rule, the model may still see an emergency or a consultation the rules
# missed. These thresholds were set on the dev split and the hand-written sets (never on test).
EMERGENCY_FLOOR = 0.85
CONSULT_FLOOR = 0.60
_URGENT = re.compile(r"今すぐ|至急|急ぎ|急いで|すぐに|すぐ来|早く|はよ|今日中|本日中|大至急|今日のうちに|なるべく早")
_CONTENT = re.compile(r"[0-9A-Za-z\u3041-\u30ff\u4e00-\u9fff]")


# GiNZA components the analyzer never uses; excluding them saves load time and memory.
_EXCLUDE = ["parser", "morphologizer", "compound_splitter", "bunsetu_recognizer"]


def _load_ginza() -> Language:
    import spacy

    with warnings.catch_warnings():
        # spaCy warns when a pipeline package was built with a different patch version; harmless here.
        warnings.filterwarnings("ignore", message=r".*\[W095\].*")
        return spacy.load("ja_ginza", exclude=_EXCLUDE)


class Analyzer:
    def __init__(self, nlp: Language, classifier: Classifier, masker: Masker) -> None:
        self.nlp = nlp
        self.classifier = classifier
        self.masker = masker

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR, use_ner: bool = True) -> Analyzer:
        nlp = _load_ginza()
        return cls(nlp, load_classifier(nlp, model_dir), Masker(nlp, use_ner=use_ner))

    # -------------------------------------------------------------------------------- public
    def analyze(self, text: str, now: datetime) -> Analysis:
        std = standard(text)
        if not _CONTENT.search(std):
            return self._blank(text)
        doc = self.nlp.make_doc(std)
        return self._decide(text, std, doc, self.classifier.cats(self.nlp, doc), now)

    def analyze_many(self, texts: Sequence[str], now: datetime) -> list[Analysis]:
        stds = [standard(t) for t in texts]
        idx = [i for i, s in enumerate(stds) if _CONTENT.search(s)]
        docs = [self.nlp.make_doc(stds[i]) for i in idx]
        cats = self.classifier.cats_many(self.nlp, docs)
        out: list[Analysis] = [self._blank(t) for t in texts]
        for i, doc, c in zip(idx, docs, cats, strict=True):
            out[i] = self._decide(texts[i], stds[i], doc, c, now)
        return out

    def mask(self, text: str) -> str:
        return self.masker.mask(text)

    def safety(self, text: str) -> Analysis | None:
        """Only an emergency or a consultation (rules, then the classifier's view); None otherwise."""
        std = standard(text)
        if not _CONTENT.search(std):
            return None
        doc = self.nlp.make_doc(std)
        rules = safety_check(std, kana_reading(doc))
        if rules.label is None:
            cats = self.classifier.cats(self.nlp, doc)
            label = self._model_safety(cats, rules)
            if label is None:
                return None
            return self._safety_analysis(text, label, ("model",), cats)
        return self._safety_analysis(text, rules.label, rules.cues, None)

    # -------------------------------------------------------------------------------- internals
    def _blank(self, text: str) -> Analysis:
        # empty, or only emoji / stickers / punctuation: nothing to act on
        scores = {lab: float(lab == "not_request") for lab in LABELS}
        return Analysis("not_request", 1.0, scores, None, False, width(text), ())

    @staticmethod
    def _model_safety(cats: dict[str, float], rules: SafetyResult) -> str | None:
        top = max(cats, key=cats.__getitem__)
        if cats["emergency"] >= EMERGENCY_FLOOR and top == "emergency" and not rules.suppressed:
            return "emergency"
        if cats["consult"] >= CONSULT_FLOOR and top == "consult":
            return "consult"
        return None

    def _safety_analysis(
        self, text: str, label: str, cues: tuple[str, ...], scores: dict[str, float] | None
    ) -> Analysis:
        if scores is None:
            scores = {lab: float(lab == label) for lab in LABELS}
        urgent = label == "emergency" or "suicide" in cues
        conf = 1.0 if cues != ("model",) else scores[label]
        return Analysis(label, conf, scores, None, urgent, self.masker.mask(text), cues)

    def _decide(self, text: str, std: str, doc: Doc, raw: dict[str, float], now: datetime) -> Analysis:
        cats = {lab: float(raw.get(lab, 0.0)) for lab in LABELS}
        rules = safety_check(std, kana_reading(doc))
        if rules.label is not None:
            return self._safety_analysis(text, rules.label, rules.cues, cats)
        label = self._model_safety(cats, rules)
        if label is not None:
            return self._safety_analysis(text, label, ("model",), cats)
        # no safety cue: the best non-safety label (the rules decide emergencies the model alone half-sees)
        category = max((lab for lab in LABELS if lab not in ("emergency", "consult")), key=cats.__getitem__)
        when = dates.resolve(std, now) if category in HELP_LABELS else None
        urgent = category in HELP_LABELS and (
            bool(_URGENT.search(std)) or (when is not None and when.date == now.astimezone(dates.TZ).date().isoformat())
        )
        return Analysis(category, cats[category], cats, when, urgent, self.masker.mask(text), ())


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    global _default
    if _default is None:
        _default = Analyzer.load()
    return _default


def analyze(text: str, now: datetime) -> Analysis:
    """Module-level convenience over a lazily loaded default `Analyzer` (one per process)."""
    return default_analyzer().analyze(text, now)


__all__ = ["Analyzer", "analyze", "default_analyzer"]
