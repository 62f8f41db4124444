"""Wanted dates resolved against a fixed now (Tuesday 2026-12-01 10:00 JST), as issue 3 lists them."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.nlp import Analyzer
from bot.nlp.dates import resolve
from bot.nlp.normalize import standard


@pytest.mark.parametrize(
    ("text", "date", "time", "part"),
    [
        ("明日の朝", "2026-12-02", None, "morning"),
        ("今週の金曜", "2026-12-04", None, None),
        ("来週の火曜", "2026-12-08", None, None),
        ("今度の日曜", "2026-12-06", None, None),
        ("12月15日", "2026-12-15", None, None),
        ("10日", "2026-12-10", None, None),
        # 1–6 o'clock without 午前 means the afternoon: help is wanted by day (docs/nlp.md)
        ("3時ごろ", "2026-12-01", "15:00", None),
        ("午前3時", "2026-12-02", "03:00", None),
        ("今日中", "2026-12-01", None, None),
        # one-finger typing with spaces, weekdays in kana, 明朝, Christmas (2026-12-01 is a Tuesday)
        ("らいしゅう の すいよう に きて", "2026-12-09", None, None),
        ("あした の あさ きて", "2026-12-02", None, "morning"),
        ("こんど の げつよう", "2026-12-07", None, None),
        ("明朝、除雪をお願いしたい", "2026-12-02", None, "morning"),
        ("クリスマス の ひ に きて", "2026-12-25", None, None),
        # the month named relatively, and Christmas Eve said as イブ
        ("来月3日の10時に病院", "2027-01-03", "10:00", None),
        ("今月15日までに", "2026-12-15", None, None),
        ("イブの夜に話し相手", "2026-12-24", None, "night"),
        ("ここ2日寝とって、明後日に買い物", "2026-12-03", None, None),
        ("あさって", "2026-12-03", None, None),
        ("明日の午後2時", "2026-12-02", "14:00", None),
        ("あしたのあさ", "2026-12-02", None, "morning"),
        ("らいしゅうのかようび", "2026-12-08", None, None),
        ("十五日", "2026-12-15", None, None),
        ("今晩", "2026-12-01", None, "night"),
        ("1月5日", "2027-01-05", None, None),
    ],
)
def test_wanted_date(text: str, date: str, time: str | None, part: str | None, now: datetime) -> None:
    w = resolve(standard(text), now)
    assert w is not None
    assert (w.date, w.time, w.part) == (date, time, part)


@pytest.mark.parametrize(
    "text", ["昨日", "先週から", "一昨日", "先週の金曜に転んだ", "3日前", "11月20日に", "昨日の3時ごろ"]
)
def test_past_is_not_a_wanted_date(text: str, now: datetime) -> None:
    assert resolve(standard(text), now) is None


@pytest.mark.parametrize("text", ["イブを買ってきて", "来月3日分の薬"])
def test_words_that_are_no_wanted_date(text: str, now: datetime) -> None:
    """イブ is also a painkiller's name; a supply for days is a duration."""
    assert resolve(standard(text), now) is None


def test_date_in_a_request(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("台所の電球が切れてしもうた。明日の朝替えてもらえんけ", now)
    assert a.category == "repair"
    assert a.when is not None and (a.when.date, a.when.part) == ("2026-12-02", "morning")
    assert not a.urgent


def test_today_is_urgent(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("今日中に灯油を運んでほしい", now)
    assert a.category == "moving" and a.urgent
    assert a.when is not None and a.when.date == "2026-12-01"


def test_past_problem_with_a_wanted_date(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("昨日から電気がつかんがや。あさって見てもらえんけ", now)
    assert a.when is not None and a.when.date == "2026-12-03"


def test_now_in_another_timezone_is_read_in_tokyo(analyzer: Analyzer) -> None:
    # 2026-11-30 20:00 UTC is already 2026-12-01 05:00 in Kanazawa
    from datetime import UTC

    a = analyzer.analyze("明日ゴミ出しお願い", datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert a.when is not None and a.when.date == "2026-12-02"
