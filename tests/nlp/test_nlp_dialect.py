"""Kanazawa dialect, hiragana-only writing, voice input and polite letters."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.nlp import Analyzer
from bot.nlp.normalize import standard


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ゆきすかし たのめんけ", "snow"),
        ("けいこうとうがつかん", "repair"),
        ("でんきゅうがきれた　こうかんたのめんけ", "repair"),
        ("あんやと、きのどくなことでした", "not_request"),
        ("だんない だんない", "not_request"),
        ("灯油が重くて運べんがや ストーブまで運んでくれまっし", "moving"),
        ("びょういんに　つきそってほしい", "escort"),
        ("てがみがよめん", "paperwork"),
        ("てれびがうつらん", "device"),
        ("えーと あしたの朝 ゴミ出してもらえんけ 膝が痛うて", "garbage"),
        pytest.param(
            "拝啓　寒さが厳しくなってまいりました。さて、お恥ずかしい話ですが物置の戸が外れてしまい、"
            "一人では直せずに困っております。お手すきの折にお力をお貸しいただけましたら幸いです。敬具",
            "repair",
            # A false alarm the costs accept (p(repair) 0.84, p(emergency) 0.14 over the 0.08 floor): the chore
            # gate that let it through missed emergencies on the out-of-fold scores (decision.py). Strict, so
            # the day it reads as a repair again this line is updated.
            marks=pytest.mark.xfail(strict=True, reason="a possible emergency since the chore gate is off"),
        ),
        ("雪がひどくてゴミを出しに行けん。代わりに出してもらえんけ", "garbage"),
        ("はなしあいてになってほしいげん😊", "companionship"),
    ],
)
def test_dialect_and_styles(analyzer: Analyzer, now: datetime, text: str, label: str) -> None:
    assert analyzer.analyze(text, now).category == label


@pytest.mark.parametrize(
    ("raw", "std"),
    [
        ("だんない", "大丈夫"),
        ("あんやと", "ありがとう"),
        ("しもうた", "しまった"),
        ("燃えとる", "燃えている"),
        ("たすけて", "助けて"),
        ("ゆきすかし", "雪すかし"),
        ("０９０", "090"),
        # a message in katakana throughout reads as hiragana; its loanwords stay as they are
        ("アシタ ゴミダシ タノム ストーブ ノ トウユ モ", "明日 ゴミ出し たのむ ストーブ の 灯油 も"),
        ("タスケテ コロンデ ウゴケン", "助けて 転んで 動けない"),
        # katakana for loanwords inside ordinary writing is no telegram
        ("テレビのリモコンがこわれた", "テレビのリモコンがこわれた"),
        ("カレンダー", "カレンダー"),
    ],
)
def test_normalisation(raw: str, std: str) -> None:
    assert standard(raw) == std


def test_tokyo_is_not_today() -> None:
    assert "今日" not in standard("むすこはとうきょうにおる")
