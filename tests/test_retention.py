"""Retention and erasure, proven on the whole database: every table is seeded with marker strings (through
the real bot where a resident or supporter would put them there, directly where only time would), then
`purge` and the deletion of a resident (the CLI) and a supporter (the dashboard) run, and every column of
every table is read back: no marker is left where it should not be, and what must stay did."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import SQLModel, select

from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store import retention
from bot.store.erasure import _text
from bot.store.models import (
    CLAIMED,
    DONE,
    OPEN,
    Alert,
    Checkin,
    CheckinPlan,
    Conversation,
    DashboardSession,
    District,
    HelpRequest,
    Job,
    PendingLocation,
    Proxy,
    RecurringHelp,
    RecurringStatus,
    RelayMessage,
    RequestEvent,
    Resident,
    Supporter,
)
from tests.conftest import ROOT, Bot, World, build_world, find_action, settled, uid, wait_text
from tests.dashboard.conftest import Client, Dash, add_coordinators
from tests.test_escalation import confirm

# Tables that hold no resident's or supporter's personal data, and why: everything else must have held a
# marker before the purge or deletion, so a table added later without retention makes this test fail.
NO_PERSONAL_DATA = {
    "town": "town names",
    "line_group": "group IDs and roles",
    "coordinator": "staff accounts: deactivated, not erased (their name is on the timeline's record)",
    "coordinator_district": "ids",
    "login_throttle": "keyed hashes only (checked below: a typed login never appears)",
    "checkin_plan": "ids, frequency and hour",
    "minsei_resident": "ids (the link goes when the resident is erased)",
    # Names no resident or supporter (a record is a kind and an id); staff logins and addresses are purged after
    # the retention period (checked in the purge test).
    "audit_entry": "staff logins, addresses and record ids",
    "coordinator_group_district": "group IDs and district codes",
}


async def dump(bot: Bot) -> dict[str, str]:
    """Every column of every row of every table, as text (JSON decoded, so escaped Japanese is seen too)."""
    out: dict[str, str] = {}
    async with bot.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await conn.execute(sa.select(table))).all()
            out[table.name] = "\n".join(_text(tuple(r)) for r in rows)
    return out


def where(found: dict[str, str], marker: str) -> list[str]:
    return [t for t, text in found.items() if marker in text]


def assert_covered(found: dict[str, str], markers: list[str]) -> None:
    bare = [t for t, text in found.items() if t not in NO_PERSONAL_DATA and not any(m in text for m in markers)]
    assert not bare, f"tables seeded with no marker (add retention for them, or say why they hold none): {bare}"


async def finish_a_request(bot: Bot, emu: EmulatorServer, w: World, words: str) -> int:
    """A location, then a request in the resident's words, taken by the first supporter and finished."""
    await emu.send_location(w.resident, address=f"{words}LOC 金沢市広坂1丁目")
    post = await confirm(emu, w.resident, f"{words} 台所の電球を替えてほしい", w.group)
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = await wait_text(emu, w.supporters[0], "完了")
    await emu.send_postback(w.supporters[0], find_action([details], "完了")["data"])
    await wait_text(emu, w.resident, "終わりました")
    await settled(bot)
    async with bot.db.read() as s:
        req = (await s.exec(select(HelpRequest).where(HelpRequest.status == DONE))).one()
    assert req.id is not None and req.location_label and words in req.location_label
    return req.id


async def test_purge_leaves_no_personal_data_it_should_not(bot: Bot, emu: EmulatorServer) -> None:
    w = await build_world(bot, emu)
    await add_coordinators(bot)
    dash = Dash(bot=bot, emu=emu, world=w)
    now = SystemClock().now()
    # The world's resident is current: their own name, address and phone (KEEP) stay; their old words go.
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == w.resident))).one()
        r.name, r.address = "KEEPNAME花子", "KEEPADDR長町1"
        s.add(r)
    done_id = await finish_a_request(bot, emu, w, "ZqmarkWORDS")
    await confirm(emu, w.resident, "KEEPOPEN 雪すかしをお願いしたい", w.group)  # still open: kept whole
    await emu.send_text(w.resident, "ZqmarkDRAFT ゴミ出しを手伝ってほしい")  # never confirmed: a draft
    await wait_text(emu, w.resident, "ゴミ")
    await settled(bot)
    gone_id, gone_proxy, lead, stranger = uid(500), uid(501), uid(503), uid(777)
    async with bot.db.session() as s:
        assert r.id is not None
        s.add(
            RequestEvent(
                request_id=done_id, at=now, actor_kind="coordinator", actor_id="mori", action="note", note="ZqmarkNOTE"
            )
        )
        s.add(PendingLocation(resident_id=r.id, lat=36.5, lng=136.6, label="ZqmarkPEND 金沢市", at=now))
        s.add(RelayMessage(request_id=done_id, sender="resident", text="ZqmarkRELAY よろしく", at=now))
        s.add(Alert(request_id=done_id, kind="emergency", district_code=w.district, created_at=now,
                    body="ZqmarkALERT 住所", acknowledged_by="ZqmarkACK", acknowledged_line_user_id=stranger,
                    acknowledged_at=now))  # fmt: skip
        s.add(Alert(kind="emergency", created_at=now, body="ZqmarkUNREG たすけて", subject_line_user_id=stranger))
        s.add(
            RecurringHelp(
                resident_id=r.id, district_code=w.district, category="garbage", weekdays="0", text="ZqmarkRECUR 燃えるごみ",
                masked="ZqmarkRECUR", status=RecurringStatus.STOPPED, created_at=now, stopped_at=now,
            )
        )  # fmt: skip
        s.add(
            Checkin(
                resident_id=r.id,
                district_code=w.district,
                sent_at=now,
                deadline_at=now,
                status="missed",
                alerted_to=stranger,
            )
        )
        s.add(
            Job(
                key="done:ZqmarkJOB",
                kind="merge",
                due_at=now,
                payload={"texts": ["ZqmarkJOB"]},
                status="done",
                done_at=now,
            )
        )
        s.add(Conversation(line_user_id=stranger, state="fragments", data={"texts": ["ZqmarkCONV"]}, updated_at=now))
        s.add(
            DashboardSession(id_hash="0" * 64, csrf="x", flash={"text": "ZqmarkFLASH"}, created_at=now, expires_at=now)
        )
        # People who left: deactivated before the cut-off, with a finished request and a proxy.
        x = Resident(line_user_id=gone_id, district_code=w.district, name="ZxmarkNAME", address="ZxmarkADDR", phone="076-333-4444",
                     active=False, deactivated_at=now, created_at=now)  # fmt: skip
        s.add(x)
        s.add(
            Supporter(
                line_user_id=lead,
                district_code=w.district,
                name="ZxmarkSUP",
                active=False,
                deactivated_at=now,
                created_at=now,
            )
        )
        d = await s.get(District, w.district)
        assert d is not None
        d.lead_line_user_id = lead
        s.add(d)
        await s.flush()
        assert x.id is not None
        s.add(
            Proxy(
                line_user_id=gone_proxy,
                resident_id=x.id,
                relation="家族",
                name="ZxmarkPROXY",
                phone="090-3333-4444",
                created_at=now,
            )
        )
        s.add(HelpRequest(resident_id=x.id, district_code=w.district, category="repair", status=DONE, text="ZxmarkWORDS",
                          masked="ZxmarkWORDS", created_at=now, closed_at=now, done_at=now))  # fmt: skip
    assert await client_login_fails(dash, "ZqmarkLOGIN") == 401
    markers = ["Zqmark", "Zxmark", gone_id, gone_proxy, lead, stranger, "076-333-4444", "127.0.0.1"]
    before = await dump(bot)
    assert_covered(before, markers)
    # The throttle keeps hashes; the audit log keeps the address of a failed sign-in but never the typed login
    # (it may be a password typed in the wrong field), and only for the retention period.
    assert where(before, "ZqmarkLOGIN") == [] and where(before, "127.0.0.1") == ["audit_entry"]

    later = now + timedelta(days=1)
    async with bot.db.session() as s:
        report = await retention.purge(s, before=later, now=later)
    assert report.requests >= 1 and report.drafts == 1 and report.people == 2

    after = await dump(bot)
    for m in markers:
        assert where(after, m) == [], f"{m!r} is still in {where(after, m)}"
    assert where(after, "KEEPNAME") == ["resident"]  # the current resident's own record stays
    assert where(after, "KEEPOPEN") == ["help_request"]  # and their open request, whole
    async with bot.db.read() as s:
        old = await s.get(HelpRequest, done_id)
        assert old is not None and old.status == DONE and old.category and old.done_at  # the figures' part stays


async def client_login_fails(dash: Dash, login: str) -> int:
    c = Client(dash)
    try:
        return (await c.login(login, "wrong-password-1"))[0]
    finally:
        await c.close()


async def cli(bot_db_url: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": bot_db_url, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_deleting_a_resident_and_a_supporter_leaves_nothing_of_them(
    bot: Bot, emu: EmulatorServer, db_url: str
) -> None:
    w = await build_world(
        bot,
        emu,
        World(
            resident_name="ZdmarkNAME花子",
            resident_address="ZdmarkADDR長町2-5",
            resident_phone="076-555-0101",
            supporter_names=("ZsmarkNAME太郎", "KEEPSUP次郎"),
        ),
    )
    await add_coordinators(bot)
    dash = Dash(bot=bot, emu=emu, world=w)
    now = SystemClock().now()
    keep_id, proxy_id = uid(600), uid(601)
    async with bot.db.session() as s:
        r = (await s.exec(select(Resident).where(Resident.line_user_id == w.resident))).one()
        sup = (await s.exec(select(Supporter).where(Supporter.line_user_id == w.supporters[0]))).one()
        keep = Resident(
            line_user_id=keep_id, district_code=w.district, name="KEEPNAME", address="KEEPADDR", created_at=now
        )
        s.add(keep)
        await s.flush()
        assert r.id is not None and keep.id is not None and sup.id is not None
        s.add(HelpRequest(resident_id=keep.id, district_code=w.district, category="snow", status=OPEN, text="KEEPOPEN",
                          masked="KEEPOPEN", created_at=now, posted_at=now))  # fmt: skip
        s.add(
            Proxy(
                line_user_id=proxy_id,
                resident_id=r.id,
                relation="家族",
                name="ZdmarkPROXY",
                phone="090-5555-0101",
                created_at=now,
            )
        )
        s.add(RecurringHelp(resident_id=r.id, district_code=w.district, category="garbage", weekdays="0", text="ZdmarkRECUR",
                            masked="ZdmarkRECUR", status=RecurringStatus.STOPPED, supporter_id=sup.id, created_at=now, stopped_at=now))  # fmt: skip
        s.add(CheckinPlan(resident_id=r.id, frequency="daily", hour=8, created_at=now, updated_at=now))
        s.add(
            Checkin(
                resident_id=r.id,
                district_code=w.district,
                sent_at=now,
                deadline_at=now,
                status="missed",
                alerted_to=w.supporters[0],
            )
        )
        s.add(Conversation(line_user_id=proxy_id, state="fragments", data={"texts": ["ZdmarkCONV"]}, updated_at=now))
        s.add(
            Job(key="x:ZdmarkJOB", kind="merge", due_at=now, payload={"user": w.resident}, status="done", done_at=now)
        )
        s.add(DashboardSession(id_hash="1" * 64, csrf="x", flash={"text": "ZdmarkNAME花子さんを登録しました。"},
                               created_at=now, expires_at=now + timedelta(hours=1)))  # fmt: skip
        sup.verify_note, sup.towns, sup.free = "ZsmarkVERIFY 地区社協で面談", ["長町"], ["weekday_morning"]
        s.add(sup)
        d = await s.get(District, w.district)
        assert d is not None
        d.lead_line_user_id = w.supporters[0]
        s.add(d)

    # While the request is under way, neither can be deleted: nobody is left waiting for help that vanished.
    await emu.send_location(w.resident, address="ZdmarkLOC 金沢市広坂1丁目")
    post = await confirm(emu, w.resident, "ZdmarkWORDS 台所の電球を替えてほしい", w.group)
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = await wait_text(emu, w.supporters[0], "完了")
    # Words relayed between them (the 1:1 relay) are the resident's too, and go with them.
    await emu.send_text(w.supporters[0], "ZdmarkRELAY あさって伺います")
    await wait_text(emu, w.resident, "ZdmarkRELAY")
    code, out = await cli(db_url, "resident", "delete", w.resident)
    assert code == 2 and "open requests" in out
    async with bot.db.session() as s:
        req = (await s.exec(select(HelpRequest).where(HelpRequest.status == CLAIMED))).one()
        s.add(
            RequestEvent(
                request_id=req.id or 0,
                at=now,
                actor_kind="coordinator",
                actor_id="mori",
                action="note",
                note="ZdmarkNOTE",
            )
        )
    await emu.send_postback(w.supporters[0], find_action([details], "完了")["data"])
    await wait_text(emu, w.resident, "終わりました")
    await settled(bot)
    async with bot.db.session() as s:  # a location sent after the last request, waiting for the next one
        s.add(PendingLocation(resident_id=r.id, lat=36.5, lng=136.6, label="ZdmarkPEND 金沢市", at=now))
        # An alert on their request, answered by the supporter; one from before they registered.
        s.add(Alert(request_id=req.id, kind="consult", district_code=w.district, created_at=now, body="ZdmarkALERT",
                    acknowledged_by="ZsmarkNAME太郎", acknowledged_line_user_id=w.supporters[0], acknowledged_at=now))  # fmt: skip
        s.add(Alert(kind="emergency", created_at=now, body="ZdmarkUNREG", subject_line_user_id=w.resident))

    markers = ["Zdmark", "Zsmark", w.resident, proxy_id, w.supporters[0], "076-555-0101", "090-5555-0101"]
    before = await dump(bot)
    assert_covered(before, markers)

    # The resident, on request, with the CLI; the supporter from the dashboard.
    code, out = await cli(db_url, "resident", "delete", w.resident)
    assert code == 0, out
    client = Client(dash)
    try:
        await client.login("nagamachi")
        await client.page(f"/dashboard/people/supporter/{sup.id}")
        status, body = await client.post(f"/dashboard/people/supporter/{sup.id}", op="erase", confirm="yes")
        assert status == 200 and "削除しました" in body
    finally:
        await client.close()

    after = await dump(bot)
    for m in markers:
        assert where(after, m) == [], f"{m!r} is still in {where(after, m)}"
    assert set(where(after, "KEEPNAME")) == {"resident"} and where(after, "KEEPOPEN") == ["help_request"]
    assert where(after, "KEEPSUP") == ["supporter"]  # the other supporter is untouched
    async with bot.db.read() as s:
        rows = (await s.exec(select(HelpRequest).where(HelpRequest.resident_id == r.id))).all()
    assert [x.status for x in rows] == [DONE] and rows[0].supporter_id == sup.id  # still counted, naming nobody
