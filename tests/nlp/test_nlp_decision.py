"""The decision step follows the costs: a missed emergency, then a leak to volunteers, then one more question."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.nlp import Analyzer
from bot.nlp.decision import THRESHOLDS, Danger, decide
from bot.nlp.safety import SafetyResult

NONE = SafetyResult(None, (), ())
SET_ASIDE = SafetyResult(None, (), ("fall",))


def d(whole: float = 0.0, consult: float = 0.0, chore: float = 0.0, chat: float = 0.0) -> Danger:
    return Danger(emergency=whole, safety=whole + consult, chore=chore, chat=chat)


def test_a_sure_cue_decides_without_a_question() -> None:
    dec = decide(SafetyResult("emergency", ("fire",), ()), d())
    assert (dec.label, dec.certain) == ("emergency", True)


def test_a_possible_cue_is_a_possible_emergency() -> None:
    dec = decide(SafetyResult("emergency", ("chest_pain",), (), certain=False), d())
    assert (dec.label, dec.certain) == ("emergency", False)


def test_any_real_chance_of_an_emergency_keeps_it_from_volunteers() -> None:
    # the model's emergency probability need not be its top class (the old decision asked for ≥ 0.85 and top)
    dec = decide(NONE, d(whole=THRESHOLDS.possible_emergency))
    assert (dec.label, dec.certain) == ("emergency", False)
    below = decide(NONE, d(whole=THRESHOLDS.possible_emergency - 0.01))
    assert below.label != "emergency"


def test_clear_small_talk_with_a_faint_danger_is_no_alarm_but_a_cue_still_is() -> None:
    faint = d(whole=THRESHOLDS.chat_emergency - 0.01, chat=THRESHOLDS.chat_sure)
    assert decide(NONE, faint).label != "emergency"  # (kept from volunteers as a consultation, at most)
    # more danger, or less sure small talk: a possible emergency as before
    assert decide(NONE, d(whole=THRESHOLDS.chat_emergency, chat=THRESHOLDS.chat_sure)).label == "emergency"
    assert (
        decide(NONE, d(whole=THRESHOLDS.chat_emergency - 0.01, chat=THRESHOLDS.chat_sure - 0.01)).label == "emergency"
    )
    assert decide(SafetyResult("emergency", ("chest_pain",), (), certain=False), faint).label == "emergency"


def test_a_supporters_thanks_is_no_alarm(analyzer: Analyzer, now: datetime) -> None:
    # Regression: the model retrained on 97 writers gave 「おつかれさまでした」 p(emergency) 0.078
    for text in ("おつかれさまでした", "お疲れさまでした"):
        assert analyzer.analyze(text, now).category == "not_request"


def test_emergency_wins_over_a_consultation_cue() -> None:
    dec = decide(SafetyResult("consult", ("money",), ()), d(whole=0.9))
    assert dec.label == "emergency"


def test_a_set_aside_cue_asks_the_model_for_more_but_does_not_block_it() -> None:
    between = (THRESHOLDS.possible_emergency + THRESHOLDS.set_aside_emergency) / 2
    assert decide(NONE, d(whole=between)).label == "emergency"
    assert decide(SET_ASIDE, d(whole=between)).label != "emergency"
    assert decide(SET_ASIDE, d(whole=THRESHOLDS.set_aside_emergency)).label == "emergency"


def test_emergency_and_consultation_together_are_kept_from_volunteers() -> None:
    low = THRESHOLDS.possible_emergency / 2
    dec = decide(NONE, d(whole=low, consult=THRESHOLDS.keep_from_volunteers - low))
    assert dec.label == "consult"


# The chore gate is off in the shipped thresholds (on the out-of-fold scores of 2026-12-04 every setting of it
# missed one more emergency, decision.py); the mechanism stays, tested with it on.
GATED = replace(THRESHOLDS, chore_sure=0.50, chore_emergency=0.40)


def test_the_shipped_thresholds_have_no_chore_gate() -> None:
    # 灯油を運んでほしい。腰が痛くて with p(emergency) 0.2: a possible emergency, one question, not the chore alone
    assert decide(NONE, d(whole=0.2, chore=0.75)).label == "emergency"


def test_a_clear_chore_with_a_faint_danger_is_the_chore() -> None:
    # 灯油を運んでほしい。腰が痛くて: the model's faint emergency is the chore's own words
    faint = (GATED.possible_emergency + GATED.chore_emergency) / 2
    assert decide(NONE, d(whole=faint), GATED).label == "emergency"  # no clear chore: still a possible emergency
    assert decide(NONE, d(whole=faint, chore=GATED.chore_sure), GATED).label != "emergency"
    assert decide(NONE, d(whole=faint, chore=GATED.chore_sure - 0.01), GATED).label == "emergency"


def test_the_chore_gate_never_hides_a_stronger_danger_or_a_cue() -> None:
    strong = d(whole=GATED.chore_emergency, chore=0.55)
    assert decide(NONE, strong, GATED).label == "emergency"
    cue = SafetyResult("emergency", ("chest_pain",), (), certain=False)
    assert decide(cue, d(whole=0.2, chore=0.8), GATED).label == "emergency"


def test_a_gated_chore_with_a_real_chance_of_a_consultation_is_kept_from_volunteers() -> None:
    # a scam told as a phone trouble: the chore gate lifts the alarm, the consultation still holds it back
    faint = GATED.possible_emergency
    dec = decide(NONE, d(whole=faint, consult=GATED.keep_from_volunteers - faint, chore=0.66), GATED)
    assert dec.label == "consult"


def test_only_then_a_help_label() -> None:
    assert decide(NONE, d()).label is None


@pytest.mark.parametrize(
    "text",
    [
        # the running bot must never alarm on a question about a request (issue 11, point 9)
        "だれがくるん？",
        "誰が来てくれるんですか",
        "まだだれもこんの？",
    ],
)
def test_questions_about_a_request_are_not_alarms(analyzer: Analyzer, now: datetime, text: str) -> None:
    assert analyzer.analyze(text, now).category != "emergency"


def test_the_gate_sweep_ranks_by_the_costs_and_never_buys_quiet_with_a_miss() -> None:
    """`tune`'s gate sweep on a small made-up set: small talk with a faint danger (p(emergency) 0.12) is a
    false alarm at the shipped floor; a chat gate that removes it ranks first only if the emergency whose
    scores look the same but for p(not_request) is still caught."""
    from bot.nlp.decision import danger
    from bot.nlp.tune import Scored, _by_costs, sweep_gates
    from bot.nlp.types import LABELS

    def scored(gold: str, **p: float) -> Scored:
        cats: dict[str, float] = {lab: p.get(lab, 0.0) for lab in LABELS}
        return Scored(gold, cats, NONE, danger(cats))

    chat = scored("not_request", not_request=0.86, emergency=0.12)
    quiet_emergency = scored("emergency", not_request=0.55, emergency=0.30, other_help=0.15)
    best = sorted(sweep_gates([chat, quiet_emergency]), key=_by_costs)[0]
    assert best.emergencies_missed == 0
    assert best.ordinary_called_emergency == 0.0
    t = best.thresholds
    assert t.chat_sure <= 0.86 and t.chat_emergency > 0.12  # the chat gate is on and covers the small talk
    assert not (t.chat_sure <= 0.55 and t.chat_emergency > 0.30)  # …but not the emergency


def test_folds_deal_every_train_writer_into_exactly_one_fold() -> None:
    from bot.nlp.crossval import writer_folds

    writers = [f"w{i:02d}" for i in range(1, 42)]
    folds = writer_folds(writers)
    assert sorted(w for f in folds for w in f) == sorted(writers)
    assert folds == writer_folds(list(reversed(writers)))  # fixed by the seed, not by the order given
