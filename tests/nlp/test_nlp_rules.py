"""Every line of the safety rules file fires on its own example, through the whole check (guards included).

A cue that matches nothing is dead weight that hides what the rules really decide; a cue whose example is
set aside by the guards is not doing what its line says.
"""

from __future__ import annotations

import re

import pytest

from bot.nlp import Analyzer
from bot.nlp.classifier import kana_reading
from bot.nlp.normalize import standard
from bot.nlp.safety import CUES, RULES_FILE, WINDOWS, Cue, check


def _id(c: Cue) -> str:
    return f"{c.script}:{c.tag}:{c.pattern[:30]}"


def test_every_line_has_an_example() -> None:
    missing = [c.pattern for c in CUES if not c.example.strip()]
    assert not missing, f"{RULES_FILE.name}: lines without an example: {missing[:5]}"


def test_windows_are_named_not_numbers() -> None:
    # a window is one of the named constants, never a number written into a line
    raw = [c.pattern for c in CUES if re.search(r"\{\d+,\d+\}", c.pattern)]
    assert not raw, raw[:5]
    assert set(WINDOWS) >= {"ADJ", "NEAR", "CLAUSE", "SENTENCE"}


@pytest.mark.parametrize("cue", CUES, ids=_id)
def test_line_fires_on_its_example(analyzer: Analyzer, cue: Cue) -> None:
    std = standard(cue.example)
    target = kana_reading(analyzer.nlp.make_doc(std)) if cue.script == "kana" else std
    assert cue.regex.search(target) or cue.regex.search(re.sub(r"[。!?\n]+", "、", target).replace(" ", "")), (
        f"the pattern does not match its example: {target}"
    )
    result = check(std, kana_reading(analyzer.nlp.make_doc(std)))
    # a possible cue makes a possible emergency; a consultation cue may be outranked by an emergency cue
    expected = {"emergency": ("emergency",), "possible": ("emergency",), "consult": ("consult", "emergency")}
    assert result.label in expected[cue.label], result
    assert cue.tag in result.cues, result
    if cue.label == "emergency":
        assert result.certain, result
