"""`python -m bot.nlp tune`: how the decision thresholds trade missed emergencies against false alarms.

Scores every message of a split once, then replays the decision step (`decision.decide`) for each candidate
threshold, so the table shows what each choice would have done. Run it on the dev writers only: the test
and hold-out writers are never used for a choice (docs/nlp.md, "Deciding").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.nlp.analyzer import Analyzer
from bot.nlp.classifier import DATA_DIR, read_jsonl
from bot.nlp.decision import THRESHOLDS, Danger, Thresholds, danger, decide
from bot.nlp.normalize import standard
from bot.nlp.safety import SafetyResult
from bot.nlp.types import HELP_LABELS, LABELS, SAFETY_LABELS


@dataclass(frozen=True, slots=True)
class Scored:
    gold: str
    cats: dict[str, float]
    rules: SafetyResult
    danger: Danger


@dataclass(frozen=True, slots=True)
class Outcome:
    thresholds: Thresholds
    emergencies_missed: int
    leaks: int  # emergency/consult to a help label or not_request
    help_called_emergency: float
    ordinary_called_emergency: float
    accuracy: float


def score_split(analyzer: Analyzer, split: str, data_dir: Path = DATA_DIR) -> list[Scored]:
    rows = read_jsonl(data_dir / f"{split}.jsonl")
    stds = [standard(r["text"]) for r in rows]
    out = []
    for r, (_doc, cats, rules, d) in zip(rows, analyzer.score(stds), strict=True):
        out.append(Scored(r["label"], cats, rules, d))
    return out


def replay(scored: list[Scored], t: Thresholds) -> Outcome:
    missed = leaks = ok = help_n = help_em = ord_n = ord_em = 0
    for s in scored:
        dec = decide(s.rules, s.danger, t)
        pred: str = dec.label or max((lab for lab in LABELS if lab not in SAFETY_LABELS), key=s.cats.__getitem__)
        ok += pred == s.gold
        missed += s.gold == "emergency" and pred != "emergency"
        leaks += s.gold in SAFETY_LABELS and pred not in SAFETY_LABELS
        if s.gold not in SAFETY_LABELS:
            ord_n += 1
            ord_em += pred == "emergency"
            if s.gold in HELP_LABELS:
                help_n += 1
                help_em += pred == "emergency"
    n = len(scored)
    return Outcome(t, missed, leaks, help_em / max(help_n, 1), ord_em / max(ord_n, 1), ok / max(n, 1))


GRID: dict[str, tuple[float, ...]] = {
    "possible_emergency": (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6),
    "set_aside_emergency": (0.3, 0.45, 0.6, 0.8),
    "keep_from_volunteers": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.6),
    "chore_sure": (0.4, 0.5, 0.6, 0.7, 1.01),
    "chore_emergency": (0.25, 0.3, 0.4, 0.5),
}


# The gates against the possible-emergency floor, the other thresholds as shipped: a clear chore or clear small
# talk with only a faint danger is not a possible emergency (decision.py).
GATES: dict[str, tuple[float, ...]] = {
    "possible_emergency": (0.05, 0.08, 0.1, 0.12, 0.15, 0.2),
    "chore_sure": (0.5, 0.6, 0.7, 1.01),
    "chore_emergency": (0.2, 0.25, 0.3, 0.4),
    "chat_sure": (0.5, 0.6, 0.7, 0.8, 0.85, 1.01),
    "chat_emergency": (0.1, 0.15, 0.2, 0.3, 0.4),
}


def sweep_gates(scored: list[Scored]) -> list[Outcome]:
    names = list(GATES)
    outs = []
    for values in itertools.product(*(GATES[n] for n in names)):
        t = replace(THRESHOLDS, **dict(zip(names, values, strict=True)))
        if (t.chore_sure > 1 and t.chore_emergency != GATES["chore_emergency"][0]) or (
            t.chat_sure > 1 and t.chat_emergency != GATES["chat_emergency"][0]
        ):
            continue  # a gate that is off: its ceiling does not matter
        outs.append(replay(scored, t))
    return outs


def sweep(scored: list[Scored]) -> list[Outcome]:
    names = list(GRID)
    outs = []
    for values in itertools.product(*(GRID[n] for n in names)):
        t = replace(THRESHOLDS, **dict(zip(names, values, strict=True)))
        if t.set_aside_emergency < t.possible_emergency:
            continue
        if t.chore_sure > 1 and t.chore_emergency != GRID["chore_emergency"][0]:
            continue  # the chore gate is off: its ceiling does not matter
        outs.append(replay(scored, t))
    return outs


def _row(o: Outcome) -> str:
    t = o.thresholds
    return (
        f"{t.possible_emergency:9.2f}{t.set_aside_emergency:10.2f}{t.keep_from_volunteers:6.2f}"
        f"{o.emergencies_missed:8d}{o.leaks:7d}{o.help_called_emergency:9.3f}"
        f"{o.ordinary_called_emergency:9.3f}{o.accuracy:7.3f}"
        + (f"  chore ≥ {t.chore_sure:.2f} under {t.chore_emergency:.2f}" if t.chore_sure <= 1 else "")
        + (f"  chat ≥ {t.chat_sure:.2f} under {t.chat_emergency:.2f}" if t.chat_sure <= 1 else "")
    )


def report(analyzer: Analyzer, split: str = "dev") -> str:
    scored = score_split(analyzer, split)
    head = f"{'possible':>9}{'set aside':>10}{'keep':>6}{'missed':>8}{'leaks':>7}{'help→em':>9}{'none→em':>9}{'acc':>7}"
    lines = [f"split {split}: {len(scored)} messages", "", "the shipped thresholds:", head]
    lines.append(_row(replay(scored, THRESHOLDS)))
    lines += ["", "possible_emergency alone, the others as shipped:", head]
    for p in GRID["possible_emergency"]:
        t = replace(THRESHOLDS, possible_emergency=p, set_aside_emergency=max(p, THRESHOLDS.set_aside_emergency))
        lines.append(_row(replay(scored, t)))
    outs = sorted(sweep(scored), key=_by_costs)
    lines += ["", "every combination, best first by the costs:", head]
    lines += [_row(o) for o in outs[:15]]
    return "\n".join(lines)


def misses(analyzer: Analyzer, split: str = "dev") -> list[dict[str, Any]]:
    """Emergencies and consultations the current thresholds would leak, with their scores (for reading)."""
    rows = read_jsonl(DATA_DIR / f"{split}.jsonl")
    out = []
    for r, s in zip(rows, score_split(analyzer, split), strict=True):
        dec = decide(s.rules, s.danger)
        if s.gold in SAFETY_LABELS and dec.label != s.gold:
            out.append({"text": r["text"], "gold": s.gold, "got": dec.label, "danger": s.danger})
    return out


# The word view's weight against the kana view, replayed on the out-of-fold scores (bot/nlp/crossval.py).
WORD_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def score_oof(word_weight: float, path: Path | None = None) -> list[Scored]:
    """The out-of-fold rows with the two views mixed at `word_weight`; the cues read afresh."""
    from bot.nlp.analyzer import _load_ginza
    from bot.nlp.classifier import kana_reading
    from bot.nlp.crossval import OOF_PATH
    from bot.nlp.safety import check as safety_check

    rows = read_jsonl(path or OOF_PATH)
    nlp = _load_ginza()
    out = []
    for r in rows:
        std = standard(r["text"])
        rules = safety_check(std, kana_reading(nlp.make_doc(std)))
        w = word_weight
        cats: dict[str, float] = {lab: w * r["words"][lab] + (1 - w) * r["kana"][lab] for lab in LABELS}
        out.append(Scored(r["gold"], cats, rules, danger(cats)))
    return out


def _by_costs(o: Outcome) -> tuple[int, int, float, float]:
    # the costs, in order: a missed emergency, then a leak, then a false alarm, then accuracy
    return (o.emergencies_missed, o.leaks, o.ordinary_called_emergency, -o.accuracy)


def oof_report(path: Path | None = None) -> str:
    head = f"{'possible':>9}{'set aside':>10}{'keep':>6}{'missed':>8}{'leaks':>7}{'help→em':>9}{'none→em':>9}{'acc':>7}"
    lines: list[str] = []
    from bot.nlp.classifier import WORD_WEIGHT

    scored = score_oof(WORD_WEIGHT, path)
    gates = sorted(sweep_gates(scored), key=_by_costs)
    lines += [f"the gates at the shipped word weight {WORD_WEIGHT:.1f}, best first by the costs:", head]
    lines += [_row(o) for o in gates[:15]]
    for w in WORD_WEIGHTS:
        scored = score_oof(w, path)
        n_em = sum(s.gold == "emergency" for s in scored)
        lines += ["", f"word weight {w:.1f} ({len(scored)} messages of the train and dev writers, {n_em} emergencies)"]
        lines += ["the shipped thresholds:", head, _row(replay(scored, THRESHOLDS))]
        outs = sorted(sweep(scored), key=_by_costs)
        lines += ["best by the costs:", head] + [_row(o) for o in outs[:5]]
    return "\n".join(lines).lstrip()
