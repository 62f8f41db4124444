"""Reading a supporter's own words about what they can do, where and when (「買い物と ごみ出しなら」)."""

from __future__ import annotations

import unicodedata

from bot.nlp.towns import Town, hiragana

# Words a supporter may use for each help kind; hiragana forms are matched on the reading too.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "garbage": ("ごみ", "ゴミ", "塵", "ごみだし", "ゴミ出し", "資源"),
    "shopping": ("買い物", "かいもの", "買物", "お使い", "おつかい", "買い出し"),
    "repair": ("電球", "でんきゅう", "修理", "しゅうり", "直す", "なおす", "大工", "蛍光灯"),
    "snow": ("雪", "ゆき"),
    "garden": ("草", "くさ", "庭", "にわ", "植木", "剪定"),
    "moving": ("運ぶ", "運び", "はこぶ", "はこび", "家具", "力仕事", "重い", "おもい", "引っ越し"),
    "cleaning": ("掃除", "そうじ", "片付け", "片づけ", "かたづけ", "整理"),
    "escort": ("通院", "つういん", "付き添い", "付添", "つきそい", "病院", "びょういん", "送迎", "外出"),
    "companionship": ("話し相手", "はなしあいて", "おしゃべり", "お話", "おはなし", "話相手", "茶飲み"),
    "paperwork": ("書類", "しょるい", "手紙", "てがみ", "読み書き", "よみかき", "代筆"),
    "device": ("スマホ", "すまほ", "携帯", "テレビ", "てれび", "家電", "パソコン", "機械", "きかい", "電話の"),
}
EVERYTHING = ("なんでも", "何でも", "なんでもok", "全部", "ぜんぶ", "すべて", "全て", "いろいろ", "色々")
ANYWHERE = ("どこでも", "全部", "ぜんぶ", "全域", "地区の中", "地区内", "すべて", "全て")

DAYS = ("weekday", "weekend")
PARTS = ("morning", "afternoon", "evening")
SLOTS: tuple[str, ...] = tuple(f"{d}_{p}" for d in DAYS for p in PARTS)
_DAY_WORDS = {
    "weekday": ("平日", "へいじつ", "月曜", "火曜", "水曜", "木曜", "金曜", "月から金", "月〜金", "仕事の日"),
    "weekend": ("土日", "どにち", "週末", "しゅうまつ", "休日", "きゅうじつ", "土曜", "日曜", "休み", "祝日"),
}
_PART_WORDS = {
    "morning": ("午前", "ごぜん", "朝", "あさ", "午前中"),
    "afternoon": ("午後", "ごご", "昼", "ひる"),
    "evening": ("夕方", "ゆうがた", "夜", "よる", "夕"),
}
_ALWAYS = ("いつでも", "毎日", "まいにち", "いつも", "何時でも", "なんじでも")


def _plain(words: str) -> str:
    return unicodedata.normalize("NFKC", words).lower()


def kinds(words: str, reading: str = "") -> list[str]:
    """The help kinds named in the words, in the order of bot.nlp.types.HELP_LABELS; all of them for 「なんでも」."""
    t, heard = _plain(words), hiragana(reading)
    if any(w in t for w in EVERYTHING):
        return list(KIND_WORDS)
    return [k for k, ws in KIND_WORDS.items() if any(w in t or w in heard for w in ws)]


def towns(words: str, reading: str, candidates: list[Town]) -> list[str]:
    """Town names said (in kanji or kana), or every town for 「どこでも」."""
    t, heard = hiragana(words), hiragana(reading)
    if any(w in t for w in ANYWHERE):
        return [c.name for c in candidates]
    return [c.name for c in candidates if c.name in t or (len(c.reading) >= 3 and c.reading in heard)]


def free(words: str) -> list[str]:
    """Usual free slots: days (平日／土日) times parts of day (午前／午後／夕方); one side missing means all of it."""
    t = _plain(words)
    days = [d for d in DAYS if any(w in t for w in _DAY_WORDS[d])]
    parts = [p for p in PARTS if any(w in t for w in _PART_WORDS[p])]
    if not days and not parts and not any(w in t for w in _ALWAYS):
        return []
    return [f"{d}_{p}" for d in (days or DAYS) for p in (parts or PARTS)]
