"""The wanted date, time and part of day in a message, resolved against `now` in Asia/Tokyo.

Rules over the normalised text (see `normalize.standard`), not ja-timex or GiNZA entities: neither
resolves 明日/今日中/あさって/来週の火曜 against a reference date (see docs/nlp.md, "Dates").
Past expressions (昨日, 先週から, 3日前) are never a wanted date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.nlp.types import Part, When

TZ = ZoneInfo("Asia/Tokyo")
_WEEKDAY = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}

_ANCHOR = re.compile(
    r"(?P<today>今日中|本日中|今日|本日)"
    r"|(?P<tonight>今晩|今夜|今夕)"
    r"|(?P<d3>明々後日|明明後日|しあさって)"
    r"|(?P<d2>明後日)"
    r"|(?P<d1>明日|明朝|明晩|明夜)"
    r"|(?P<rel>\d{1,2})日後"
    # spaces between words (こんど の かようび, one-finger typing) and weekdays in kana (すいよう, げつようび);
    # かよう alone is 通う, so Tuesday in kana needs its び
    r"|(?P<wk>今週|来週|再来週|今度|次|この)?\s*の?\s*(?:(?P<wd>[月火水木金土日])曜日?"
    r"|(?P<kwd>げつ|すい|もく|きん|ど|にち)ようび?|(?P<ktue>か)ようび)"
    r"|(?P<month>\d{1,2})月(?P<mday>\d{1,2})日"
    r"|(?P<mrel>来月|今月)\s*の?\s*(?P<mrday>\d{1,2})日(?![間前目後中分程])"
    # 15日 is a day of the month; 3日分, 10日ほど, 3日も, 2日続けて, ここ2日 are durations
    r"|(?<![\d月])(?<!ここ)(?P<day>\d{1,2})日(?![間前目後中おぶ曜分程]|ほど|くらい|ぐらい|ばかり|以上|以内|続|も|経|たっ|し)"
    r"|(?P<weekend>週末|土日)"
    # イブ alone is Christmas Eve only before a part of the day or に (イブ is also a painkiller's name)
    r"|(?P<fixed>クリスマス(?:イブ)?|(?<![ァ-ヴー])イブ(?=の?(?:夜|晩|日|昼|朝|夕方)|に)|大晦日|大みそか|おおみそか"
    r"|元日|元旦|がんたん)"
)
# Days named by the calendar: (month, day), the next one to come.
_FIXED_DAYS = {
    "クリスマスイブ": (12, 24),
    "イブ": (12, 24),
    "クリスマス": (12, 25),
    "大晦日": (12, 31),
    "大みそか": (12, 31),
    "おおみそか": (12, 31),
    "元日": (1, 1),
    "元旦": (1, 1),
    "がんたん": (1, 1),
}
_TOMORROW_PART: dict[str, Part] = {"明朝": "morning", "明晩": "night", "明夜": "night"}
_KANA_WEEKDAY = {"げつ": 0, "か": 1, "すい": 2, "もく": 3, "きん": 4, "ど": 5, "にち": 6}
# Expressions that point to the past: a date right after one of these is not wanted.
_PAST = re.compile(
    r"昨日|一昨日|おととい|先週|先々週|先月|去年|昨年|この前|先日|今朝|昨晩|昨夜|前の|\d+日前|\d+週間前|\d+年前"
)
_PART_WORDS: tuple[tuple[str, Part], ...] = (
    ("早朝", "early_morning"),
    ("午前中", "morning"),
    ("午前", "morning"),
    ("朝", "morning"),
    ("あさ", "morning"),
    ("昼過ぎ", "afternoon"),
    ("お昼", "noon"),
    ("昼間", "noon"),
    ("昼", "noon"),
    ("ひる", "noon"),
    ("午後", "afternoon"),
    ("夕方", "evening"),
    ("夕", "evening"),
    ("夜", "night"),
    ("よる", "night"),
    ("晩", "night"),
)
_PART = re.compile(r"^\s*(?:の|、|に)?\s*(" + "|".join(w for w, _ in _PART_WORDS) + ")")
_PART_OF = dict(_PART_WORDS)
_TIME = re.compile(
    r"(?P<pre>午前|午後|朝|あさ|夕方|夜|よる|晩|昼)?の?(?P<h>\d{1,2})(?:時|じ)(?!間)"
    r"(?:(?P<half>半)|(?P<m>\d{1,2})分)?(?P<about>ごろ|頃|くらい|ぐらい|過ぎ)?"
)
_TIME_NEAR = re.compile(r"(?:の|、| |に|は)?(?=(?:午前|午後|朝|あさ|夕方|夜|よる|晩|昼)?の?\d{1,2}(?:時|じ))")
# When a part of day ends (hour): a time said alone that is already past today means tomorrow.
_AFTERNOON_WORDS = ("午後", "夕方", "夜", "よる", "晩")


def _hour24(pre: str | None, h: int) -> int:
    if pre in _AFTERNOON_WORDS and h < 12:
        return h + 12
    if pre in ("午前", "朝", "あさ"):
        return h
    if pre == "昼" and h < 6:
        return h + 12
    # Said without 午前/午後: help is wanted by day, so 1–6 o'clock means the afternoon (3時ごろ → 15:00).
    return h + 12 if 1 <= h <= 6 else h


def _next_weekday(today: date, wd: int, strictly_after: bool = True) -> date:
    ahead = (wd - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(ahead)


def _month_day(today: date, month: int | None, day: int) -> date | None:
    try:
        if month is None:
            d = date(today.year, today.month, day)
            if d < today:
                m = today.month % 12 + 1
                d = date(today.year + (m == 1), m, day)
            return d
        d = date(today.year, month, day)
        if d < today:
            # within two months back it is a past event, not a wish; otherwise it is next year's date
            if (today - d).days <= 62:
                return None
            d = date(today.year + 1, month, day)
        return d
    except ValueError:
        return None


def _weekday_date(g: dict[str, str | None], today: date) -> date | None:
    wd = _WEEKDAY[g["wd"]] if g["wd"] else _KANA_WEEKDAY[g["kwd"] or g["ktue"] or ""]
    monday = today - timedelta(today.weekday())
    if g["wk"] == "今週" or g["wk"] == "この":
        d = monday + timedelta(wd)
        return d if d >= today else None
    if g["wk"] == "来週":
        return monday + timedelta(7 + wd)
    if g["wk"] == "再来週":
        return monday + timedelta(14 + wd)
    return _next_weekday(today, wd)


def _this_or_next_month(which: str, day: int, today: date) -> date | None:
    """来月3日 / 今月15日: a day of next month, or of this month if it has not passed."""
    month = today.month % 12 + 1 if which == "来月" else today.month
    try:
        d = date(today.year + (which == "来月" and month == 1), month, day)
    except ValueError:
        return None
    return d if d >= today else None


def _anchor_date(m: re.Match[str], today: date) -> tuple[date | None, Part | None]:
    g = m.groupdict()
    if g["today"]:
        return today, None
    if g["tonight"]:
        return today, "evening" if g["tonight"] == "今夕" else "night"
    if g["d3"]:
        return today + timedelta(3), None
    if g["d2"]:
        return today + timedelta(2), None
    if g["d1"]:
        return today + timedelta(1), _TOMORROW_PART.get(g["d1"])
    if g["rel"]:
        return today + timedelta(int(g["rel"])), None
    if g["wd"] or g["kwd"] or g["ktue"]:
        return _weekday_date(g, today), None
    if g["month"]:
        return _month_day(today, int(g["month"]), int(g["mday"])), None
    if g["mrel"]:
        return _this_or_next_month(g["mrel"], int(g["mrday"]), today), None
    if g["day"]:
        n = int(g["day"])
        return (_month_day(today, None, n) if 1 <= n <= 31 else None), None
    if g["fixed"]:
        return _month_day(today, *_FIXED_DAYS[g["fixed"]]), None
    if g["weekend"]:
        return (today if today.weekday() >= 5 else _next_weekday(today, 5, strictly_after=False)), None
    return None, None


def _is_past_context(text: str, start: int) -> bool:
    """A past marker just before the expression (先週の金曜, 昨日の3時) makes it a past date."""
    before = text[max(0, start - 4) : start]
    return bool(_PAST.search(before + "\x00")) and not before.endswith(("、", "。", " "))


def _time_of(m: re.Match[str]) -> str | None:
    h = int(m.group("h"))
    if h > 24:
        return None
    hh = _hour24(m.group("pre"), h) % 24
    mm = 30 if m.group("half") else int(m.group("m") or 0)
    if mm >= 60:
        return None
    return f"{hh:02d}:{mm:02d}"


def resolve(text: str, now: datetime) -> When | None:
    """The first wanted (not past) date expression in normalised `text`, with its time or part of day."""
    local = now.astimezone(TZ)
    today = local.date()
    past_ends: list[int] = []
    for m in _ANCHOR.finditer(text):
        if _is_past_context(text, m.start()):
            past_ends.append(m.end())
            continue
        d, part = _anchor_date(m, today)
        if d is None:
            past_ends.append(m.end())
            continue
        end = m.end()
        time: str | None = None
        near = _TIME_NEAR.match(text, end)
        if near:
            t = _TIME.match(text, near.end())
            if t and (time := _time_of(t)):
                end = t.end()
        if time is None:
            p = _PART.match(text[end:])
            if p:
                part = _PART_OF[p.group(1)]
                end += p.end()
        if time is not None:
            part = None
        return When(date=d.isoformat(), time=time, part=part, text=text[m.start() : end].strip("、 の"))
    # a time said alone (3時ごろ): today if still ahead, else tomorrow
    for t in _TIME.finditer(text):
        if _is_past_context(text, t.start()) or any(0 <= t.start() - e <= 3 for e in past_ends):
            continue
        time = _time_of(t)
        if time is None:
            continue
        hh, mm = int(time[:2]), int(time[3:])
        d = today if (hh, mm) > (local.hour, local.minute) else today + timedelta(1)
        return When(date=d.isoformat(), time=time, part=None, text=t.group(0))
    return None
