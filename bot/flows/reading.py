"""Reading a resident's short answer in their own words: yes, no, cancel, a question about their request,
thanks, any day, don't know. Plain word lists, no model: these are the answers to questions the bot asked,
and they must be read the same way every time (the model read 「だれがくるん？」 as an emergency)."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping

from bot.flows import thanks
from bot.nlp.types import HELP_LABELS, HelpLabel


class Reply(enum.StrEnum):
    YES = "yes"
    NO = "no"
    CANCEL = "cancel"
    WHO = "who"  # 「だれがくるん？」
    WHEN = "when"  # 「いつくるん？」
    NOBODY = "nobody"  # 「まだだれもおらんが？」「決まった？」
    THANKS = "thanks"
    ANY_DAY = "any_day"  # 「いつでもいいわ」
    UNSURE = "unsure"  # 「わからん」


SHORT = 25  # an answer is a few words; a longer message is a message of its own

# Endings residents put after the word that carries the answer (Kanazawa dialect included).
_TAIL = r"(?:です|でし|します|しま|いします|いしま|ます|ね|よ|わ|や|だ|な|がや|げん|ぞ|まし|まっし|さ|ん|のう|ちょうだい|しや)*"
_YES_WORD = (
    r"(?:はい|はーい|うん|ええ|そう|そうや|そのとおり|その通り|それで(?:いい|ええ|よい)?|"
    r"お願い|おねがい|頼む|たのむ|頼み|たのみ|よろしく|ok|okay|オッケー|おっけー|"
    r"いいよ|ええよ|かまわん|構わない|かまいません|了解|りょうかい|ぜひ|是非)"
)
_YES = re.compile(rf"^(?:{_YES_WORD}{_TAIL})+$")
_NO = re.compile(
    r"^(?:いいえ|いや|いやいや|ちがう|違う|ちがい|違い|ちゃう|ちごう|ちがっ|違っ|だめ|ダメ|いらない|いらん|要らない|"
    r"けっこう|結構)"
)
_CANCEL = re.compile(
    r"やっぱり(?:いい|ええ|いら|やめ|結構|けっこう)|キャンセル|きゃんせる|取り消|とりけ|取りやめ|とりやめ|取り止め|"
    r"やめ(?:ます|る|て|とく|とき|にし)|止めます|中止|もう(?:いい|ええ|いら|結構|けっこう)|"
    r"(?:いら|要ら)(?:なくなっ|んくなっ|んようになっ)|お願いはいい|おねがいはいい|頼まんでいい|たのまんでいい"
)
_WHO = re.compile(
    r"(?:だれ|誰|どなた|どの人|どんな人)(?:さん)?(?:が|さんが)?(?:くる|来る|きて|来て|こられ|来られ|いらっしゃ|来ん|くるん|来てくれ|きてくれ)"
)
_WHEN = re.compile(
    r"(?:いつ|何時|なんじ|何日|なんにち)(?:に|ごろ|頃)?(?:くる|来る|きて|来て|こられ|来られ|いらっしゃ|来ん|くるん|来てくれ|きてくれ)"
)
_NOBODY = re.compile(
    r"まだ.{0,6}(?:だれも|誰も|決ま|きま|おらん|いない|こない|来ない|こん|来ん)|(?:決まっ|きまっ)た|"
    r"(?:だれも|誰も)(?:おらん|いない|こない|来ない)"
)
_ANY_DAY = re.compile(r"^(?:いつでも|何時でも|いつだって|いつになっても|日にちは(?:いつでも|なんでも))")
_UNSURE = re.compile(r"^(?:わから|分から|わかりません|分かりません|わからん|分からん|しらん|知らん)")


def normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s、。,.！!？?・…〜~ー「」]+", "", t)


def read(text: str) -> Reply | None:
    """What a short answer says, or None when it is not one of these answers."""
    t = normalize(text)
    if not t or len(t) > SHORT:
        return None
    # Questions about the request come first: 「だれがくるん？」 is a question, never an alarm.
    if _WHO.search(t) and "だれか" not in t and "誰か" not in t:
        return Reply.WHO
    if _WHEN.search(t):
        return Reply.WHEN
    if _NOBODY.search(t):
        return Reply.NOBODY
    if _CANCEL.search(t):
        return Reply.CANCEL
    if _ANY_DAY.search(t):
        return Reply.ANY_DAY
    if _UNSURE.search(t):
        return Reply.UNSURE
    if _NO.search(t):
        return Reply.NO
    if _YES.search(t):
        return Reply.YES
    if thanks.is_short_thanks(text):
        return Reply.THANKS
    return None


# Words that ask for something. With one of them, a kind of help the classifier scored this high is asked for,
# even when it scored chat higher: a short ask (雪すかしもお願いしたい) looks like a reply to it.
_ASKS = re.compile(r"お願い|おねがい|ほしい|欲しい|頼み|頼め|たのみ|たのめ|もらえ|いただけ|頂け")
ASKED_KIND = 0.35


def asked_help(
    category: str, scores: Mapping[str, float], text: str, besides: tuple[str, ...] = ()
) -> HelpLabel | None:
    """The kind of help the words ask for, or None. Never overrides a safety label."""
    if category not in (*HELP_LABELS, "not_request") or not _ASKS.search(text):
        return None
    return kind_named(scores, besides)


def kind_named(scores: Mapping[str, float], besides: tuple[str, ...] = ()) -> HelpLabel | None:
    """The kind of help a short answer names, where the bot asked for a kind (「雪すかし」, 「ちがう、買い物や」).

    The context says the words are a kind, so the best help label decides among the kinds alone; a word or
    two carries little evidence, and the classifier also gives weight to "no request" for short pieces.
    """
    kind: HelpLabel = max(HELP_LABELS, key=lambda k: scores.get(k, 0.0))
    if kind == "other_help" or kind in besides or scores.get(kind, 0.0) < ASKED_KIND:
        return None
    return kind
