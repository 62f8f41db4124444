"""Scores the analyzer on a split: per-label P/R/F1, confusion matrix, safety errors, dates, masking."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.nlp.analyzer import Analyzer
from bot.nlp.classifier import DATA_DIR, read_jsonl
from bot.nlp.normalize import width
from bot.nlp.types import HELP_LABELS, LABELS, SAFETY_LABELS

_SHORT = {lab: lab[:5] for lab in LABELS}
_SHORT.update(
    {
        "companionship": "compa",
        "cleaning": "clean",
        "emergency": "EMERG",
        "consult": "CONSU",
        "not_request": "none",
        "other_help": "other",
        "paperwork": "paper",
        "shopping": "shopp",
    }
)


def _is_phone(s: str) -> bool:
    return sum(c.isdigit() for c in width(s)) >= 9 and "丁目" not in s


def _is_address(s: str) -> bool:
    return any(k in s for k in ("丁目", "番", "号", "-")) and not _is_phone(s)


def is_place(s: str) -> bool:
    """A town of Kanazawa said alone (寺町, 泉が丘): where, not who. Writers listed some as personal data; the
    group post names the town on purpose (a supporter needs to know where), so it is not counted as surviving."""
    from bot.nlp.data.answers import TOWNS

    return s in TOWNS or re.fullmatch(r"[\u4e00-\u9fffぁ-ん]{1,5}(?:町|が丘|ヶ丘|ケ丘|台)", s) is not None


def evaluate(
    analyzer: Analyzer, split: str = "test", data_dir: Path = DATA_DIR, writers: Collection[str] | None = None
) -> dict[str, Any]:
    """`writers`: only these writers' messages of the split (a round's first scoring, before it is mixed in)."""
    rows = read_jsonl(data_dir / f"{split}.jsonl")
    if writers is not None:
        rows = [r for r in rows if r["source"] in writers]
        if not rows:
            raise ValueError(f"no message of {', '.join(sorted(writers))} in the {split} split")
    conf: Counter[tuple[str, str]] = Counter()
    date_ok = when_ok = dated = dated_ok = 0
    survived: Counter[str] = Counter()
    pii_total: Counter[str] = Counter()
    places = 0  # town names listed as personal data: reported, not counted (see is_place)
    errors: list[str] = []
    kinds: Counter[str] = Counter()
    kinds_caught: Counter[str] = Counter()
    for r in rows:
        a = analyzer.analyze(r["text"], datetime.fromisoformat(r["now"]))
        gold, pred = r["label"], a.category
        conf[gold, pred] += 1
        if gold in SAFETY_LABELS:
            kind = f"{gold}:{r.get('kind') or '?'}"
            kinds[kind] += 1
            # an emergency counts as caught only as an emergency; a consultation is caught when kept from
            # volunteers (consult, or the more cautious emergency)
            kinds_caught[kind] += pred == "emergency" if gold == "emergency" else pred in SAFETY_LABELS
        if gold != pred:
            tag = " (possible)" if pred == "emergency" and not a.certain else ""
            errors.append(f"{gold:>13} → {pred:<13} {r['text'][:70]}{tag}")
        gw, pw = r["when"], a.when
        g_date = gw["date"] if gw else None
        p_date = pw.date if pw else None
        date_ok += g_date == p_date
        when_ok += (
            (gw is None and pw is None)
            or (r.get("when_partial") and gw is not None and pw is not None and gw["date"] == pw.date)
            or (
                gw is not None
                and pw is not None
                and (gw["date"], gw["time"], gw["part"]) == (pw.date, pw.time, pw.part)
            )
        )
        if gw:
            dated += 1
            dated_ok += g_date == p_date
        if g_date != p_date:
            errors.append(
                f"  date: gold {g_date} got {p_date} ({pw.text if pw else ''}) now {r['now'][:16]} {r['text'][:60]}"
            )
        for p in r.get("pii") or []:
            kind = "phone" if _is_phone(p) else "address" if _is_address(p) else "name"
            if kind == "name" and is_place(p):
                places += 1
                continue
            pii_total[kind] += 1
            # a surname inside a longer word (東 in 東京) is not the name surviving
            alone = rf"(?<![\u4e00-\u9fff]){re.escape(width(p))}(?![\u4e00-\u9fff])"
            if (p in a.masked and kind != "name") or re.search(alone, a.masked):
                survived[kind] += 1
                errors.append(f"  PII survived ({kind}): {p} in {a.masked[:70]}")
    n = len(rows)
    per_label = {}
    for lab in LABELS:
        tp = conf[lab, lab]
        fp = sum(conf[g, lab] for g in LABELS if g != lab)
        fn = sum(conf[lab, p] for p in LABELS if p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_label[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    em_total = sum(conf["emergency", p] for p in LABELS)
    ordinary = [g for g in LABELS if g not in SAFETY_LABELS]
    ordinary_total = sum(conf[g, p] for g in ordinary for p in LABELS)
    help_total = sum(conf[g, p] for g in HELP_LABELS for p in LABELS)
    return {
        "split": split,
        "messages": n,
        "accuracy": sum(conf[lab, lab] for lab in LABELS) / n,
        "per_label": per_label,
        "confusion": {g: {p: conf[g, p] for p in LABELS} for g in LABELS},
        "emergency_recall": conf["emergency", "emergency"] / em_total if em_total else 1.0,
        "safety_to_help": sum(conf[g, p] for g in SAFETY_LABELS for p in HELP_LABELS),
        # what reaches volunteers or is dropped although it was an emergency or a consultation
        "safety_leaks": sum(conf[g, p] for g in SAFETY_LABELS for p in (*HELP_LABELS, "not_request")),
        "help_called_emergency": sum(conf[g, "emergency"] for g in HELP_LABELS) / help_total if help_total else 0.0,
        "ordinary_called_emergency": (
            sum(conf[g, "emergency"] for g in ordinary) / ordinary_total if ordinary_total else 0.0
        ),
        "ordinary_kept_from_volunteers": (
            sum(conf[g, p] for g in ordinary for p in SAFETY_LABELS) / ordinary_total if ordinary_total else 0.0
        ),
        "kinds": {k: (kinds_caught[k], kinds[k]) for k in sorted(kinds)},
        "date_accuracy": date_ok / n,
        "date_accuracy_dated": dated_ok / dated if dated else 1.0,
        "dated_messages": dated,
        "when_exact": when_ok / n,
        "pii_total": dict(pii_total),
        "pii_survived": dict(survived),
        "pii_places_kept": places,
        "errors": errors,
    }


def report(res: dict[str, Any]) -> str:
    out = [
        f"split {res['split']}: {res['messages']} messages",
        "",
        f"{'label':<14}{'prec':>7}{'rec':>7}{'f1':>7}{'n':>6}",
    ]
    for lab, m in res["per_label"].items():
        out.append(f"{lab:<14}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}{m['support']:6d}")
    out += ["", "confusion (rows gold, columns predicted):", " " * 14 + "".join(f"{_SHORT[p]:>6}" for p in LABELS)]
    for g in LABELS:
        out.append(f"{g:<14}" + "".join(f"{res['confusion'][g][p]:6d}" for p in LABELS))
    out += [
        "",
        f"accuracy                      {res['accuracy']:.4f}",
        f"emergency recall              {res['emergency_recall']:.4f}",
        f"emergency/consult → help      {res['safety_to_help']}",
        f"emergency/consult → help/none {res['safety_leaks']}",
        f"help called emergency         {res['help_called_emergency']:.4f}",
        f"help/none called emergency    {res['ordinary_called_emergency']:.4f}",
        f"help/none kept from volunteers {res['ordinary_kept_from_volunteers']:.4f}",
        f"date accuracy (all messages)  {res['date_accuracy']:.4f}",
        f"date accuracy (gold dated)    {res['date_accuracy_dated']:.4f}  ({res['dated_messages']} messages)",
        f"when exact (date+time+part)   {res['when_exact']:.4f}",
        f"personal data in masked text  {res['pii_survived'] or 'none'} survived of {res['pii_total']}"
        f" ({res['pii_places_kept']} town names listed by writers kept on purpose)",
    ]
    if res["kinds"]:
        out += ["", "recall by kind (emergency: caught as emergency; consult: kept from volunteers):"]
        for k, (caught, total) in res["kinds"].items():
            out.append(f"  {k:<28}{caught:4d} / {total:<4d} {caught / total:.3f}")
    if res["errors"]:
        out += ["", "errors:"] + res["errors"]
    return "\n".join(out)
