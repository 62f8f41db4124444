"""Plain Japanese for residents, measured: every sentence of everything residents receive is at most 30
characters, one question a message, no office words, times as 午前7時／午後3時, the town example also in
hiragana. Functions are called with every category and with long but real-shaped values."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot import messages as M
from bot.flows import checkin

LIMIT = 30
OFFICE_WORDS = ("ご利用", "ご不明な点", "不審", "間隔")
QUOTED = "（ここに本人の言葉）"

# Long but real values for each parameter name (a 5-character name, a long date said back).
SAMPLES: dict[str, list[Any]] = {
    "category": [c for c in M.CATEGORY_NAMES if c not in ("emergency", "consult", "not_request")],
    "when_text": [
        "",
        M.format_when("2026-12-05", "15:30", None, "明後日"),
        M.format_when("2026-12-28", None, "afternoon"),
    ],
    "supporter": ["佐々木由美子"],
    "resident": ["北村とし子"],
    "name": ["北村とし子"],
    "town": ["中央通町"],
    "district": ["長町"],
    "status": list(M.STATUS_NAMES),
    "words": [QUOTED],
    "place": [M.CONSULT_DEFAULT_PLACE, M.CONSULT_SCAM_PLACE, M.CONSULT_SUICIDE_PLACE],
    "say": [M.EMERGENCY_SAY_119, M.EMERGENCY_SAY_FIRE, M.EMERGENCY_SAY_110, M.EMERGENCY_SAY_MISSING],
    "head": [M.EMERGENCY_HEAD, M.EMERGENCY_HEAD_110],
    "address": [None, "金沢市長町2丁目5-13"],
    "days": [[0, 3], [0, 2, 4]],
    "when": ["12月5日（土）"],
    "frequency": ["daily", "weekly"],
    "weekday": [0, 6],
    "hour": list(checkin.HOURS),
    "reachable": [True, False],
}


def _calls(fn: Any) -> Iterator[tuple[Any, ...]]:
    params = list(inspect.signature(fn).parameters.values())
    combos: list[tuple[Any, ...]] = [()]
    for p in params:
        values = SAMPLES.get(p.name)
        if values is None:
            raise AssertionError(f"no sample for {fn.__name__}({p.name}): add one to SAMPLES")
        combos = [(*c, v) for c in combos for v in values]
    yield from combos


def resident_texts() -> Iterator[tuple[str, str]]:
    for name in M.RESIDENT_FACING:
        value = getattr(M, name)
        if isinstance(value, str):
            yield name, value
        else:
            for args in _calls(value):
                yield f"{name}{args}", value(*args)


def _unquoted(text: str) -> str:
    """「お元気ですか？」 inside a sentence does not end it: the marks within quotes are masked."""
    return re.sub(r"「[^」]*」", lambda m: re.sub(r"[。！？]", "・", m.group(0)), text)


def sentences(text: str) -> list[str]:
    """A sentence ends at 。！？ or a line break; the resident's own quoted words are not ours to measure."""
    text = _unquoted(text.replace(QUOTED, ""))
    return [s for s in re.split(r"(?<=[。！？])|\n", text) if s.strip()]


ALL = list(resident_texts())


def test_every_sentence_residents_receive_is_at_most_30_characters() -> None:
    long = [(name, s, len(s)) for name, text in ALL for s in sentences(text) if len(s) > LIMIT]
    assert long == [], long
    assert len(ALL) > 150  # every registered name was measured


def test_one_question_per_message() -> None:
    many = [(name, text) for name, text in ALL if _unquoted(text).count("？") > 1]
    assert many == []


def test_no_office_words_anywhere() -> None:
    source = inspect.getsource(M)
    assert [w for w in OFFICE_WORDS if w in source] == []


def test_times_are_said_as_people_say_them() -> None:
    assert [M.hour_label(h) for h in checkin.HOURS] == [
        "午前7時",
        "午前8時",
        "午前9時",
        "午前10時",
        "お昼の12時",
        "午後3時",
    ]
    assert M.format_when("2026-12-05", "19:00", None) == "12月5日（土）の午後7時ごろ"
    assert M.format_when("2026-12-05", None, "morning", "明後日") == "あさって、5日（土）の朝"
    assert not any(re.search(r"(?<![午前後\d])1[3-9]時|2[0-3]時", t) for _, t in ALL)


def test_the_town_example_is_also_in_hiragana() -> None:
    for text in (M.WELCOME_NEW, M.ASK_TOWN_AGAIN, M.NOT_REGISTERED_YET, M.REGISTER_FIRST_TOWN):
        assert "長町" in text and "ながまち" in text


@pytest.mark.parametrize("request_id", [7, 1234])
def test_one_way_of_writing_a_request_number(request_id: int) -> None:
    no = M.request_no(request_id)
    assert no == f"依頼#{request_id}"
    for text in (M.group_claimed("山田", request_id), M.group_done(request_id), M.supporter_details_alt(request_id)):
        assert no in text
    assert re.findall(r"#\d+", M.group_post_title(request_id, False)) == [f"#{request_id}"]
    assert no in M.group_post_title(request_id, False)
