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

from spacy.lang.ja import JapaneseTokenizer
from spacy.language import Language
from spacy.tokens import Doc

from bot.nlp import dates
from bot.nlp.classifier import MODEL_DIR, Classifier, kana_reading, load_classifier
from bot.nlp.decision import Danger, Decision, danger, decide
from bot.nlp.masking import Masker
from bot.nlp.normalize import standard, width
from bot.nlp.safety import SafetyResult
from bot.nlp.safety import check as safety_check
from bot.nlp.types import HELP_LABELS, LABELS, Analysis

_URGENT = re.compile(r"今すぐ|至急|急ぎ|急いで|すぐに|すぐ来|早く|はよ|今日中|本日中|大至急|今日のうちに|なるべく早")
# An ask for help in the sentence that names the day: 明日のゴミ出してもらえんけ (the date of a chore asked for
# inside an emergency or a consultation), unlike 今日の昼に変な電話があった (when something happened).
_ASK = re.compile(
    r"(?:て|で)(?:ほしい|欲しい|もらえ|もらい|いただけ|いただき|頂け|頂き|ください|くれ|くだはら|貰え)|お願い|おねがい"
    r"|頼み|頼め|たのめ|たのみ|いません?か|おらんか|おられませんか|いらっしゃいませんか"
)
_SENTENCE = re.compile(r"[^。!?\n]+")
_CONTENT = re.compile(r"[0-9A-Za-z\u3041-\u30ff\u4e00-\u9fff]")


# GiNZA components the analyzer never uses; excluding them saves load time and memory.
_EXCLUDE = ["parser", "morphologizer", "compound_splitter", "bunsetu_recognizer"]


def _load_ginza() -> Language:
    import spacy

    with warnings.catch_warnings():
        # spaCy warns when a pipeline package was built with a different patch version; harmless here.
        warnings.filterwarnings("ignore", message=r".*\[W095\].*")
        nlp = spacy.load("ja_ginza", exclude=_EXCLUDE)
    # Split mode C makes the tokenizer also split every compound into its A and B units for the compound
    # splitter, which is excluded above: nothing reads them, and they cost about a third of tokenising.
    if isinstance(nlp.tokenizer, JapaneseTokenizer):
        nlp.tokenizer.need_subtokens = False
    return nlp


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
        return self.analyze_many([text], now)[0]

    def analyze_many(self, texts: Sequence[str], now: datetime) -> list[Analysis]:
        stds = [standard(t) for t in texts]
        idx = [i for i, s in enumerate(stds) if _CONTENT.search(s)]
        out: list[Analysis] = [self._blank(t) for t in texts]
        for i, (doc, cats, decision) in zip(idx, self._judge([stds[i] for i in idx]), strict=True):
            out[i] = self._analysis(texts[i], stds[i], doc, cats, decision, now)
        return out

    def mask(self, text: str) -> str:
        return self.masker.mask(text)

    def safety(self, text: str) -> Analysis | None:
        """Only an emergency or a consultation (possible or sure); None when the message is neither."""
        std = standard(text)
        if not _CONTENT.search(std):
            return None
        (doc, cats, decision), *_ = self._judge([std])
        if decision.label is None:
            return None
        return self._safety_analysis(text, std, doc, cats, decision, None)

    # -------------------------------------------------------------------------------- internals
    def _judge(self, stds: Sequence[str]) -> list[tuple[Doc, dict[str, float], Decision]]:
        return [(doc, cats, decide(rules, d)) for doc, cats, rules, d in self.score(stds)]

    def score(self, stds: Sequence[str]) -> list[tuple[Doc, dict[str, float], SafetyResult, Danger]]:
        """Each normalised message: its doc, the classifier's probabilities, the safety cues and the danger."""
        docs = [self.nlp.make_doc(s) for s in stds]
        readings = [kana_reading(doc) for doc in docs]
        out = []
        raws = self.classifier.cats_many(self.nlp, docs, readings)
        for s, doc, reading, raw in zip(stds, docs, readings, raws, strict=True):
            cats: dict[str, float] = {lab: float(raw.get(lab, 0.0)) for lab in LABELS}
            out.append((doc, cats, safety_check(s, reading), danger(cats)))
        return out

    def _blank(self, text: str) -> Analysis:
        # empty, or only emoji / stickers / punctuation: nothing to act on
        scores: dict[str, float] = {lab: float(lab == "not_request") for lab in LABELS}
        return Analysis("not_request", 1.0, scores, None, False, width(text), ())

    def _safety_analysis(
        self, text: str, std: str, doc: Doc, cats: dict[str, float], decision: Decision, now: datetime | None
    ) -> Analysis:
        label = decision.label or "consult"
        sure_cue = decision.cues and decision.cues[-1] != "model"
        urgent = label == "emergency" or "suicide" in decision.cues
        conf = 1.0 if sure_cue else max(cats[label], cats["emergency"] + cats["consult"])
        # a help request inside an emergency or a consultation keeps its wanted date
        when = dates.resolve(std, now) if now is not None else None
        if when is not None and not any(
            when.text in m.group(0) and _ASK.search(m.group(0)) for m in _SENTENCE.finditer(std)
        ):
            when = None
        return Analysis(
            label, conf, cats, when, urgent, self.masker.mask(text, doc), decision.cues, certain=decision.certain
        )

    def _analysis(
        self, text: str, std: str, doc: Doc, cats: dict[str, float], decision: Decision, now: datetime
    ) -> Analysis:
        if decision.label is not None:
            return self._safety_analysis(text, std, doc, cats, decision, now)
        # no danger: the best help label or not_request
        category = max((lab for lab in LABELS if lab not in ("emergency", "consult")), key=cats.__getitem__)
        when = dates.resolve(std, now) if category in HELP_LABELS else None
        urgent = category in HELP_LABELS and (
            bool(_URGENT.search(std)) or (when is not None and when.date == now.astimezone(dates.TZ).date().isoformat())
        )
        return Analysis(category, cats[category], cats, when, urgent, self.masker.mask(text, doc), ())


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
