"""Emergencies and consultations win over help categories; past, negated and hypothetical cues do not."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.nlp import HELP_LABELS, Analyzer
from bot.nlp.normalize import standard
from bot.nlp.safety import check


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("転んで起きられない", "fall"),
        ("ころんでたてない　たすけて", "fall"),
        ("ふろばでころんで　おきれん", "fall"),
        ("電球替えようとして脚立から落ちた 腰打って動けん", "fall"),
        ("昨日転んでから動けない", "fall"),
        ("おっとがたおれてへんじがない", "unconscious"),
        ("むねがくるしい", "chest_pain"),
        ("雪すかししとったら胸が痛くなって座り込んどる", "chest_pain"),
        ("いきができん", "breathing"),
        ("夫が急にろれつが回らんようになった", "stroke"),
        ("台所から火が出た", "fire"),
        ("となりのいえがもえとる", "fire"),
        ("がすくさい", "gas"),
        ("もしもし さっきからガスの匂いがする", "gas"),
        ("しらんひとがいえにはいってきた", "intruder"),
        ("たすけて", "help_call"),
    ],
)
def test_emergency(analyzer: Analyzer, now: datetime, text: str, cue: str) -> None:
    a = analyzer.analyze(text, now)
    assert a.category == "emergency" and a.urgent and a.confidence == 1.0
    assert cue in a.cues
    assert analyzer.safety(text) is not None


@pytest.mark.parametrize(
    "text",
    ["妻が倒れたらどうしようと心配で夜も眠れない", "夫が倒れて救急車で運ばれた後、入院中の着替えを届けてほしい"],
)
def test_hypothetical_or_handled_collapse_is_never_a_sure_emergency(
    analyzer: Analyzer, now: datetime, text: str
) -> None:
    # The rules set the cue aside (倒れたら, 運ばれた後); the model may still ask one question (a possible
    # emergency: the costs put a question far below a miss, docs/nlp.md "Deciding"), never say it is sure.
    a = analyzer.analyze(text, now)
    assert a.category != "emergency" or not a.certain


@pytest.mark.parametrize(
    "text",
    ["屋根から落ちた。動かん", "だれか　きて　うごけん", "誰か家の裏口から入ってきたみたい　物音がする　こわい"],
)
def test_emergency_regressions(analyzer: Analyzer, now: datetime, text: str) -> None:
    assert analyzer.analyze(text, now).category == "emergency"


def test_emergency_beside_a_chore_wins(analyzer: Analyzer, now: datetime) -> None:
    a = analyzer.analyze("屋根の雪下ろしお願いしたいのと、さっき台所でガスのにおいがしとる", now)
    assert a.category == "emergency" and "gas" in a.cues


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("先週転んだけど今は大丈夫", "not_request"),
        ("先週転んだけど今はだんない。雪すかしだけお願いしたいげん", "snow"),
        ("転ばんように玄関に手すりを付けてもらえんけ", "repair"),
        ("火災報知器がピーピー鳴る。電池切れみたい。替えてくれんけ", "repair"),
        ("ガスくさいかと思ったら玉ねぎやった。お騒がせしました", "not_request"),
        ("泥棒が怖いので玄関の鍵を直してほしい", "repair"),
        ("雪すかし助けて", "snow"),
        ("胸の手術をしてから重い物が持てんので灯油を運んでほしい", "moving"),
        ("テレビのリモコンのボタンを押しても反応がない 電池は替えたがやけど", "device"),
    ],
)
def test_not_an_emergency(analyzer: Analyzer, now: datetime, text: str, label: str) -> None:
    a = analyzer.analyze(text, now)
    assert a.category == label, a


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("息子を名乗る電話で300万円いるって言われた", "scam"),
        ("へんなでんわで　おかねをふりこめといわれた", "scam"),
        ("年金が少なくて灯油代が払えん", "money"),
        ("息子に叩かれる", "abuse"),
        ("主人の物忘れがひどうなって心配", "dementia"),
        ("介護保険の申請はどうしたらいい", "care_insurance"),
        ("もうしにたい", "suicide"),
        ("生きとってもしょうがないがや", "suicide"),
    ],
)
def test_consult(analyzer: Analyzer, now: datetime, text: str, cue: str) -> None:
    a = analyzer.analyze(text, now)
    # a sure phrasing names its cue; the others are the classifier's ("model")
    assert a.category == "consult" and (cue in a.cues or a.cues == ("model",)), a
    assert a.urgent == ("suicide" in a.cues)
    s = analyzer.safety(text)
    assert s is not None and s.category == "consult"


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("火事ではございませんので、どうぞご安心を。台所の火災報知器がピッと鳴ります", "fire"),
        ("台所の火災報知器がピッ、ピッと鳴り続けている。火事ではありません、煙も何もない", "fire"),
        ("火事が 一番 怖い まる 火災報知器の 電池が 切れとらんか 調べて もらえんか", "fire"),
        ("最近よそで火事多いやろ。念のため電池とか見てもらえんかね", "fire"),
        ("ばあちゃんの猫の爪切り手伝ってほしいです。ばあちゃん一人だと暴れてまじ無理らしい", "violence"),
    ],
)
def test_set_aside_cues(text: str, tag: str) -> None:
    # the rules alone: the model may still speak, but the cue does not decide
    assert tag not in check(standard(text)).cues


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("火事です！台所から火が出とる", "fire"),
        ("火災報知器が鳴って、台所を見たら煙が出とった", "fire"),
        ("息子が酒飲んで暴れて猫を投げた", "violence"),
        ("犬が吠えとる、隣の男が暴れとる", "violence"),
    ],
)
def test_the_guards_do_not_hide_a_danger(text: str, tag: str) -> None:
    assert tag in check(standard(text)).cues


def test_safety_is_none_for_chores(analyzer: Analyzer) -> None:
    assert analyzer.safety("雪すかし たのめんけ") is None
    assert analyzer.safety("") is None


def test_writers_never_trained_on_meet_the_safety_targets(analyzer: Analyzer) -> None:
    """The headline split: 24 whole writers the model never saw, rounds seven and eight (docs/nlp.md, "Results").

    The floors are the figures measured on both rounds (2026-12-04) after the rules and the date words added
    from reading their errors, so a change that makes them worse fails here; help called emergency is held to
    issue 11's 3% (round eight alone: 2.4%). Each round's first, clean scoring (before those mends) is in
    docs/nlp.md. False alarms on chat and hard negatives (~7%) are the open problem."""
    from bot.nlp.evaluate import evaluate

    res = evaluate(analyzer, "test")
    assert res["emergency_recall"] == 1.0
    assert res["safety_leaks"] == 0
    assert res["accuracy"] >= 0.90
    assert res["date_accuracy"] >= 0.95
    assert res["help_called_emergency"] <= 0.03
    assert res["pii_survived"].get("name", 0) <= 7 and res["pii_survived"].get("phone", 0) == 0
    assert set(HELP_LABELS) <= set(res["per_label"])
