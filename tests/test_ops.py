"""A coordinator's operations without LINE IDs in a shell script: coordinator accounts (districts, tokens,
deactivation), 民生委員 accounts linked to residents, a resident with no LINE account whose proxy speaks for
them, and the audit log those operations leave (the CLI side; the dashboard side is in tests/dashboard/)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.cli import _run, build_parser
from bot.emulator import EmulatorServer
from bot.store import audit, coordinators
from bot.store.errors import InvalidInput, NotFound
from bot.store.models import (
    NO_LINE_PREFIX,
    AuditEntry,
    HelpRequest,
    MinseiResident,
    OutboxMessage,
    Proxy,
    Resident,
)
from tests.conftest import Bot, World, all_text, find_action, uid
from tests.test_conversation import press, say, wait_text

PASSWORD = "correct-horse-battery"


async def cli(bot: Bot, *argv: str) -> str | None:
    """The `sasaeai` command in this process, on the bot's database and clock (errors raised, not printed)."""
    return await _run(build_parser().parse_args(list(argv)), bot.services.settings)


FAMILY = uid(310)


async def test_a_resident_with_no_line_account_is_helped_through_their_proxy(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    w = world
    out = await cli(bot, "resident", "add", "--no-line", "--district", w.district, "--name", "石川トメ",
                    "--town", "長町", "--address", "長町3-3-3", "--phone", "076-222-3333")  # fmt: skip
    assert out is not None and "no LINE account" in out
    async with bot.db.read() as s:
        tome = (await s.exec(select(Resident).where(Resident.name == "石川トメ"))).one()
    assert tome.line_user_id.startswith(NO_LINE_PREFIX)
    await cli(bot, "proxy", "add", FAMILY, "--resident", f"#{tome.id}", "--relation", "家族", "--name", "石川一男")
    emu.add_user(FAMILY, "かずお")

    confirm = (await say(emu, FAMILY, "明日、母の家の電球を替えてもらえますか"))[0]
    assert "石川トメさんの" in all_text(confirm)
    await press(emu, FAMILY, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    details = all_text((await emu.wait_for_messages(w.supporters[0], 1))[0])
    assert "長町3-3-3" in details and "石川一男" in details
    await wait_text(emu, FAMILY, "来てくれます")  # the resident's update reaches the one who speaks for them
    details_msg = emu.messages_to(w.supporters[0])[0]
    await emu.send_postback(w.supporters[0], find_action([details_msg], "完了")["data"])
    await wait_text(emu, FAMILY, "終わりました")
    async with bot.db.read() as s:
        req = (await s.exec(select(HelpRequest))).one()
        to_nobody = (await s.exec(select(OutboxMessage).where(OutboxMessage.to == tome.line_user_id))).all()
    assert req.resident_id == tome.id and req.status == "done"
    assert to_nobody == []  # nothing is ever pushed to a LINE account that does not exist
    # Deleted on request like anyone else, by number (they have no LINE ID to type).
    assert "erased" in (await cli(bot, "resident", "delete", f"#{tome.id}") or "")
    async with bot.db.read() as s:
        gone = await s.get(Resident, tome.id)
        assert gone is not None and gone.name == "-" and (await s.exec(select(Proxy))).all() == []


async def test_resident_add_needs_a_line_id_or_no_line(bot: Bot, world: World) -> None:
    from bot.cli import CliError

    with pytest.raises(CliError):
        await cli(bot, "resident", "add", "--district", world.district, "--name", "x")
    with pytest.raises(CliError):
        await cli(bot, "resident", "add", uid(9), "--no-line", "--district", world.district, "--name", "x")


async def add_account(bot: Bot, login: str, *districts: str, admin: bool = False, minsei: bool = False) -> None:
    async with bot.db.session() as s:
        await coordinators.add(
            s,
            login=login,
            name=login,
            password=PASSWORD,
            districts=list(districts),
            is_admin=admin,
            now=bot.services.clock.now(),
            role="minsei" if minsei else "coordinator",
        )


async def test_coordinator_accounts_from_the_cli(bot: Bot, world: World) -> None:
    await add_account(bot, "mori", "K01")
    token = await cli(bot, "coordinator", "token", "mori")
    assert token
    async with bot.db.read() as s:
        c = await coordinators.by_token(s, token)
        assert c is not None and await coordinators.districts_of(s, c) == frozenset({"K01"})

    assert "K02" in (await cli(bot, "coordinator", "districts", "mori", "--district", "K02") or "")
    async with bot.db.read() as s:
        c = await coordinators.by_login(s, "mori")
        assert c is not None and await coordinators.districts_of(s, c) == frozenset({"K02"})
    assert "all districts" in (await cli(bot, "coordinator", "districts", "mori", "--admin") or "")
    with pytest.raises(NotFound):
        await cli(bot, "coordinator", "districts", "mori", "--district", "NOPE")
    with pytest.raises(InvalidInput):
        await cli(bot, "coordinator", "districts", "mori")

    assert "revoked" in (await cli(bot, "coordinator", "revoke-token", "mori") or "")
    async with bot.db.read() as s:
        assert await coordinators.by_token(s, token) is None
    token = await cli(bot, "coordinator", "token", "mori")
    assert token
    await cli(bot, "coordinator", "deactivate", "mori")
    async with bot.db.read() as s:
        assert await coordinators.by_token(s, token) is None  # a deactivated account's token is refused too

    async with bot.db.read() as s:
        actions = [e.action for e in await audit.entries(s, actor="cli", kind="coordinator")]
    assert actions == [
        "account_deactivate", "api_key_issue", "api_key_revoke", "account_districts", "account_districts",
        "api_key_issue",
    ]  # fmt: skip


async def test_a_minsei_account_is_linked_to_residents_only(bot: Bot, world: World) -> None:
    with pytest.raises(InvalidInput):  # a 民生委員 sees residents, never whole districts
        await add_account(bot, "kitamura", "K01", minsei=True)
    await add_account(bot, "kitamura", minsei=True)
    async with bot.db.read() as s:
        c = await coordinators.by_login(s, "kitamura")
        assert c is not None and await coordinators.districts_of(s, c) == frozenset()
        assert await coordinators.residents_of(s, c) == frozenset()
    out = await cli(bot, "coordinator", "link", "kitamura", world.resident)
    assert out is not None and "linked" in out
    async with bot.db.read() as s:
        c = await coordinators.by_login(s, "kitamura")
        assert c is not None
        r = (await s.exec(select(Resident).where(Resident.line_user_id == world.resident))).one()
        assert await coordinators.districts_of(s, c) == frozenset({world.district})
        assert await coordinators.residents_of(s, c) == frozenset({r.id})
    assert "民生委員:#" in (await cli(bot, "coordinator", "list") or "")
    with pytest.raises(InvalidInput):
        await cli(bot, "coordinator", "districts", "kitamura", "--district", "K01")
    await add_account(bot, "mori", "K01")
    with pytest.raises(InvalidInput):  # only a 民生委員 account has linked residents
        await cli(bot, "coordinator", "link", "mori", world.resident)

    await cli(bot, "coordinator", "unlink", "kitamura", world.resident)
    async with bot.db.read() as s:
        assert (await s.exec(select(MinseiResident))).all() == []
        entries = await audit.entries(s, kind="resident")
    assert [e.action for e in entries] == ["minsei_unlink", "minsei_link"]
    assert all(e.record_id == str(r.id) and world.resident not in (e.detail or "") for e in entries)


async def test_the_audit_log_is_filtered_and_listed_by_the_cli(bot: Bot, world: World) -> None:
    await add_account(bot, "mori", "K01")
    await cli(bot, "coordinator", "revoke-token", "mori")
    await cli(bot, "recurring", "list")  # a read of no person: not recorded
    listing = await cli(bot, "audit", "list", "--action", "api_key_revoke")
    assert listing is not None and "cli\tcli\tapi_key_revoke\tcoordinator\tmori" in listing
    assert await cli(bot, "audit", "list", "--action", "login") == ""
    async with bot.db.read() as s:
        assert len((await s.exec(select(AuditEntry))).all()) == 1


async def test_what_is_meant_for_a_resident_with_no_line_account_reaches_their_proxy(
    bot: Bot, emu: EmulatorServer, world: World
) -> None:
    """Messages flows address to the resident alone (a supporter gave the request back) go to the proxy."""
    w = world
    await cli(bot, "resident", "add", "--no-line", "--district", w.district, "--name", "石川トメ", "--town", "長町")
    async with bot.db.read() as s:
        tome = (await s.exec(select(Resident).where(Resident.name == "石川トメ"))).one()
    await cli(bot, "proxy", "add", FAMILY, "--resident", f"#{tome.id}", "--relation", "家族", "--name", "石川一男")
    emu.add_user(FAMILY, "かずお")
    confirm = (await say(emu, FAMILY, "明日、母の家の電球を替えてもらえますか"))[0]
    await press(emu, FAMILY, find_action([confirm], "はい"))
    post = (await emu.wait_for_messages(w.group, 1))[0]
    await emu.send_postback(w.supporters[0], find_action([post], "引き受け")["data"], group_id=w.group)
    await wait_text(emu, FAMILY, "来てくれます")
    details = (await emu.wait_for_messages(w.supporters[0], 1))[0]
    await emu.send_postback(w.supporters[0], find_action([details], "手放す")["data"])
    await wait_text(emu, FAMILY, "ほかのサポーターさんを探しています")
    async with bot.db.read() as s:
        assert (await s.exec(select(OutboxMessage).where(OutboxMessage.to == tome.line_user_id))).all() == []
