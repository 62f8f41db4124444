"""Masking of personal data (names, phone numbers, street addresses, e-mail) before a text is posted.

Phones, e-mail and addresses are regular expressions on width-normalised text. Names come from three
sources, cheapest first: SudachiPy's own part-of-speech (名詞-固有名詞-人名), honorific and self-introduction
patterns over the tokens (〇〇さん, 田中です, 北村と申します), and GiNZA's Person entities — the NER pass is
the expensive part of the pipeline, so it only runs on a short window before a name trigger (さん, と申します)
that the patterns could not resolve.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Token

from bot.nlp.normalize import width

NAME = "〈名前〉"
PHONE = "〈電話〉"
ADDRESS = "〈住所〉"
EMAIL = "〈メール〉"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SEP = r"[-‐‑–—−ー―~ .]"
_PHONE = re.compile(
    r"(?<![\d])(?:"
    r"\(0\d{1,4}\)\s?\d{1,4}" + _SEP + r"?\d{3,4}"  # (076)231-4567
    r"|0\d{1,4}\(\d{1,4}\)\d{3,4}"  # 076(231)4567
    r"|0\d{1,4}" + _SEP + r"\d{1,4}" + _SEP + r"\d{3,4}"  # 090-1234-5678, 076 231 4567
    r"|0[5789]0\d{8}|0\d{9}"  # 09012345678, 0762314567
    r"|\+81[- ]?\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}"
    # read aloud by voice input: 076の2 4 1の3 8 5 9 (digits with の or spaces between, 10–11 in all)
    r"|0(?:[ のー-]{0,2}\d){9,10}"
    # in kanji numerals, as a letter-writer types them: 〇七六-二五二-七七三一
    r"|〇[〇一二三四五六七八九]{1,4}" + _SEP + r"[〇一二三四五六七八九]{1,4}" + _SEP + r"[〇一二三四五六七八九]{3,4}"
    r")(?![\d〇一二三四五六七八九])"
)
_NUM = r"\d+"
# Addresses are also written in kanji numerals (四丁目二十番八号); only with 丁目/番地/番…号 around them,
# so 一番 (the most) stays.
_KNUM = r"(?:\d+|[〇一二三四五六七八九十百]+)"
_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fff\u30a0-\u30ffヶケ]{1,8}?)?"  # town name just before the numbers (長町, 泉野町)
    r"(?:"
    rf"{_KNUM}丁目(?:\s?{_KNUM}(?:番地?|-|の))?(?:\s?{_KNUM}(?:号|番地?)?)?(?:-{_NUM})?"
    rf"|{_KNUM}番地(?:の{_KNUM})?(?:-{_NUM})?"
    rf"|{_KNUM}番{_KNUM}号"
    rf"|{_NUM}番{_NUM}号?"
    rf"|{_NUM}-{_NUM}(?:-{_NUM})?(?![\d日人個回時月年分本枚歳])"
    r")"
    r"(?:\s?[\u30a0-\u30ffA-Za-z\u4e00-\u9fff]{0,10}?\s?\d{1,4}号室?)?"
)
# Spoken and kana forms: 材木町五の十二, のまち 3の7 (a town, then numbers joined by の), and
# ながまち2ちょうめ5ばん14ごう. The の form needs the town (町/まち) before it, or 3の7 in other text would go.
_ADDRESS_SPOKEN = re.compile(
    rf"(?:[\u4e00-\u9fff]{{1,6}}町|[ぁ-ん]{{1,6}}まち)\s?{_KNUM}の{_KNUM}(?:の{_KNUM})?"
    r"|(?:[ぁ-ん]{1,8}?)?\d+ちょうめ(?:\s?\d+ばん(?:ち)?)?(?:\s?\d+(?:ごう|の\d+))?"
    # three numbers joined by の after any place name (小立野3の12の8) are a street address even without 町
    rf"|[\u4e00-\u9fff]{{1,6}}\s?{_KNUM}の{_KNUM}の{_KNUM}"
    # a flat in a housing block: 3棟205, 3棟の207号室
    r"|\d{1,2}棟の?\s?\d{2,4}(?:号室?)?"
)
# Words before さん/様 that name a role, not a person: keep them (大家さん, お医者さん, 民生委員さん).
_ROLE = re.compile(
    r"(?:大家|医者|お医者|民生委員|八百屋|魚屋|郵便屋|宅配|ヘルパー|ケアマネ|看護師|お巡り|隣|お隣|近所|ご近所|皆|みな|みんな"
    r"|お母|お父|おばあ|おじい|奥|娘|息子|お姉|お兄|お嫁|嫁|孫|サポーター|社協|役所|電気屋|大工|植木屋|床屋|新聞屋|酒屋|米屋"
    r"|薬屋|本屋|お坊|坊|神主|先生|お客|お疲れ|ご苦労|ごちそう|お世話|お互い|運転手|業者|管理人|班長|町会長|会長|ガス屋"
    r"|灯油屋|屋|店|係|職員|担当|家政婦|お手伝い|となり|おとなり|きんじょ|おいしゃ|いしゃ|ばあ|じい|かあ|とう|ねえ|にい|おく"
    r"|みなさ|皆さ|お嬢|坊ちゃ|赤ちゃ|猫|犬|ワンちゃ|お巡りさ|警察|消防|救急|市役所|区役所|包括|センター|病院|薬局)$"
)
_HONORIFIC = {"さん", "様", "さま", "サマ", "ちゃん", "君", "くん", "氏", "殿"}
_SELF_INTRO = {"です", "と申します", "申し", "でございます", "といいます", "と言います"}
_NOT_NAME = re.compile(
    r"^(?:大丈夫|本当|元気|心配|不安|一人|独り|テスト|了解|以上|結構|無理|平気|私|わたし|あたし|僕|俺|母|父|妻|夫|主人|家内"
    r"|今日|明日|雪|寒|暑|ありがとう|すみません|お願い|確認|了解|お世話|よろしく|ここ|そこ|どこ|これ|それ|何|なん|一人暮らし"
    r"|お疲れ|年寄り|高齢|病気|留守|入院中|独居|足|腰|膝|目|耳|手|午前|午後|朝|昼|夜|夕方|今|以上|最近|毎日|本日"
    r"|大変|無事|安心|残念|不便|必要|不要|雪|テスト|初めて|久しぶり|相変わらず)"
)


_NAME_ENDINGS = set("子江美代枝恵乃郎男夫雄助吉蔵衛門治次")
_INTRO_RE = re.compile(
    r"(?:^|[。!?\s]|〉の|町の|丁目の)([\u4e00-\u9fff]{1,4}|[ァ-ヴー]{2,6})(?=です|と申します|といいます|でございます)"
    # 連絡は私、宮下まで / 〈電話〉の山岸まで: a name where a reply should go
    r"|(?:私|わたし|わたくし|〉)[、,の]?\s?([\u4e00-\u9fff]{2,4})(?=まで|宛|あて)"
    # 〈住所〉 大田 〈電話〉: a name standing alone between the address and the phone
    r"|〉\s([\u4e00-\u9fff]{2,4})\s〈"
    # 〈住所〉の竹内や、: a name said after the address, in dialect
    r"|〉の([\u4e00-\u9fff]{2,4})(?=や(?:[、,。 ]|$)|やけど|やが)"
    # 近所の松本んとこの息子: a family named by its house
    r"|の([\u4e00-\u9fff]{2,3})(?=んとこ|んち[のにへ])"
    # (ヘルパー岡本) / 民生委員の北村より: a role, then the name
    r"|(?:ヘルパー|民生委員|看護師|ケアマネ(?:ジャー)?)(?:の)?\s?([\u4e00-\u9fff]{2,4})(?=[)）]|より|です|$)"
    # 東京の息子の誠と: a family member's given name right after who they are (not 息子の嫁, 孫の顔)
    r"|(?:息子|娘|孫|長男|次男|長女|次女|弟|妹|兄|姉)の"
    r"((?!嫁|婿|顔|家|車|声|話|事|方|分|代|手|時|所|子|部屋|仕事|会社|学校|世話|結婚|名前|電話|番号|友達|友人)"
    r"[\u4e00-\u9fff]{1,2})(?=と[^し]|が|に|は|を|も|、)"
    # 〈名前〉の ひまわりホーム です: a care home's own name tells where someone lives
    r"|((?<![ァ-ヴー])(?!グループ|ケア|ナーシング|マイ|デイ|ショート)[ァ-ヴー]{2,8}(?:ホーム|ハイツ|コーポ)"
    r"|(?<![ぁ-ん])[ぁ-ん]{2,6}(?:ホーム|荘|ハイツ))"
)


# Names in hiragana, where SudachiPy cuts them into ordinary words (やまもと → やま|も|と): a kana run of 3–6
# after a space, の or the start, right before さん/ばあちゃん/じいちゃん, unless it is a role or a courtesy
# (おかあさん, ごくろうさん, やおやさん).
_KANA_NAME = re.compile(
    r"(?:^|(?<=[\s の]))([ぁ-ゖ]{3,6})(?=\s?(?:さん|さま|ばあちゃん|じいちゃん|ばあさん|じいさん|ばっちゃん|じっちゃん))"
)
_KANA_NOT_NAME = re.compile(
    r"(?:や|くろう|つかれ|そう|せわ|まわり|だいく|かんごし|ごし|しゃ|とも|ひと|みな|たく|うち|むこう|てら|がっこう|おばさ|おじさ"
    r"|でし|ぼう|よめ|むすこ|むすめ|まご|いもうと|おとうと|あね|あに|ねえ|にい|かあ|とう|ばあ|じい|おく)$"
)


def _is_name_tag(tag: str) -> bool:
    return "人名" in tag


# Women's given names SudachiPy reads as common nouns (和子|が as 名詞-普通名詞): a first character that is a
# common name's and 子. 様子, 調子, 菓子, 息子 and the like never start with one of these.
_GIVEN_NAME_FIRST = set("和幸美恵直洋久節京良貞光清敏正秀春秋冬夏文芳花静澄昌英悦順智典千富安康弘裕寿睦登紀雅照稔")


def _is_given_name(tok: Token) -> bool:
    t = tok.text
    return len(t) == 2 and t[1] == "子" and t[0] in _GIVEN_NAME_FIRST and tok.tag_.startswith("名詞")


def _family_and_kana_names(text: str, toks: Sequence[Token], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Names the token patterns miss: a family name SudachiPy reads as a place, and names in hiragana."""
    out = []
    # 松本の〈花子〉ばあちゃん: SudachiPy reads many family names as places; a place word right before の and
    # a name is the family's, unless it says it is a place (長町の佐々木ヨシ子 keeps 長町).
    starts = {a for a, _ in spans}
    for i, tok in enumerate(toks[:-2]):
        if (
            "地名" in tok.tag_
            and toks[i + 1].text == "の"
            and toks[i + 2].idx in starts
            and not re.search(r"(?:町|村|丁目|区|市|県|台|通り|地区|団地|住宅)$", tok.text)
        ):
            out.append((tok.idx, tok.idx + len(tok.text)))
    for m in _KANA_NAME.finditer(text):
        if not _KANA_NOT_NAME.search(m.group(1)) and not _ROLE.search(m.group(1)):
            out.append(m.span(1))
    return out


class Masker:
    """Masks personal data; `ner` is the GiNZA NER runner, used only when a name trigger is present."""

    def __init__(self, nlp: Language, use_ner: bool = True) -> None:
        self._tokenize: Callable[[str], Doc] = nlp.tokenizer
        self._ner_steps: list[Callable[[Doc], Doc]] = []
        if use_ner and "ner" in nlp.pipe_names:
            self._ner_steps = [nlp.get_pipe(n) for n in ("tok2vec", "ner") if n in nlp.pipe_names]

    def mask(self, text: str, tokens: Doc | None = None) -> str:
        """`tokens`: the message already tokenised by the caller, used when masking left its text unchanged
        (no e-mail, phone or address in it, and nothing for the normaliser to rewrite), saving a tokenisation."""
        text = width(text)
        if not text:
            return text
        text = _EMAIL.sub(EMAIL, text)
        text = _PHONE.sub(PHONE, text)
        text = _ADDRESS.sub(self._address_repl, text)
        text = _ADDRESS_SPOKEN.sub(ADDRESS, text)
        return self._mask_names(text, tokens if tokens is not None and tokens.text == text else None)

    @staticmethod
    def _address_repl(m: re.Match[str]) -> str:
        s = m.group(0)
        # "10日" or "3-4人" are not addresses; the regexes above only fire on 丁目/番/号/1-2-3 forms
        return ADDRESS if re.search(r"[\d〇一二三四五六七八九十]", s) else s

    def _mask_names(self, text: str, doc: Doc | None = None) -> str:
        doc = doc if doc is not None else self._tokenize(text)
        spans: list[tuple[int, int]] = []
        unsure: list[int] = []  # name triggers the patterns could not resolve: GiNZA's NER looks at them
        toks = list(doc)
        for i, tok in enumerate(toks):
            tag = tok.tag_
            if _is_name_tag(tag) or _is_given_name(tok):
                end = tok.idx + len(tok.text)
                # ヨシ|子, 花|江: a one-character name ending SudachiPy splits off
                if i + 1 < len(toks) and toks[i + 1].text in _NAME_ENDINGS:
                    end = toks[i + 1].idx + 1
                spans.append((tok.idx, end))
            elif tok.text in _HONORIFIC and i > 0:
                found = list(self._before_honorific(toks, i))
                spans.extend(found)
                if not found and not _ROLE.search(toks[i - 1].text) and not _is_name_tag(toks[i - 1].tag_):
                    unsure.append(tok.idx)
            elif (tok.text in _SELF_INTRO or tok.lemma_ in ("申す", "言う")) and i > 0:
                k = i - 1 if toks[i - 1].text == "と" and tok.text != "と申します" else i
                if k != i or tok.text in _SELF_INTRO:
                    found = list(self._before_self_intro(toks, k, strong=k != i))
                    spans.extend(found)
                    if not found and k != i and not _is_name_tag(toks[k - 1].tag_):
                        unsure.append(toks[k].idx)
        for end in unsure[:3]:
            spans.extend(self._ner_window(text, end))
        spans += _family_and_kana_names(text, toks, spans)
        # voice input splits 寺井です into 寺井|で|す足: a regex fallback for self-introductions
        for m in _INTRO_RE.finditer(text):
            group = next(g for g in range(1, (m.re.groups or 0) + 1) if m.group(g))
            if not _NOT_NAME.match(m.group(group)) and not _ROLE.search(m.group(group)):
                spans.append(m.span(group))
        spans += _repeats(text, spans)
        return _replace(text, spans, NAME)

    def _ner_window(self, text: str, end: int) -> list[tuple[int, int]]:
        """GiNZA's Person entities in the few characters before a trigger (NER costs ~10 ms on a short
        window against ~30–100 ms on a whole letter, so it never runs on the whole message)."""
        if not self._ner_steps:
            return []
        start = max(0, end - 16)
        doc = self._tokenize(text[start:end] + text[end : end + 2])
        for step in self._ner_steps:
            doc = step(doc)
        return [
            (start + e.start_char, start + e.end_char)
            for e in doc.ents
            if e.label_ == "Person" and not re.search(r"[\d〈〉()\-]", e.text) and not _ROLE.search(e.text)
        ]

    @staticmethod
    def _before_honorific(toks: Sequence[Token], i: int) -> Iterable[tuple[int, int]]:
        # The noun run just before さん/様, unless it is a role word (大家さん) or a placeholder.
        j = i
        while j > 0:
            prev = toks[j - 1]
            tag = prev.tag_
            txt = prev.text
            if not (tag.startswith("名詞") or tag.startswith("接頭辞") or re.fullmatch(r"[ぁ-んァ-ヴー]+", txt)):
                break
            if txt in ("の", "が", "は", "に", "と", "を", "も", "〉") or re.search(r"[、。 〈〉\d]", txt):
                break
            j -= 1
            if i - j >= 3:
                break
        if j == i:
            return []
        start = toks[j].idx
        end = toks[i - 1].idx + len(toks[i - 1].text)
        run = "".join(t.text for t in toks[j:i])
        if _ROLE.search(run) or _NOT_NAME.match(run) or len(run) > 8:
            return []
        return [(start, end)]

    @staticmethod
    def _before_self_intro(toks: Sequence[Token], i: int, strong: bool = False) -> Iterable[tuple[int, int]]:
        # 田中です at the start of a sentence (or after 〇〇の), 北村と申します anywhere: a noun run of ≤ 6 chars.
        j = i
        while j > 0:
            prev = toks[j - 1]
            tag = prev.tag_
            if not tag.startswith("名詞") or tag.startswith("名詞-数詞"):
                break
            j -= 1
        if j == i:
            return []
        before = toks[j - 1].text if j > 0 else ""
        if j > 0 and (toks[j - 1].whitespace_ or toks[j - 1].tag_.startswith("感動詞")):
            before = " "  # もしもし 東です: a space or an interjection starts a new clause
        if (
            not strong
            and before not in ("", "の", "。", "、", " ", "は", "!", "〉", "で")
            and not before.endswith(("す", "。"))
        ):
            return []
        run = "".join(t.text for t in toks[j:i])
        if len(run) > 6 or _NOT_NAME.match(run) or _ROLE.search(run) or "〈" in run:
            return []
        # only at the start of the message or of a sentence, where people introduce themselves
        if not strong and j > 0 and before not in ("。", "!", " ", "の", "は", "〉", "で") and toks[j - 1].idx > 12:
            return []
        return [(toks[j].idx, toks[i - 1].idx + len(toks[i - 1].text))]


def _repeats(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every other place a found name is written (孫の美咲が来て… 美咲にかけたい): once seen, it is a name."""
    names = {text[s:e] for s, e in spans if e - s >= 2}
    return [m.span() for n in names for m in re.finditer(re.escape(n), text)]


def _replace(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    if not spans:
        return text
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    out: list[str] = []
    pos = 0
    for s, e in merged:
        out.append(text[pos:s])
        out.append(placeholder)
        pos = e
    out.append(text[pos:])
    return "".join(out)
