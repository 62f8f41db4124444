"""The interface the bot calls: Analyzer, analyze_many, safety, mask, module-level analyze, JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import bot.nlp
from bot.nlp import LABELS, Analysis, Analyzer, When

ROOT = Path(__file__).resolve().parents[2]


def test_exports() -> None:
    for name in ("Analysis", "When", "LABELS", "HELP_LABELS", "SAFETY_LABELS", "Analyzer", "analyze"):
        assert hasattr(bot.nlp, name)


def test_analysis_shape(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("北村です。電話は090-1234-5678。明日の朝、雪すかしお願いします", now)
    assert isinstance(a, Analysis) and a.category == "snow" and a.is_help
    assert set(a.scores) == set(LABELS) and abs(sum(a.scores.values()) - 1) < 1e-3
    assert 0 <= a.confidence <= 1
    assert a.when == When(date="2026-12-02", time=None, part="morning", text="明日の朝")
    assert "北村" not in a.masked and "090" not in a.masked
    assert a.cues == ()
    j = a.to_json()
    assert set(j) == {"category", "confidence", "when", "urgent", "masked"}


def test_many_equals_one_by_one(analyzer: Analyzer, now: datetime) -> None:
    texts = ["ゆきすかし たのめんけ", "", "転んで起きられない", "あんやと", "来週の火曜、病院に付き添ってほしい"]
    many = analyzer.analyze_many(texts, now)
    one = [analyzer.analyze(t, now) for t in texts]
    assert [m.category for m in many] == [o.category for o in one]
    assert [m.when for m in many] == [o.when for o in one]
    for m, o in zip(many, one, strict=True):
        assert abs(m.confidence - o.confidence) < 1e-4


def test_module_level_analyze(analyzer: Analyzer, now: datetime) -> None:
    assert bot.nlp.analyze("ゴミ出しお願い", now).category == "garbage"


def test_blank_is_not_request(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("　 ", now)
    assert a.category == "not_request" and a.when is None and not a.urgent


def test_classify_cli_streams_one_json_line_per_input_line() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.nlp", "classify", "--now", "2026-12-01T10:00:00+09:00"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    # one line in, one line out before stdin is closed: the command flushes per message
    proc.stdin.write("台所の電球が切れてしもうた。明日の朝替えてもらえんけ\n".encode())
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())
    assert first["category"] == "repair"
    assert first["when"] == {"date": "2026-12-02", "time": None, "part": "morning", "text": "明日の朝"}
    out, err = proc.communicate("\nころんでたてない　たすけて\n田中です 090-1111-2222\n".encode(), timeout=60)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 0, err.decode()
    assert [x["category"] for x in lines[:2]] == ["not_request", "emergency"]
    assert lines[1]["urgent"] is True and lines[1]["when"] is None
    assert "田中" not in lines[2]["masked"] and "1111" not in lines[2]["masked"]
    assert len(lines) == 3


def test_kana_readings_are_the_same_from_the_cache(analyzer: Analyzer) -> None:
    """Readings are cached by morphological analysis: a message read twice, or after the cache was
    emptied, reads the same (電球 as でんきゅう, so the kana view sees hiragana and kanji alike)."""
    from bot.nlp import classifier

    doc = analyzer.nlp.make_doc("電球が切れたので、明日交換してほしいです")
    first = classifier.kana_reading(doc)
    assert "でんきゅう" in first
    assert classifier.kana_reading(doc) == first
    classifier._READINGS.clear()
    assert classifier.kana_reading(doc) == first
