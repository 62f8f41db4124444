"""Finding the town a resident means from their own words: the kanji name, its reading in hiragana or
katakana, with dialect around it (「ながまちにすんどります」) or a typo (「ながまっち」, 「なかまち」).
Readings come from SudachiPy through GiNZA's tokenizer (the caller passes them in)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

SURE = 1.0
CLOSE = 0.74  # a reading this similar is offered as a button; below it, nothing is suggested
MAX_SUGGEST = 3
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")


@dataclass(frozen=True, slots=True)
class Town:
    id: int
    name: str  # 長町
    reading: str  # ながまち (hiragana)


@dataclass(frozen=True, slots=True)
class Found:
    towns: list[Town]  # best first
    sure: bool  # the name or its reading is in the words; else only similar readings


def hiragana(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = _KATAKANA.sub(lambda m: chr(ord(m.group(0)) - 0x60), t)
    return re.sub(r"[\s、。,.！!？?・…〜~「」（）()]+", "", t)


def _similarity(reading: str, words: str) -> float:
    """The best match of the town's reading against any stretch of the words of about its length."""
    if not reading or not words:
        return 0.0
    n = len(reading)
    best = 0.0
    for size in (n - 1, n, n + 1):
        if size <= 0:
            continue
        for start in range(max(1, len(words) - size + 1)):
            window = words[start : start + size]
            best = max(best, SequenceMatcher(None, reading, window).ratio())
    return best


def find(words: str, words_reading: str, towns: list[Town]) -> Found:
    """`words` as typed; `words_reading` their hiragana reading (kanji read by SudachiPy)."""
    plain = hiragana(words)
    heard = hiragana(words_reading)
    if not plain:
        return Found([], False)
    named = [t for t in towns if t.name in plain or (len(plain) >= 2 and plain == t.name.removesuffix("町"))]
    if named:
        return Found(sorted(named, key=lambda t: -len(t.name)), True)
    read = [t for t in towns if len(t.reading) >= 2 and (t.reading in plain or t.reading in heard)]
    if read:
        return Found(sorted(read, key=lambda t: -len(t.reading)), True)
    scored = sorted(
        ((max(_similarity(t.reading, plain), _similarity(t.reading, heard)), t) for t in towns), key=lambda x: -x[0]
    )
    close = [t for score, t in scored if score >= CLOSE][:MAX_SUGGEST]
    return Found(close, False)
