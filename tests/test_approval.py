"""Approval of newcomers: anyone can add the bot, so a resident who registered on LINE is pending; their
requests are held (kept, never posted) until a coordinator approves them (CLI here; the dashboard in
tests/dashboard/test_matching_pages.py). Emergencies never wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic import command
from sqlalchemy import Connection, text
from sqlmodel import col, select

from bot.emulator import EmulatorServer
from bot.store import retention
from bot.store.db import Database
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import HelpRequest, RequestEvent, Resident, Supporter
from tests.conftest import Bot, World, all_text, settled, uid, wait_text
from tests.test_answers import say
from tests.test_cli import run
from tests.test_registration import finish, follow

NEWCOMER = uid(950)


async def register(bot: Bot, emu: EmulatorServer, w: World) -> None:
    await follow(emu, NEWCOMER)
    await say(emu, NEWCOMER, "ながまち")
    await say(emu, NEWCOMER, "はい")
    done = await finish(emu, NEWCOMER, "北村とし子です", "金沢市長町1-2-3", "076-111-2222")
    assert "登録できました" in done and "担当者が確認します" in done
    await settled(bot)
    w.resident, w.resident_name = NEWCOMER, "北村とし子"


async def held_request(bot: Bot, emu: EmulatorServer, w: World, words: str) -> str:
    first = (await say(emu, w.resident, words))[-1]
    if "いつごろ" in all_text(first):
        await say(emu, w.resident, "いつでもいいわ")
    told = all_text((await say(emu, w.resident, "たのむわ"))[-1])
    await settled(bot)
    return told


async def cli(db_url: str, *args: str) -> str:
    r = await asyncio.to_thread(run, db_url, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


async def test_a_newcomers_request_waits_for_approval_then_goes_to_the_group(
    bot: Bot, emu: EmulatorServer, world: World, db_url: str
) -> None:
    w = world
    await register(bot, emu, w)
    # The district's coordinators hear of the newcomer, with where to decide.
    notice = all_text(await wait_text(emu, w.coordinators, "承認待ち"))
    assert "北村とし子" in notice and "/dashboard/people/resident/" in notice
    assert "金沢市長町1-2-3" not in notice and "076-111-2222" not in notice

    told = await held_request(bot, emu, w, "買い物をお願いしたいがや。牛乳とパン")
    assert "受け付けました" in told and "担当者が確認します" in told
    assert emu.messages_to(w.group) == []  # held: no volunteer is sent anywhere yet
    assert "依頼#1" in all_text(emu.messages_to(w.coordinators)[-1])
    async with bot.db.session() as s:
        assert (await s.exec(select(HelpRequest.status))).one() == "held"

    assert "pending" in await cli(db_url, "resident", "list")
    out = await cli(db_url, "resident", "approve", NEWCOMER, "--by", "長町社協 山本")
    assert "approved" in out
    await settled(bot)
    post = all_text(await wait_text(emu, w.group, "買い物"))
    assert "北村" not in post and "076" not in post
    resident_texts = [all_text(m) for m in emu.messages_to(w.resident)]
    assert any("確認が終わりました" in t for t in resident_texts)
    assert any("サポーターさんに伝えました" in t for t in resident_texts)
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(col(Resident.line_user_id) == NEWCOMER))).one()
        req = (await s.exec(select(HelpRequest))).one()
        events = (await s.exec(select(RequestEvent.action).order_by(col(RequestEvent.id)))).all()
    assert (r.approval, r.decided_by) == ("approved", "長町社協 山本")
    assert req.status == "open" and req.posted_at is not None
    assert events == ["created", "held", "approved"]

    # Approved now: the next request goes straight to the group.
    n = len(emu.messages_to(w.group))
    told = await held_request(bot, emu, w, "電球を替えてほしい")
    assert "サポーターさんにお願いしました" in told
    assert len(emu.messages_to(w.group)) == n + 1
    # Approving twice changes nothing and says so.
    assert "already" in await cli(db_url, "resident", "approve", NEWCOMER)


async def test_a_declined_newcomer_is_told_kindly_and_the_held_request_closed(
    bot: Bot, emu: EmulatorServer, world: World, db_url: str
) -> None:
    w = world
    await register(bot, emu, w)
    await held_request(bot, emu, w, "草むしりを手伝ってほしい")
    await cli(db_url, "resident", "decline", NEWCOMER)
    await settled(bot)
    told = all_text(await wait_text(emu, w.resident, "申し訳ありません"))
    assert "地区の窓口" in told
    assert emu.messages_to(w.group) == []
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
        r = (await s.exec(select(Resident).where(col(Resident.line_user_id) == NEWCOMER))).one()
    assert req.status == "cancelled" and req.closed_at is not None
    assert r.approval == "declined" and (r.decided_by or "").startswith("cli")


async def test_a_newcomers_emergency_is_never_held(bot: Bot, emu: EmulatorServer, world: World) -> None:
    w = world
    await register(bot, emu, w)
    n = len(emu.messages_to(w.coordinators))
    await emu.send_text(w.resident, "胸が苦しい。息ができん")
    reply = all_text((await emu.wait_for_messages(w.resident, len(emu.messages_to(w.resident)) + 1))[-1])
    assert "119" in reply
    alert = all_text((await emu.wait_for_messages(w.coordinators, n + 1))[-1])
    assert "北村とし子" in alert
    await settled(bot)
    assert emu.messages_to(w.group) == []


async def test_residents_added_by_a_coordinator_are_approved(bot: Bot, emu: EmulatorServer, world: World) -> None:
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(col(Resident.line_user_id) == world.resident))).one()
    assert r.approval == "approved"


async def test_residents_from_before_the_migration_stay_approved(db_url: str) -> None:
    """Rows written before migration 0008_matching (at 0006) are approved; supporters start unverified."""
    db = Database(db_url)
    cfg = alembic_config(db_url)

    def to(connection: Connection, revision: str) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    try:
        await upgrade(db.engine)
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "0006_conversation")
            now = "2026-01-01 00:00:00"
            await conn.execute(text(f"INSERT INTO district (code, name, remind_after_minutes, alert_after_minutes, "
                                    f"claimed_stale_hours, quiet_start_hour, quiet_end_hour, created_at) "
                                    f"VALUES ('K9', '古い地区', 60, 180, 48, 21, 7, '{now}')"))  # fmt: skip
            await conn.execute(text(f"INSERT INTO resident (line_user_id, district_code, name, active, followed, "
                                    f"created_at) VALUES ('{uid(1)}', 'K9', '古い人', true, true, '{now}')"))  # fmt: skip
            await conn.execute(text(f"INSERT INTO supporter (line_user_id, district_code, name, active, created_at) "
                                    f"VALUES ('{uid(2)}', 'K9', '古いサポーター', true, '{now}')"))  # fmt: skip
        await upgrade(db.engine)
        async with db.session() as s:
            r = (await s.exec(select(Resident))).one()
            x = (await s.exec(select(Supporter))).one()
        assert r.approval == "approved"
        assert x.verified_at is None and (x.kinds, x.towns, x.free) == ([], [], [])
    finally:
        await db.dispose()


async def test_a_request_held_past_the_retention_window_is_closed_and_its_words_purged(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    await register(bot, emu, w)
    await held_request(bot, emu, w, "草むしりを手伝ってほしい")
    later = bot.services.clock.now() + timedelta(days=1)
    async with bot.db.session() as s:
        await retention.purge(s, before=later, now=later)
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest))).one()
    assert req.status == "cancelled" and "草むしり" not in req.text and req.closed_at is not None


async def test_the_cli_verifies_a_supporter_and_lists_who_is_not(db_url: str) -> None:
    await cli(db_url, "db", "upgrade")
    await cli(db_url, "district", "add", "NAGA", "長町", "--towns", "長町")
    await cli(db_url, "supporter", "add", uid(7), "--district", "NAGA", "--name", "山田太郎")
    await cli(db_url, "supporter", "add", uid(8), "--district", "NAGA", "--name", "佐藤次郎")
    out = await cli(db_url, "supporter", "verify", uid(7), "--note", "地区社協で面談", "--by", "山本")
    assert "verified by 山本" in out
    listing = (await cli(db_url, "supporter", "list")).splitlines()
    assert any(uid(7) in line and "\tverified 20" in line for line in listing)
    assert any(uid(8) in line and line.endswith("\tunverified") for line in listing)
    r = await asyncio.to_thread(run, db_url, "supporter", "verify", uid(9))
    assert r.returncode != 0 and "no supporter" in (r.stderr + r.stdout)
    db = Database(db_url)
    try:
        async with db.session() as s:
            x = (await s.exec(select(Supporter).where(col(Supporter.line_user_id) == uid(7)))).one()
        assert (x.verified_by, x.verify_note) == ("山本", "地区社協で面談") and x.verified_at is not None
    finally:
        await db.dispose()
