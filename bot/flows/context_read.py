"""Reading a message in context before the classifier's guess is acted on: the one ordered table of rules.

The model alone misreads short words it was not taught (「だれがくるん？」, 「活動」, 「ながまち」, a fragment that
stops at a particle) as dangerous. What the bot asked, who is speaking and what they are in the middle of
decide what such words mean; a sure sign of an emergency always goes ahead of every such reading."""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands import Command, match
from bot.flows import safety, skills
from bot.flows.reading import Reply, read
from bot.nlp.types import Analysis


class Speaking(enum.StrEnum):
    RESIDENT = "resident"
    PROXY = "proxy"  # family or a 民生委員 writing for their resident: read as the resident is
    SUPPORTER = "supporter"
    UNREGISTERED = "unregistered"  # someone registering (or not yet started)


class Meaning(enum.StrEnum):
    ALARM = "alarm"  # an emergency or a matter for professionals: act on `danger` now
    ANSWER = "answer"  # the answer to the question the bot asked
    QUESTION = "question"  # about the speaker's request: 「だれがくるん？」「まだ？」
    COMMAND = "command"  # one of the speaker's command words
    WAIT = "wait"  # an unfinished piece: wait for the rest in the merge window
    MESSAGE = "message"  # none of these: the speaker's flow reads it the usual way


class Rule(enum.StrEnum):
    """Which rule decided (tests and the resident's flow tell the two kinds of answer apart by it)."""

    SURE_DANGER = "sure_danger"
    POSSIBLE_ANSWER = "possible_answer"
    COMMAND = "command"
    QUESTION = "question"
    READ_BY_FLOW = "read_by_flow"
    REGISTRATION_ANSWER = "registration_answer"
    SUPPORTER_ANSWER = "supporter_answer"
    UNFINISHED = "unfinished"
    DANGER = "danger"
    NOTHING = "nothing"


ASKING = frozenset({Reply.WHO, Reply.WHEN, Reply.NOBODY})
POSSIBLE_ANSWERS = frozenset({Reply.YES, Reply.NO, Reply.UNSURE})
# The five a resident's flow answers itself; their other command words (はい, ちがう, 活動) are read as words.
RESIDENT_COMMANDS = frozenset({Command.STATUS, Command.HELP, Command.WATCH_START, Command.WATCH_STOP, Command.ASK})
# A piece of a message that stops at a particle (の, を, に, が, は, で, と, も, へ) or a comma is unfinished.
UNFINISHED = re.compile(r"[のをにがはでともへ、,]\s*$")


@dataclass(frozen=True, slots=True)
class Said:
    """What is known before anything is acted on."""

    who: Speaking
    text: str
    state: str | None = None  # the conversation's state (what the bot is waiting for)
    pending: tuple[str, ...] = ()  # fragments already waiting in the merge window
    danger: Analysis | None = None  # the safety analysis of the pending fragments and the text together
    waits: bool = False  # the speaker's words can wait for the rest (a resident's, with a merge window)


@dataclass(frozen=True, slots=True)
class Reading:
    meaning: Meaning
    rule: Rule
    danger: Analysis | None = None  # what to act on (ALARM); for any other meaning the danger set aside
    reply: Reply | None = None  # the short answer the words are, if any
    command: Command | None = None

    @property
    def handled(self) -> bool:
        """The speaker's flow already acted on the words while reading them (READ_BY_FLOW)."""
        return self.rule is Rule.READ_BY_FLOW


async def _not_read() -> bool:
    return False


def sure(danger: Analysis | None) -> bool:
    """A sure sign of an emergency: a cue, never the model (the model alone is never `certain`)."""
    return danger is not None and danger.category == "emergency" and danger.certain


async def read_in_context(said: Said, answer: Callable[[], Awaitable[bool]] = _not_read) -> Reading:
    """What the words mean here, the rules in the order they apply.

    `answer` reads the words against what the speaker's flow is waiting for, and says whether they are that:
    for someone registering it only checks (registration.answers_the_question); for a resident or proxy it
    acts on what it reads (answers.in_context, when.typed, relay.from_resident), so it is called at most once,
    and only where the table says.
    """
    danger, text, who = said.danger, said.text, said.who
    reply, command = read(text), match(text)
    model_only = danger is not None and danger.cues == ("model",)
    resident = who in (Speaking.RESIDENT, Speaking.PROXY)

    def reading(meaning: Meaning, rule: Rule) -> Reading:
        return Reading(meaning, rule, danger, reply, command)

    # 1. A sure sign of an emergency never waits and no reading of the words outranks it: 「胸が痛い」 typed
    #    as the answer to 「いつごろ」 or halfway through registering is still an emergency.
    if sure(danger):
        return reading(Meaning.ALARM, Rule.SURE_DANGER)
    # 2. はい／いいえ／わからない after 「いま、けがや急な具合の悪さがありますか？」 answer that question,
    #    whatever the model makes of them. Supporters are left out as before: their flow reads no such answer.
    if said.state == safety.POSSIBLE and reply in POSSIBLE_ANSWERS and who is not Speaking.SUPPORTER:
        return reading(Meaning.ANSWER, Rule.POSSIBLE_ANSWER)
    # 3. A command word is a command, never an alarm from the model alone (it reads 「活動」 and 「困りごとを伝える」
    #    as an emergency): the rich menu sends these words, so they come often. A cue still goes ahead.
    #    A resident's flow answers only its own five; a resident's はい or ちがう is read as words (4–5).
    commands = RESIDENT_COMMANDS if resident else frozenset(Command)
    if command in commands and (danger is None or model_only):
        return reading(Meaning.COMMAND, Rule.COMMAND)
    # 4. 「だれがくるん？」「まだ？」 ask about the request: a question, never an alarm from the model alone.
    if reply in ASKING and (danger is None or model_only):
        return reading(Meaning.QUESTION, Rule.QUESTION)
    # 5. A resident's words are read against what the bot asked them (a confirmation, 「いつごろ」, 「取りやめますか？」,
    #    a correction, a question about the request) and against the supporter they are talking to, before any
    #    guess of the model or a possible cue: the answer the bot asked for is what they meant.
    if resident and await answer():
        return reading(Meaning.ANSWER, Rule.READ_BY_FLOW)
    # 6. Registering, 「ながまち」 is a town and 「北村とし子です」 a name, not a possible emergency half-seen in
    #    words the model never met: the answer the step waits for sets aside anything but a sure sign. Asked only
    #    with a danger to set aside (reading a town is a pass over every town's name); the step reads it anyway.
    if who is Speaking.UNREGISTERED and danger is not None and await answer():
        return reading(Meaning.ANSWER, Rule.REGISTRATION_ANSWER)
    # 6b. A supporter answering the bot's questions about what they can do (「ながまちなら」「平日の午前」): their
    #     answer, not a possible emergency the model half-sees in a town's name. A cue still goes ahead.
    if who is Speaking.SUPPORTER and said.state in skills.STATES and model_only:
        return reading(Meaning.MESSAGE, Rule.SUPPORTER_ANSWER)
    # 7. 「金沢さんの家の」 stops at a particle: the rest is coming, and the model alone reads such a piece as odd,
    #    hence dangerous. Only the model's guess waits for the window (then it reads the whole message); a cue,
    #    sure or possible, never waits.
    if said.waits and model_only and UNFINISHED.search(text):
        return reading(Meaning.WAIT, Rule.UNFINISHED)
    # 8. Anything else the analysis calls dangerous is acted on now: when unsure, possibly dangerous.
    if danger is not None:
        return reading(Meaning.ALARM, Rule.DANGER)
    return reading(Meaning.MESSAGE, Rule.NOTHING)
