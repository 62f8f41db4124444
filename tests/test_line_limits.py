"""The LINE limits are defined once (bot.line_limits): what the bot cuts to, the emulator accepts."""

from __future__ import annotations

from bot import ui
from bot.emulator.limits import check_body
from bot.line_limits import ACTION_LABEL_MAX, TEXT_MAX, cut, length


def test_a_long_emoji_text_is_cut_to_what_line_accepts() -> None:
    # Before: the bot cut at 5000 code points and the emulator counted 5000 UTF-16 units; 3000 emoji are
    # 3000 code points but 6000 units, so LINE would have refused the message with a 400.
    msg = ui.text("😀" * 3000)
    assert check_body("/v2/bot/message/push", {"to": "U1", "messages": [msg]}) == []
    assert length(msg["text"]) == TEXT_MAX


def test_a_cut_never_splits_a_character() -> None:
    assert cut("あ😀い", 2) == "あ"  # the emoji's two units do not fit after あ: it goes whole
    assert cut("😀" * 11, ACTION_LABEL_MAX) == "😀" * 10
    assert cut("短い", TEXT_MAX) == "短い"
