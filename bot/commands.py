"""The few plain words the bot understands without the classifier (status, yes/no, group commands)."""

from __future__ import annotations

import enum
import re
import unicodedata


class Command(enum.Enum):
    STATUS = "status"  # 依頼の状況
    HELP = "help"  # 使いかた
    YES = "yes"
    NO = "no"
    UNRESOLVED = "unresolved"  # coordinators' group: what is open
    ACTIVITY = "activity"  # a supporter asks how much they helped
    WATCH_START = "watch_start"  # a resident asks for 見守り check-ins
    WATCH_STOP = "watch_stop"
    ASK = "ask"  # 困りごとを伝える (the rich menu's first button): invite the resident to write
    SKILLS = "skills"  # a supporter records what they can do, where and when (bot.flows.skills)


def clean(text: str) -> str:
    """Drop control characters (keeping line breaks and tabs): they mean nothing to a reader and
    PostgreSQL refuses NUL in text."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def normalize(text: str) -> str:
    """NFKC, no spaces or closing punctuation: 「は い。」 and 「はい」 are the same answer."""
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s、。！!？?・…〜~ー]+", "", t)


_WORDS: dict[Command, tuple[str, ...]] = {
    Command.STATUS: (
        "依頼の状況",
        "依頼状況",
        "状況",
        "じょうきょう",
        "いらいのじょうきょう",
        "依頼の確認",
        "私の依頼",
        "わたしの依頼",
    ),
    Command.HELP: ("使いかた", "使い方", "つかいかた", "ヘルプ", "help", "使い方を教えて"),
    Command.YES: (
        "はい",
        "はいお願いします",
        "はいおねがいします",
        "お願いします",
        "おねがいします",
        "うん",
        "ええ",
        "そうです",
        "頼みます",
        "たのみます",
        "ok",
    ),
    Command.NO: (
        "いいえ",
        "いや",
        "やめます",
        "やめる",
        "ちがう",
        "違います",
        "ちがいます",
        "結構です",
        "けっこうです",
    ),
    Command.UNRESOLVED: ("未解決", "みかいけつ", "未解決一覧"),
    Command.ASK: ("困りごとを伝える", "困りごとを伝えたい", "困りごと"),
    Command.SKILLS: (
        "できること",
        "できる事",
        "できることを登録",
        "できることを変える",
        "得意なこと",
        "できるお手伝い",
    ),
    Command.ACTIVITY: ("活動", "活動状況", "わたしの活動", "私の活動", "今月の活動", "活動記録"),
    Command.WATCH_START: (
        "見守り",
        "見守りをお願い",
        "見守りをお願いします",
        "見守りお願いします",
        "みまもり",
        "みまもりをおねがい",
        "みまもりをおねがいします",
        "見守りを始める",
        "見守りをはじめる",
    ),
    Command.WATCH_STOP: ("見守りをやめる", "見守りをやめます", "見守りをとめる", "みまもりをやめる", "見守り終了"),
}
_LOOKUP = {normalize(w).lower(): c for c, words in _WORDS.items() for w in words}

# In a group the bot listens to nothing else: supporters' own talk is not ours to read or keep.
GROUP_COMMANDS = frozenset({Command.UNRESOLVED, Command.HELP})


def match(text: str) -> Command | None:
    return _LOOKUP.get(normalize(text).lower())


def is_group_command(text: str) -> bool:
    return match(text) in GROUP_COMMANDS
