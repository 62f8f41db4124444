"""The emergency reply (119 first, how to call and what to say, one big button; 110 for an intruder) and
the possible-emergency path: 119 at once with one yes/no question, coordinators told at once, an answer
in words or buttons, and a follow-up alert when nobody answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot import messages as M
from bot.clock import ManualClock
from bot.emulator import EmulatorServer
from bot.flows import safety
from bot.nlp.types import LABELS, Analysis
from bot.store import jobs, people
from bot.workers.scheduler import JobContext
from tests.conftest import Bot, World, actions, all_text, build_world, find_action, make_settings, start_bot
from tests.test_answers import press, say, settled
from tests.test_checkin import START, until

POSSIBLE_JOB = "test_possible_emergency"


def _uris(message: dict[str, Any]) -> list[str]:
    return [a["uri"] for a in actions(message) if a["type"] == "uri"]


# --- The sure path, through the real analyzer ------------------------------------------------------------


async def test_a_sure_emergency_gets_119_first_how_to_call_and_one_button(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    reply = (await say(emu, w.resident, "ころんでたてない　たすけて"))[-1]
    said = all_text(reply)
    assert _uris(reply) == ["tel:119"]
    assert said.index("119番") < said.index("住所と名前") and w.resident_address in said
    assert "？" not in reply["altText"]  # no question before help
    alert = all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    assert "【緊急】" in alert and w.resident_address in alert


async def test_an_intruder_gets_110_first(bot: Bot, emu: EmulatorServer, world: World) -> None:
    reply = (await say(emu, world.resident, "どろぼうがはいった"))[-1]
    assert _uris(reply) == ["tel:110"] and "110番" in all_text(reply) and "事件です" in all_text(reply)


async def test_a_family_member_gone_missing_gets_110_and_what_to_say(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    """The police search for a missing person; an injury named in the same words still calls 119 first."""
    reply = (await say(emu, world.resident, "ばあちゃんがどこにもおらん、雪の中を出て行ったみたい"))[-1]
    assert _uris(reply) == ["tel:110"] and "家族がいなくなりました" in all_text(reply)
    assert safety.emergency_number(("missing", "fall")) == "119"
    assert safety.emergency_number(("missing", "model")) == "110"


# --- The possible path ----------------------------------------------------------------------------------


async def _possible(ctx: JobContext) -> None:
    """Stands in for the analyzer's verdict only (certain=False, which it cannot give yet): the flow,
    the store, the outbox and LINE are the real ones."""
    text = str(ctx.job.payload["text"])
    scores: dict[str, float] = {lab: 0.0 for lab in LABELS}
    scores |= {"emergency": 0.9, "repair": 0.7}
    analysis = Analysis("emergency", 0.9, scores, None, True, text, ("model",), certain=False)
    async with ctx.read() as s:
        resident = await people.resident_by_line(s, str(ctx.job.payload["user"]))
    await safety.handle(ctx, text=text, analysis=analysis, resident=resident)


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def pbot(emu: EmulatorServer, db_url: str, clock: ManualClock) -> AsyncIterator[Bot]:
    b = await start_bot(emu, make_settings(emu, db_url), clock=clock, jobs={POSSIBLE_JOB: _possible})
    yield b
    await b.runner.cleanup()


@pytest.fixture
async def pworld(pbot: Bot, emu: EmulatorServer) -> World:
    return await build_world(pbot, emu)


async def possible(bot: Bot, emu: EmulatorServer, w: World, clock: ManualClock) -> dict[str, Any]:
    """A possible emergency from the resident; returns what they see."""
    async with bot.db.session() as s:
        await jobs.schedule(
            s,
            key=f"{POSSIBLE_JOB}:{w.resident}",
            kind=POSSIBLE_JOB,
            due_at=clock.now(),
            payload={"user": w.resident, "text": "電球が切れて、なんか胸がどきどきする"},  # type: ignore[arg-type]  # a kind of its own
        )
    bot.services.wake_scheduler()
    msg = (await emu.wait_for_messages(w.resident, 1))[0]
    alert = all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    assert "【緊急の可能性】" in alert and w.resident_address in alert
    return msg


async def test_a_possible_emergency_shows_119_at_once_with_one_question(
    pbot: Bot, emu: EmulatorServer, pworld: World, clock: ManualClock
) -> None:
    msg = await possible(pbot, emu, pworld, clock)
    said = all_text(msg)
    assert _uris(msg) == ["tel:119"] and M.POSSIBLE_EMERGENCY_QUESTION in said
    assert msg["altText"].count("？") == 1 and "大丈夫" not in said
    assert [a["label"] for a in actions(msg) if a["type"] == "postback"] == ["はい", "いいえ", "わからない"]


@pytest.mark.parametrize("answer", ["はい", "わからん"])
async def test_yes_or_dont_know_in_words_gets_the_full_reply_and_tells_the_coordinators(
    pbot: Bot, emu: EmulatorServer, pworld: World, clock: ManualClock, answer: str
) -> None:
    w = pworld
    await possible(pbot, emu, w, clock)
    reply = (await say(emu, w.resident, answer))[-1]
    assert _uris(reply) == ["tel:119"] and "救急です" in all_text(reply)
    update = all_text((await emu.wait_for_messages(w.coordinators, 2))[-1])
    assert "続報" in update and ("はい" if answer == "はい" else "わからない") in update


async def test_no_carries_on_as_a_normal_request_and_tells_the_coordinators(
    pbot: Bot, emu: EmulatorServer, pworld: World, clock: ManualClock
) -> None:
    w = pworld
    msg = await possible(pbot, emu, w, clock)
    after = await press(emu, w.resident, find_action([msg], "いいえ"))
    assert "電球" in all_text(after[-1]) and "119" not in all_text(after[-1])
    update = all_text((await emu.wait_for_messages(w.coordinators, 2))[-1])
    assert "いいえ" in update
    # The follow-up finds the question answered: nobody is alerted again.
    clock.advance(timedelta(minutes=safety.FOLLOWUP_MINUTES, seconds=5).total_seconds())
    pbot.services.wake_scheduler()
    await settled(pbot)

    async def followup_done() -> bool:
        from sqlmodel import select

        from bot.store.models import Job

        async with pbot.db.session() as s:
            rows = (await s.exec(select(Job).where(Job.kind == safety.FOLLOWUP_JOB))).all()
        return bool(rows) and all(r.status == "done" for r in rows)

    await until(followup_done, "the follow-up job")
    await settled(pbot)
    assert len(emu.messages_to(w.coordinators)) == 2


async def test_no_answer_alerts_the_coordinators_again(
    pbot: Bot, emu: EmulatorServer, pworld: World, clock: ManualClock
) -> None:
    w = pworld
    await possible(pbot, emu, w, clock)
    clock.advance(timedelta(minutes=safety.FOLLOWUP_MINUTES, seconds=5).total_seconds())
    pbot.services.wake_scheduler()
    again = all_text((await emu.wait_for_messages(w.coordinators, 2))[-1])
    assert "お返事がありません" in again and w.resident_name in again


# Messages the NLP engineer expects to mark as possible emergencies (certain=False).
POSSIBLE_CANDIDATES = ("なんか胸がへんな感じ", "頭がいたくてふらふらする", "気分がわるい")


async def test_a_possible_emergency_through_the_real_analyzer(bot: Bot, emu: EmulatorServer, world: World) -> None:
    """Enabled by itself once the analyzer marks one of these certain=False (issue 11's NLP part)."""
    w = world
    found = None
    for words in POSSIBLE_CANDIDATES:
        a = await bot.services.analysis.analyze(words, bot.services.clock.now())
        if a.category == "emergency" and not a.certain:
            found = words
            break
    if found is None:
        pytest.skip("the analyzer gives no possible emergency yet (certain=False): enable when the NLP lands")
    msg = (await say(emu, w.resident, found))[-1]
    assert _uris(msg) == ["tel:119"] and M.POSSIBLE_EMERGENCY_QUESTION in all_text(msg)
    assert "【緊急の可能性】" in all_text((await emu.wait_for_messages(w.coordinators, 1))[0])
    reply = (await say(emu, w.resident, "はい"))[-1]
    assert "救急です" in all_text(reply)


async def test_other_words_are_not_an_answer_the_question_comes_again_and_the_followup_still_fires(
    pbot: Bot, emu: EmulatorServer, pworld: World, clock: ManualClock
) -> None:
    w = pworld
    await possible(pbot, emu, w, clock)
    again = (await say(emu, w.resident, "こんにちは"))[-1]
    assert M.POSSIBLE_EMERGENCY_QUESTION in all_text(again) and _uris(again) == ["tel:119"]
    assert M.GREETING_REPLY not in all_text(again)
    clock.advance(timedelta(minutes=safety.FOLLOWUP_MINUTES, seconds=5).total_seconds())
    pbot.services.wake_scheduler()
    assert "お返事がありません" in all_text((await emu.wait_for_messages(w.coordinators, 2))[-1])
