"""Reading a message in context before the model's guess is acted on (bot.flows.context_read): each rule of
the table, a sure sign of an emergency ahead of every one of them, and through the real server the case
where two paths used to disagree (someone not registered answering いいえ with a sure sign in the same words)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot import messages as M
from bot.emulator import EmulatorServer
from bot.flows import registration, safety, skills
from bot.flows.context_read import Meaning, Reading, Rule, Said, Speaking, read_in_context
from bot.flows.reading import Reply
from bot.nlp.types import LABELS, Analysis
from bot.store import conversations
from tests.conftest import Bot, World, actions, all_text, settled, uid
from tests.test_answers import say

RESIDENT, PROXY, SUPPORTER, UNREGISTERED = Speaking.RESIDENT, Speaking.PROXY, Speaking.SUPPORTER, Speaking.UNREGISTERED


def _analysis(category: str, cues: tuple[str, ...], *, certain: bool) -> Analysis:
    scores = {lab: 0.0 for lab in LABELS} | {category: 0.7}
    return Analysis(category, 0.7, scores, None, category == "emergency", "…", cues, certain=certain)  # type: ignore[arg-type]


SURE = _analysis("emergency", ("chest_pain",), certain=True)
POSSIBLE_CUE = _analysis("emergency", ("fire",), certain=False)  # 「火事や」 after いいえ: a possible cue
CONSULT_CUE = _analysis("consult", ("scam",), certain=True)
MODEL = _analysis("emergency", ("model",), certain=False)  # the model alone
MODEL_CONSULT = _analysis("consult", ("model",), certain=False)


class Reader:
    """The speaker's flow's own reading of the words, counted: it may act, so it runs at most once."""

    def __init__(self, answers: bool) -> None:
        self.answers, self.calls = answers, 0

    def __call__(self) -> Awaitable[bool]:
        self.calls += 1

        async def said() -> bool:
            return self.answers

        return said()


async def decide(
    who: Speaking,
    text: str,
    danger: Analysis | None,
    *,
    state: str | None = None,
    waits: bool = False,
    answer: Callable[[], Awaitable[bool]] | None = None,
) -> Reading:
    said = Said(who, text, state=state, danger=danger, waits=waits)
    return await (read_in_context(said, answer) if answer is not None else read_in_context(said))


# --- 1. A sure sign goes ahead of every other rule ------------------------------------------------------

# Each case would meet one of rules 2–8 but for the sure sign.
CONTEXTS = [
    pytest.param(UNREGISTERED, "いいえ", safety.POSSIBLE, False, id="possible-answer"),
    pytest.param(RESIDENT, "はい", safety.POSSIBLE, False, id="possible-answer-resident"),
    pytest.param(UNREGISTERED, "活動", None, False, id="command"),
    pytest.param(SUPPORTER, "活動", None, False, id="command-supporter"),
    pytest.param(RESIDENT, "使い方", None, False, id="command-resident"),
    pytest.param(UNREGISTERED, "だれがくるん？", None, False, id="question"),
    pytest.param(RESIDENT, "いつくるん？", None, False, id="question-resident"),
    pytest.param(RESIDENT, "あしたの朝", None, False, id="read-by-flow"),
    pytest.param(PROXY, "あしたの朝", None, False, id="read-by-flow-proxy"),
    pytest.param(UNREGISTERED, "ながまち", registration.REG_TOWN, False, id="registration-answer"),
    pytest.param(RESIDENT, "金沢さんの家の", None, True, id="unfinished"),
]


@pytest.mark.parametrize(("who", "text", "state", "waits"), CONTEXTS)
async def test_a_sure_sign_goes_ahead_of_every_reading_in_context(
    who: Speaking, text: str, state: str | None, waits: bool
) -> None:
    reader = Reader(answers=True)
    got = await decide(who, text, SURE, state=state, waits=waits, answer=reader)
    assert (got.meaning, got.rule, got.danger) == (Meaning.ALARM, Rule.SURE_DANGER, SURE)
    assert reader.calls == 0  # the flow never even read the words as an answer


@pytest.mark.parametrize(("who", "text", "state", "waits"), CONTEXTS)
async def test_without_the_sure_sign_the_same_words_are_read_in_context(
    who: Speaking, text: str, state: str | None, waits: bool
) -> None:
    got = await decide(who, text, MODEL, state=state, waits=waits, answer=Reader(answers=True))
    assert got.meaning is not Meaning.ALARM and got.danger is MODEL  # the guess set aside, still known


# --- 2. The answer to the possible-emergency question ---------------------------------------------------


@pytest.mark.parametrize("who", [RESIDENT, PROXY, UNREGISTERED])
@pytest.mark.parametrize(("text", "reply"), [("はい", Reply.YES), ("いいえ", Reply.NO), ("わからん", Reply.UNSURE)])
@pytest.mark.parametrize("danger", [None, MODEL, POSSIBLE_CUE, CONSULT_CUE])
async def test_yes_no_or_unsure_answer_the_possible_emergency_question(
    who: Speaking, text: str, reply: Reply, danger: Analysis | None
) -> None:
    reader = Reader(answers=True)
    got = await decide(who, text, danger, state=safety.POSSIBLE, answer=reader)
    assert (got.meaning, got.rule, got.reply) == (Meaning.ANSWER, Rule.POSSIBLE_ANSWER, reply)
    assert not got.handled and reader.calls == 0  # the caller answers it: safety.possible_answer


async def test_other_words_or_another_state_are_no_answer_to_it() -> None:
    assert (await decide(UNREGISTERED, "こんにちは", None, state=safety.POSSIBLE)).rule is Rule.NOTHING
    assert (await decide(UNREGISTERED, "はい", None, state=registration.REG_NAME)).rule is not Rule.POSSIBLE_ANSWER
    # a supporter's flow reads no such answer (as before the table)
    assert (await decide(SUPPORTER, "はい", MODEL, state=safety.POSSIBLE)).rule is Rule.COMMAND


# --- 3. Command words -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [SUPPORTER, UNREGISTERED])
@pytest.mark.parametrize("text", ["活動", "私の活動", "得意なこと", "困りごとを伝える", "ちがう"])
async def test_any_command_word_is_never_an_alarm_from_the_model_alone(who: Speaking, text: str) -> None:
    for danger in (None, MODEL, MODEL_CONSULT):
        assert (await decide(who, text, danger)).meaning is Meaning.COMMAND
    # a cue is not the model's guess: it still goes ahead
    assert (await decide(who, text, POSSIBLE_CUE)).meaning is Meaning.ALARM


@pytest.mark.parametrize("who", [RESIDENT, PROXY])
async def test_a_resident_s_commands_are_their_own_five(who: Speaking) -> None:
    for text in ("依頼の状況", "使い方", "見守り", "見守りをやめる", "困りごとを伝える"):
        got = await decide(who, text, MODEL, answer=Reader(answers=False))
        assert got.meaning is Meaning.COMMAND and got.command is not None
    # a supporter's command word from a resident is read as their words: the flow first, then the guess
    reader = Reader(answers=False)
    got = await decide(who, "活動", MODEL, answer=reader)
    assert (got.meaning, reader.calls) == (Meaning.ALARM, 1)


# --- 4. Questions about the request ---------------------------------------------------------------------


@pytest.mark.parametrize("who", [RESIDENT, PROXY, SUPPORTER, UNREGISTERED])
@pytest.mark.parametrize("text", ["だれがくるん？", "いつくるん？", "まだだれもおらんが？"])
async def test_a_question_about_the_request_is_never_an_alarm_from_the_model_alone(who: Speaking, text: str) -> None:
    reader = Reader(answers=True)
    got = await decide(who, text, MODEL, answer=reader)
    assert got.meaning is Meaning.QUESTION and reader.calls == 0


async def test_a_question_with_a_cue_is_read_no_further_than_the_speaker_s_flow() -> None:
    assert (await decide(UNREGISTERED, "だれがくるん？", POSSIBLE_CUE)).meaning is Meaning.ALARM
    # a resident's flow still answers it from the request first (rule 5), as it always did
    got = await decide(RESIDENT, "だれがくるん？", POSSIBLE_CUE, answer=Reader(answers=True))
    assert got.rule is Rule.READ_BY_FLOW


# --- 5. A resident's flow reads the words against what it asked -----------------------------------------


@pytest.mark.parametrize("who", [RESIDENT, PROXY])
@pytest.mark.parametrize("danger", [None, MODEL, MODEL_CONSULT, POSSIBLE_CUE, CONSULT_CUE])
async def test_a_resident_s_answer_sets_aside_anything_but_a_sure_sign(who: Speaking, danger: Analysis | None) -> None:
    reader = Reader(answers=True)
    got = await decide(who, "あさっての朝", danger, answer=reader, waits=True)
    assert (got.meaning, got.rule, got.handled, reader.calls) == (Meaning.ANSWER, Rule.READ_BY_FLOW, True, 1)


async def test_the_flow_declining_leaves_the_words_to_the_rules_after_it() -> None:
    reader = Reader(answers=False)
    got = await decide(RESIDENT, "台所の電球が切れた", None, answer=reader)
    assert (got.meaning, got.handled, reader.calls) == (Meaning.MESSAGE, False, 1)


# --- 6. An answer to the registration step ---------------------------------------------------------------


@pytest.mark.parametrize("danger", [MODEL, MODEL_CONSULT, POSSIBLE_CUE, CONSULT_CUE])
async def test_registering_the_answer_the_step_waits_for_sets_aside_anything_but_a_sure_sign(
    danger: Analysis,
) -> None:
    got = await decide(UNREGISTERED, "ながまち", danger, state=registration.REG_TOWN, answer=Reader(answers=True))
    assert (got.meaning, got.rule) == (Meaning.ANSWER, Rule.REGISTRATION_ANSWER)
    got = await decide(UNREGISTERED, "くるしい", danger, state=registration.REG_NAME, answer=Reader(answers=False))
    assert got.meaning is Meaning.ALARM  # not a name: the danger is acted on


async def test_a_supporter_answering_what_they_can_do_is_answering() -> None:
    # 「ながまちなら」 answers 「行ける町は？」; the model alone half-sees a danger in the town's name
    got = await decide(SUPPORTER, "ながまちなら", MODEL, state=skills.ASK_TOWNS)
    assert (got.meaning, got.rule) == (Meaning.MESSAGE, Rule.SUPPORTER_ANSWER)
    assert (await decide(SUPPORTER, "ながまちなら", SURE, state=skills.ASK_TOWNS)).meaning is Meaning.ALARM
    assert (await decide(SUPPORTER, "ながまちなら", POSSIBLE_CUE, state=skills.ASK_TOWNS)).meaning is Meaning.ALARM
    assert (await decide(SUPPORTER, "ながまちなら", MODEL)).meaning is Meaning.ALARM  # no question asked


async def test_the_registration_check_runs_only_with_a_danger_to_set_aside() -> None:
    reader = Reader(answers=True)
    got = await decide(UNREGISTERED, "ながまち", None, state=registration.REG_TOWN, answer=reader)
    assert (got.meaning, reader.calls) == (Meaning.MESSAGE, 0)  # the step reads it anyway
    supporter = Reader(answers=True)
    assert (await decide(SUPPORTER, "ながまち", MODEL, answer=supporter)).meaning is Meaning.ALARM
    assert supporter.calls == 0


# --- 7. An unfinished piece waits for the rest -----------------------------------------------------------


@pytest.mark.parametrize("who", [RESIDENT, PROXY])
@pytest.mark.parametrize("text", ["金沢さんの家の", "台所の電気が", "あのね、"])
async def test_only_the_model_s_guess_on_an_unfinished_piece_waits(who: Speaking, text: str) -> None:
    no = Reader(answers=False)
    assert (await decide(who, text, MODEL, waits=True, answer=no)).meaning is Meaning.WAIT
    assert (await decide(who, text, POSSIBLE_CUE, waits=True, answer=no)).meaning is Meaning.ALARM
    # without a merge window there is nothing to wait in
    assert (await decide(who, text, MODEL, waits=False, answer=no)).meaning is Meaning.ALARM


async def test_a_finished_sentence_does_not_wait() -> None:
    got = await decide(RESIDENT, "金沢さんの家の屋根", MODEL, waits=True, answer=Reader(answers=False))
    assert got.meaning is Meaning.ALARM


# --- 8. and the rest --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(Speaking))
async def test_any_other_danger_is_acted_on_now_and_anything_else_is_an_ordinary_message(who: Speaking) -> None:
    no = Reader(answers=False)
    for danger in (MODEL, MODEL_CONSULT, POSSIBLE_CUE, CONSULT_CUE):
        got = await decide(who, "なんか変や", danger, answer=no)
        assert (got.meaning, got.rule, got.danger) == (Meaning.ALARM, Rule.DANGER, danger)
    assert (await decide(who, "こんにちは", None, answer=no)).meaning is Meaning.MESSAGE


# --- Through the real server -------------------------------------------------------------------------------

NEWCOMER = uid(960)


async def _waiting_for_the_danger_answer(bot: Bot, emu: EmulatorServer, user: str) -> None:
    """The state a possible emergency leaves someone not registered in (safety.handle puts it so)."""
    emu.add_user(user, "新しい人")
    async with bot.db.session() as s:
        await conversations.put(
            s,
            line_user_id=user,
            state=safety.POSSIBLE,
            data={"request_id": 0, "text": "なんか胸がどきどきする"},
            now=bot.services.clock.now(),
        )


async def test_someone_not_registered_saying_no_with_a_sure_sign_gets_the_emergency_reply(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    """いいえ read first used to take 「いいえ、むねがくるしい」 as 'no danger'; a resident's path already put
    the sure sign first. Now both do."""
    await _waiting_for_the_danger_answer(bot, emu, NEWCOMER)
    reply = (await say(emu, NEWCOMER, "いいえ、むねがくるしい"))[-1]
    assert [a["uri"] for a in actions(reply) if a["type"] == "uri"] == ["tel:119"]
    assert M.POSSIBLE_NOT_NOW not in all_text(reply)
    alert = all_text((await emu.wait_for_messages(world.coordinators, 1))[0])
    assert "【緊急】" in alert


async def test_someone_not_registered_saying_no_still_answers_the_question(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    await _waiting_for_the_danger_answer(bot, emu, NEWCOMER)
    reply = (await say(emu, NEWCOMER, "いいえ"))[-1]
    assert M.POSSIBLE_NOT_NOW in all_text(reply)


async def test_someone_not_registered_asking_who_is_coming_is_not_an_alarm(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    """The model alone reads 「まだだれもおらんが？」 as an emergency; it is a question."""
    emu.add_user(NEWCOMER, "新しい人")
    reply = (await say(emu, NEWCOMER, "まだだれもおらんが？"))[-1]
    assert not [a for a in actions(reply) if a.get("uri", "").startswith("tel:")]
    await settled(bot)
    assert emu.messages_to(world.coordinators) == []
