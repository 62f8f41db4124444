"""Reply, push, profiles and groups through the official SDK over real sockets, answered as LINE answers."""

from __future__ import annotations

import json
import uuid

import pytest
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.emulator import EmulatorServer, ids

from .conftest import SECRET, TOKEN, Receiver

ALICE = "U" + "a1" * 16
BOB = "U" + "b2" * 16
GROUP = "C" + "c3" * 16


def _text(text: str) -> list[TextMessage]:
    return [TextMessage(text=text)]  # type: ignore[call-arg]


async def test_reply_reaches_the_chat_of_the_event(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    status, event = await emu.send_text(ALICE, "こんにちは")
    assert status == 200
    await line.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("はい")))
    assert [(m["text"], m["via"]) for m in emu.messages_to(ALICE)] == [("はい", "reply")]
    assert emu.violations == []


async def test_reply_in_a_group_goes_to_the_group(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    _, event = await emu.send_text(ALICE, "引き受けます", group_id=GROUP)
    await line.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("了解")))
    assert [m["text"] for m in emu.messages_to(GROUP)] == ["了解"]
    assert emu.messages_to(ALICE) == []


async def test_reply_token_is_single_use(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    _, event = await emu.send_text(ALICE, "a")
    request = ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("1"))
    await line.reply_message(request)
    with pytest.raises(ApiException) as err:
        await line.reply_message(request)
    assert err.value.status == 400
    assert json.loads(err.value.body) == {"message": "Invalid reply token"}
    assert len(emu.messages_to(ALICE)) == 1


async def test_unknown_and_expired_reply_tokens_are_refused(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    with pytest.raises(ApiException) as err:
        await line.reply_message(ReplyMessageRequest(reply_token=ids.reply_token(), messages=_text("x")))
    assert err.value.status == 400
    emu.state.reply_token_ttl = 0.0
    _, event = await emu.send_text(ALICE, "late")
    with pytest.raises(ApiException) as err:
        await line.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("x")))
    assert json.loads(err.value.body)["message"] == "Invalid reply token"


async def test_push_with_retry_key_is_delivered_once(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_user(ALICE, "田中")
    key = str(uuid.uuid4())
    first = await line.push_message_with_http_info(
        PushMessageRequest(to=ALICE, messages=_text("お知らせ")), x_line_retry_key=key
    )
    assert first.status_code == 200
    with pytest.raises(ApiException) as err:
        await line.push_message(PushMessageRequest(to=ALICE, messages=_text("お知らせ")), x_line_retry_key=key)
    assert err.value.status == 409
    assert err.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    # LINE repeats what it sent, so a bot that lost the first answer still learns the message ids.
    sent = json.loads(err.value.body)["sentMessages"]
    assert [m["id"] for m in sent] == [m.id for m in first.data.sent_messages]
    assert [(m["text"], m["via"], m["retry_key"]) for m in emu.messages_to(ALICE)] == [("お知らせ", "push", key)]


async def test_push_to_non_friend_or_blocked_user_fails(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_user(ALICE, "田中", friend=False)
    emu.add_user(BOB, "佐藤", blocked=True)
    for user in (ALICE, BOB, "U" + "0" * 32):
        with pytest.raises(ApiException) as err:
            await line.push_message(PushMessageRequest(to=user, messages=_text("x")))
        assert err.value.status == 400
        assert json.loads(err.value.body) == {"message": "Failed to send messages"}
    assert emu.deliveries == []


async def test_unfollow_blocks_pushes_and_follow_restores_them(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    await emu.send_follow(ALICE)
    await line.push_message(PushMessageRequest(to=ALICE, messages=_text("1")))
    await emu.send_unfollow(ALICE)
    with pytest.raises(ApiException):
        await line.push_message(PushMessageRequest(to=ALICE, messages=_text("2")))
    await emu.send_follow(ALICE, is_unblocked=True)
    await line.push_message(PushMessageRequest(to=ALICE, messages=_text("3")))
    assert [m["text"] for m in emu.messages_to(ALICE)] == ["1", "3"]


async def test_profiles(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_user(ALICE, "田中 花子")
    emu.add_user(BOB, "佐藤", friend=False)
    profile = await line.get_profile(ALICE)
    assert (profile.display_name, profile.user_id) == ("田中 花子", ALICE)
    with pytest.raises(ApiException) as err:
        await line.get_profile(BOB)
    assert err.value.status == 404


async def test_group_member_profile_summary_and_count(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_user(BOB, "佐藤", friend=False)
    emu.add_group(GROUP, "犀川地区サポーター", [BOB])
    member = await line.get_group_member_profile(GROUP, BOB)
    assert member.display_name == "佐藤"
    with pytest.raises(ApiException) as err:
        await line.get_group_member_profile(GROUP, ALICE)
    assert err.value.status == 404
    summary = await line.get_group_summary(GROUP)
    assert (summary.group_id, summary.group_name) == (GROUP, "犀川地区サポーター")
    assert (await line.get_group_member_count(GROUP)).count == 1
    await emu.send_member_joined(GROUP, [ALICE])
    assert (await line.get_group_member_count(GROUP)).count == 2
    await emu.send_member_left(GROUP, [BOB])
    with pytest.raises(ApiException):
        await line.get_group_member_profile(GROUP, BOB)


async def test_push_to_group_after_leave_fails(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    await emu.send_join(GROUP)
    await line.push_message(PushMessageRequest(to=GROUP, messages=_text("よろしく")))
    await emu.send_leave(GROUP)
    with pytest.raises(ApiException) as err:
        await line.push_message(PushMessageRequest(to=GROUP, messages=_text("x")))
    assert err.value.status == 400


async def test_loading_quota_and_bot_info(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    emu.add_user(ALICE, "田中")
    await line.show_loading_animation(ShowLoadingAnimationRequest(chat_id=ALICE, loading_seconds=10))
    assert emu.state.loading[0]["chatId"] == ALICE
    await line.push_message(PushMessageRequest(to=ALICE, messages=_text("x")))
    assert (await line.get_message_quota()).value == 200
    assert (await line.get_message_quota_consumption()).total_usage == 1
    info = await line.get_bot_info()
    assert info.user_id == emu.state.bot_user_id
    assert emu.violations == []


async def test_every_call_is_logged_with_its_status(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    with pytest.raises(ApiException):
        await line.get_profile(ALICE)
    emu.add_user(ALICE, "田中")
    await line.get_profile(ALICE)
    assert [(c.method, c.path, c.status) for c in emu.state.calls()] == [
        ("GET", f"/v2/bot/profile/{ALICE}", 404),
        ("GET", f"/v2/bot/profile/{ALICE}", 200),
    ]


async def test_wait_for_messages_wakes_on_delivery(emu: EmulatorServer, line: AsyncMessagingApi) -> None:
    import asyncio

    emu.add_user(ALICE, "田中")
    waiter = asyncio.create_task(emu.wait_for_messages(ALICE, 2, timeout=5))
    await line.push_message(PushMessageRequest(to=ALICE, messages=[*_text("1"), *_text("2")]))
    got = await waiter
    assert [m["text"] for m in got] == ["1", "2"]
    with pytest.raises(TimeoutError, match="2 of 3"):
        await emu.wait_for_messages(ALICE, 3, timeout=0.05)


async def test_reply_token_expiry_follows_the_injected_clock(receiver: Receiver) -> None:
    now = [1_800_000_000.0]
    async with EmulatorServer(
        channel_secret=SECRET, access_token=TOKEN, webhook_url=receiver.url, clock=lambda: now[0]
    ) as emu:
        _, event = await emu.send_text(ALICE, "x")
        assert event["timestamp"] == 1_800_000_000_000
        now[0] += 61
        async with AsyncApiClient(Configuration(host=emu.url, access_token=TOKEN)) as client:
            with pytest.raises(ApiException) as err:
                await AsyncMessagingApi(client).reply_message(
                    ReplyMessageRequest(reply_token=event["replyToken"], messages=_text("late"))
                )
        assert err.value.status == 400


async def test_a_group_member_who_writes_one_to_one_becomes_a_friend(
    emu: EmulatorServer, line: AsyncMessagingApi
) -> None:
    emu.add_group(GROUP, "犀川地区", [BOB])
    assert emu.state.users[BOB].friend is False
    await emu.send_text(BOB, "こんにちは")
    await line.push_message(PushMessageRequest(to=BOB, messages=_text("どうぞ")))
    assert [m["text"] for m in emu.messages_to(BOB)] == ["どうぞ"]
