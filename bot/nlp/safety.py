"""Emergency and consultation cues: rules that win over the classifier, whatever its confidence.

Runs on normalised text (`normalize.standard`), so hiragana and dialect spellings are already mapped.
A cue is dropped when it is negated (胸は痛くない), hypothetical (転ばんように, 転んだら), or reported
as past and over (先週転んだけど今は大丈夫). States that only exist now (起きられない, 返事がない,
血が止まらない) are never dropped because of a past marker: 昨日転んでから動けない is an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Named sub-patterns and windows the rules file uses as {NAME}. A window is how far apart two parts of a cue
# may be: within a particle or two, a short phrase, a clause, a sentence (never across 。!?), or the message.
_PERSON = (
    r"(?:夫|妻|主人|旦那|家内|母|父|祖母|祖父|ばあちゃん|じいちゃん|おばあちゃん|おじいちゃん|おばあさん|おじいさん"
    r"|息子|娘|嫁|兄|姉|弟|妹|家族|わたし|私|あたし|隣の[^。]{0,8}?さん|近所の人|隣の人|誰か)"
)
_FALL_EVENT = r"(?:転ん|転倒|転び|滑って|滑った|落ちて|落ちた|こけ|倒れ|尻もち)"
_CANNOT = (
    r"(?:起きられない|起き上がれない|立てない|立ち上がれない|動けない|動かない|歩けない|足が動かない"
    r"|起きれない|立てなくな|動けなくな|痛くて動|身動きが取れない|這って|骨が折れ|骨折した"
    r"|動けません|起きられません|立てません|起き上がれません)"
)
_K_CANNOT = (
    r"(?:おきられ(?:ない|ん|ません)|おきれ(?:ない|ん)|おきあがれ(?:ない|ん|ません)|たて(?:ない|ん|ません)|"
    r"たちあがれ(?:ない|ん)"
    r"|うごけ(?:ない|ん|ません)|うごかん|うごかない|あるけ(?:ない|ん))"
)
ADJACENT, PHRASE, CLAUSE, SENTENCE, MESSAGE = 4, 8, 14, 24, 160
WINDOWS: dict[str, str] = {
    "ADJ": f"[^。!?]{{0,{ADJACENT}}}?",
    "ADJ_NO_COMMA": f"[^。!?、]{{0,{ADJACENT}}}?",
    "NEAR": f"[^。!?]{{0,{PHRASE}}}?",
    "NEAR_NO_COMMA": f"[^。!?、]{{0,{PHRASE}}}?",
    "CLAUSE": f"[^。!?]{{0,{CLAUSE}}}?",
    "SENTENCE": f"[^。!?]{{0,{SENTENCE}}}?",
    # only where a message is read as one sentence (the joined pass below): a scene told over several
    # sentences (家におらん。…探したけど見つからん)
    "MESSAGE": f"[^。!?]{{0,{MESSAGE}}}?",
}
MACROS: dict[str, str] = {"PERSON": _PERSON, "FALL_EVENT": _FALL_EVENT, "CANNOT": _CANNOT, "K_CANNOT": _K_CANNOT}
RULES_FILE = Path(__file__).resolve().parent / "data" / "safety_rules.tsv"
_NAME = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True, slots=True)
class Cue:
    """One line of the rules file."""

    script: str  # "written" | "kana"
    label: str  # "emergency" (sure) | "possible" (a possible emergency) | "consult"
    tag: str
    pattern: str  # as written in the file
    example: str
    regex: re.Pattern[str]


def expand(pattern: str) -> str:
    return _NAME.sub(lambda m: {**WINDOWS, **MACROS}[m.group(1)], pattern)


def load_cues(path: Path = RULES_FILE) -> list[Cue]:
    cues = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        script, label, tag, pattern, example = ([*line.split("\t"), ""])[:5]
        if script not in ("written", "kana") or label not in ("emergency", "possible", "consult"):
            raise ValueError(f"{path.name} line {n}: bad script or label")
        cues.append(Cue(script, label, tag, pattern, example, re.compile(expand(pattern))))
    return cues


CUES = load_cues()


def _by_tag(script: str, label: str) -> dict[str, re.Pattern[str]]:
    """One alternation per tag, in file order (the first tag that fires is reported first)."""
    parts: dict[str, list[str]] = {}
    for c in CUES:
        if c.script == script and c.label == label:
            parts.setdefault(c.tag, []).append(expand(c.pattern))
    return {tag: re.compile("|".join(ps)) for tag, ps in parts.items()}


_SENTENCE = re.compile(r"[^。!?\n]+[。!?\n]*")
# a pet that struggles (猫の爪切りで暴れる) is not violence; a person in the sentence (息子が暴れて猫を) still is
_ANIMAL = re.compile(r"猫|ねこ|ネコ|犬|いぬ|イヌ|ペット|インコ")
_HUMAN = re.compile(
    r"息子|むすこ|夫|主人|旦那|だんな|男|おとこ|娘|父|兄|弟|孫|嫁|酒|さけ|酔|よっ|誰か|だれか|人が|ひとが|隣"
)


def _pet_struggles(text: str, at: int, word: str) -> bool:
    """暴れ with a pet named just before (in this sentence or the one before) and no person in sight."""
    if not (word.startswith("暴れ") or word.startswith("あばれ")):
        return False
    return bool(_ANIMAL.search(text[max(0, at - 40) : at])) and not _HUMAN.search(text)


# "it is over / it was nothing": a cue before one of these in the same sentence is dropped
_FINE = re.compile(
    r"(?:今は|もう|今では|すっかり)[^。!?]{0,8}?(?:大丈夫|平気|元気|なんともない|何ともない|治|良くなっ|よくなっ|回復)"
    r"|夢を見|夢やった|夢だった|気のせい|勘違い|お騒がせ|と思ったら|退院し|治りました|治った|おさまっ|おさまり|治まっ|治まり|落ち着い"
    # already in hospital's hands: 救急車で運ばれた後、入院中の着替えを
    r"|運ばれた|入院(?:中|して|した|しとる|している)"
)
_PAST = re.compile(
    r"先週|先々週|先月|去年|昨年|以前|前に|この前|先日|昔|一昨日|おととい|昨日|\d+(?:日|週間|か月|ヶ月|年)前|"
    r"前の冬|去年の"
)
# cues whose words only describe a state that holds now: a past marker does not cancel them
_NOW_ONLY = re.compile(
    r"起きられない|起き上がれない|立てない|動けない|返事がない|意識がない|血が止まらない|息ができない|息が苦し|"
    r"燃えている|燃えてる"
    r"|動けません|起きられません|立てません|起き上がれません"
)
_AFTER_NEG = re.compile(
    r"^[^。!?、]{0,3}?(?:くない|くなかった|かった|ではない|じゃない|でない|ことはない|わけではない|なかった|"
    r"はしない|しない"
    r"|ません)"
    # polite negations are longer than three characters: 火事ではございません, 火事ではありません
    r"|^\s*(?:では|じゃ)(?:ござい|あり)ません"
    # hypothetical or feared, right after the cue: 転んだら, 転びそう, 燃えないように, ガス漏れかもしれない
    r"|^.?(?:ないよう|んよう|ように|そう|たら|と危|と困|ないか|か心配|かもしれ)"
    # a feared or supposed event a few words on: 火事にでもなったら, 倒れた折に, 倒れたときに, 火事が怖い
    r"|^[^。!?]{0,6}?(?:になったら|でもなったら|(?:た|る)(?:折|とき|時|場合|際)|が怖|がこわ|のが怖|が心配)"
    r"|^\s*が\s*(?:一番|いちばん)\s*(?:怖|こわ)"
    # a question about the service, or "or something": 救急車を呼んでもらえるのか, ガス漏れでもしとるんか
    r"|^[^。!?]{0,8}?(?:もらえる|貰える|貰へる|もらう|くれる|いただける|頂ける)(?:の|ん|か|こと|が)"
    r"|^[^。!?]{0,2}?でも(?:し|あっ|なっ|起き)"
)
_BEFORE_NEG = re.compile(
    r"(?:(?<!もし)もし(?!もし|も)|(?<!もし)もしも(?!し)|万一|万が一|ないように|予防|防止|訓練|心配なので)[^。!?]{0,12}$"
)
# a danger word in a chore about the alarm or the gas bill (火災報知器の電池, ガスの点検), not a danger now
_ALARM = re.compile(r"電池|点検|検針|料金|ガス代|請求|明細|警報器|の用心|防犯|対策|訓練|設置|取り付け|付けて")


@dataclass(frozen=True, slots=True)
class SafetyResult:
    label: str | None  # "emergency", "consult" or None
    cues: tuple[str, ...]
    suppressed: tuple[str, ...]  # emergency cues seen but dropped as past, negated or hypothetical
    certain: bool = True  # False when only a "possible" cue fired: 119 shown, one question asked

    @property
    def suppressed_danger(self) -> bool:
        """A danger word was read but set aside (去年転んだ, 転ばんように, 火の用心)."""
        return bool(self.suppressed)


@dataclass(frozen=True)
class _Rules:
    emergency: dict[str, re.Pattern[str]]
    possible: dict[str, re.Pattern[str]]
    consult: dict[str, re.Pattern[str]]
    fine: re.Pattern[str]
    past: re.Pattern[str]
    now_only: re.Pattern[str]
    after_neg: re.Pattern[str]
    before_neg: re.Pattern[str]
    alarm: re.Pattern[str]
    past_mention: re.Pattern[str]


# A past event mentioned without a present state (去年階段から落ちてから足が弱くなって): the classifier alone
# must not turn it into an emergency either.
_PAST_MENTION = re.compile(
    r"(?:先週|先々週|先月|去年|昨年|一昨年|おととし|以前|前に|この前|先日|昔|一昨日|昨日|ゆうべ|昨夜|昨晩|"
    r"\d+(?:日|週間|か月|ヶ月|年)前)[^。!?]{0,10}?"
    r"(?:転|落ち|滑|倒れ|胸|火事|ガス|煙|泥棒|救急車|入院|ぼや)"
)
# Someone else's trouble told as over (救急車で運ばれたけど大したことなかった、ひと安心): news, not a call for help.
_OVER = re.compile(r"大したことな|たいしたことな|ひと安心|一安心|安心した|もう落ち着い|もう片付い|誰もけがな|けがはな")

_PREVENT = re.compile(
    r"^[^。!?]{0,8}?(?:が怖い(?:ので|から|さけ)|がこわい(?:ので|から|さけ)|対策|たいさく|に(?:あわ|遭わ)ない(?:よう|ため)"
    r"|に気をつけ|にきをつけ|防止|ぼうし|よけ)"
)
# A feared or supposed event (倒れたらどうしよう, 転んでも誰も気づかん): the classifier alone must not call it
# an emergency either.
# A pain of the heart, not of the chest: 寂しさが胸に来る, 胸が痛む、体じゃなくて気持ちの方 (a chest cue in such a
# message is set aside, so the classifier alone decides, and must be surer).
_FEELING = re.compile(
    r"寂し|さみし|さびし|淋し|思い出|おもいだ|悲し|かなし|切な|恋し|病(?:気)?(?:では|じゃ|や)(?:無|な)|体(?:じゃ|では)な"
    r"|からだ(?:じゃ|では)な|気持ち|きもち"
)
_FEELING_TAGS = ("chest_pain",)

_HYPO_MENTION = re.compile(
    r"(?:倒れ|たおれ|転ん|ころん|転倒|転ば|ころば|火事|かじ|ガス|がす|泥棒|どろぼう)[^。!?]{0,4}?"
    r"(?:たら|ても|ないか|ないよう|んよう|と思うと|とおもうと|かもしれ|が心配|がしんぱい|のが怖|のがこわ)"
)

WRITTEN = _Rules(
    _by_tag("written", "emergency"),
    _by_tag("written", "possible"),
    _by_tag("written", "consult"),
    _FINE,
    _PAST,
    _NOW_ONLY,
    _AFTER_NEG,
    _BEFORE_NEG,
    _ALARM,
    _PAST_MENTION,
)

KANA = _Rules(
    _by_tag("kana", "emergency"),
    _by_tag("kana", "possible"),
    _by_tag("kana", "consult"),
    re.compile(
        r"(?:いまは|もう|すっかり)[^。!?]{0,8}?(?:だいじょうぶ|へいき|げんき|なんともない|なおっ|なおり|"
        r"よくなっ|だんない)"
        r"|ゆめをみ|ゆめやった|ゆめだった|きのせい|かんちがい|おさわがせ|とおもったら|たいいんし|なおりました|なおった|おさまっ|おさまり|おちつい"
        r"|はこばれた|にゅういん(?:ちゅう|して|した|しとる)"
    ),
    re.compile(r"せんしゅう|せんげつ|きょねん|さくねん|いぜん|まえに|このまえ|せんじつ|むかし|おととい|きのう"),
    re.compile(
        r"おきられ(?:ない|ん)|おきあがれ(?:ない|ん)|たて(?:ない|ん)|うごけ(?:ない|ん)|へんじがない|いしきがない"
        r"|ちがとまらない|いきができ|もえて(?:いる|る|おる|とる)|もえとる"
    ),
    re.compile(
        r"^[^。!?、]{0,3}?(?:くない|くなかった|かった|ではない|じゃない|でない|ことはない|なかった|はしない|"
        r"しない|ません)"
        r"|^\s*(?:では|じゃ)(?:ござい|あり)ません"
        r"|^.?(?:ないよう|んよう|ように|そう|たら|とあぶな|ないか|かしんぱい|かもしれ)"
        r"|^[^。!?]{0,6}?(?:になったら|でもなったら|(?:た|る)(?:おり|とき|ばあい|さい)|がこわ|のがこわ|がしんぱい)"
        r"|^[^。!?]{0,8}?(?:もらえる|もらう|くれる|いただける)(?:の|ん|か|こと|が)"
        r"|^[^。!?]{0,2}?でも(?:し|あっ|なっ|おき)"
    ),
    re.compile(
        r"(?:(?<!もし)もし(?!もし|も)|(?<!もし)もしも(?!し)|まんいち|まんがいち|ないように|よぼう|ぼうし|"
        r"くんれん)[^。!?]{0,12}$"
    ),
    re.compile(
        r"ほうちき|けいほうき|てんけん|けんしん|りょうきん|がすだい|せいきゅう|めいさい|ひのようじん|ぼうはん|たいさく|でんち"
    ),
    re.compile(
        r"(?:せんしゅう|せんげつ|きょねん|いぜん|まえに|このまえ|せんじつ|きのう)[^。!?]{0,10}?(?:ころ|おち|"
        r"すべ|たおれ|むね|かじ)"
    ),
)

_HELP_ONLY = re.compile(
    r"^\s*(?:助けて|たすけて|誰か|だれか|助けてください|たすけてください|助けてー+|たすけてー+)[\s!ー。!]*$"
)


def _dropped(rules: _Rules, sentence: str, m: re.Match[str]) -> bool:
    after = sentence[m.end() :]
    before = sentence[: m.start()]
    now_only = rules.now_only.search(m.group(0) + after[:8])
    if rules.after_neg.match(after) and not rules.now_only.search(m.group(0)):
        return True
    if rules.before_neg.search(before):
        return True
    if rules.fine.search(after):
        return True
    if not now_only:
        past = list(rules.past.finditer(before[-12:]))
        # 昨日から胸が痛い: a state that began in the past and goes on is not over
        if past and not before[-12:][past[-1].end() :].startswith("から"):
            return True
    return False


def _danger_cues(
    rules: _Rules,
    patterns: dict[str, re.Pattern[str]],
    sentence: str,
    found: list[str],
    dropped: list[str],
    feeling: bool,
    preceding: str = "",
) -> None:
    """`preceding`: the sentence before, for the few guards that need the context (a pet named there)."""
    for tag, pat in patterns.items():
        if feeling and tag in _FEELING_TAGS and pat.search(sentence):
            dropped.append(tag)
            continue
        for m in pat.finditer(sentence):
            if tag in ("fire", "gas") and rules.alarm.search(sentence) and not rules.now_only.search(sentence):
                dropped.append(tag)
                continue
            if tag == "violence" and _pet_struggles(preceding + sentence, len(preceding) + m.start(), m.group(0)):
                dropped.append(tag)  # 猫の爪切りで暴れる: a pet, not a person
                continue
            if _dropped(rules, sentence, m):
                dropped.append(tag)
                continue
            if tag not in found:
                found.append(tag)
            break


def _scan(
    rules: _Rules,
    text: str,
    em: list[str],
    co: list[str],
    dropped: list[str],
    pos: list[str] | None = None,
    feeling: bool = False,
) -> None:
    preceding = ""
    for sm in _SENTENCE.finditer(text):
        sentence = sm.group(0)
        _danger_cues(rules, rules.emergency, sentence, em, dropped, feeling, preceding)
        if pos is not None:
            _danger_cues(rules, rules.possible, sentence, pos, dropped, feeling, preceding)
        preceding = sentence
        for tag, pat in rules.consult.items():
            c = pat.search(sentence)
            if c and tag not in co and not rules.fine.search(sentence[c.end() :]):
                if tag == "scam" and _PREVENT.match(sentence[c.end() :]):
                    continue  # 詐欺の電話が怖いので迷惑電話の設定を: prevention is a chore
                co.append(tag)
        if rules.past_mention.search(sentence) or (rules is WRITTEN and _OVER.search(sentence)):
            dropped.append("past")
        if _HYPO_MENTION.search(sentence):
            dropped.append("hypothetical")


def _joined(text: str) -> str:
    """The message as one sentence, so that 落ちた。動かん is read like 落ちて動かん."""
    return re.sub(r"[。!?\n]+", "、", text).replace(" ", "")


def check(text: str, kana: str | None = None) -> SafetyResult:
    """Emergency cues first (they win), then consultation cues.

    `text` is the normalised message; `kana`, when given, its hiragana reading, scanned with the kana rules.
    """
    if _HELP_ONLY.match(text):
        return SafetyResult("emergency", ("help_call",), ())
    em: list[str] = []
    pos: list[str] = []
    dropped: list[str] = []
    co: list[str] = []
    feeling = bool(_FEELING.search(text) or (kana and _FEELING.search(kana)))
    _scan(WRITTEN, text, em, co, dropped, pos, feeling)
    if kana:
        _scan(KANA, kana, em, co, dropped, pos, feeling)
    if not em:
        # an event and its state in two sentences or split by voice-input pauses (ちが　とまらん);
        # consultation cues are not re-read
        _scan(WRITTEN, _joined(text), em, [], [], pos, feeling)
        if kana:
            _scan(KANA, _joined(kana), em, [], [], pos, feeling)
    if em:
        return SafetyResult("emergency", tuple(em + [p for p in pos if p not in em] + co), tuple(dropped))
    if pos:
        return SafetyResult("emergency", tuple(pos + co), tuple(dropped), certain=False)
    if co:
        return SafetyResult("consult", tuple(co), tuple(dropped))
    return SafetyResult(None, (), tuple(dropped))
