"""Text normalisation before analysis: character width, hiragana spellings and Kanazawa dialect."""

from __future__ import annotations

import re
import unicodedata

# Kanji numerals residents write for dates and times (十五日, 三時): only what `dates` needs.
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUM = re.compile(r"([一二三四五六七八九]?十[一二三四五六七八九]?|[〇一二三四五六七八九])(?=[日時月分])")


def _kanji_number(m: re.Match[str]) -> str:
    s = m.group(1)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return str(_KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(ones, 0))
    return str(_KANJI_DIGITS[s])


def width(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full-width), spaces collapsed.

    Full-width spaces become ASCII spaces; voice input and elderly writing use them as clause breaks,
    so they are kept (as one space), never removed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return re.sub(r" {2,}", " ", text).strip()


# Hiragana and dialect spellings → the standard written form the tokenizer and the classifier know.
# Ordered: longer, more specific entries first. Each is a regex, so context can guard an ambiguous one
# (かじ is 火事 or 家事; ゆき is 雪 or 行き).
_LEXICON: tuple[tuple[str, str], ...] = (
    # thanks and replies (Kanazawa): あんやと, きのどくな = thank you; だんない = fine / no problem
    (r"あんやとね|あんやと|アンヤト", "ありがとう"),
    (r"(?:きのどくな|気の毒な)(?=(?:ことでした|こっちゃ|ね|ねぇ|ねえ|ー|です|。|!|$| ))", "ありがとう"),
    (r"だんない|ダンナイ", "大丈夫"),
    (r"しもうた|しもた", "しまった"),
    (r"しもう(?=て)", "しまっ"),
    (r"(?<=[てで])くれまっし", "ください"),
    (r"まっし", "なさい"),
    (r"(?<=[いる])げん(?=[。、!?!? ]|けど|$|よ|ね)", "のです"),
    (r"(?<=[てで])もらえんけ", "もらえないか"),
    (r"(?<=[てで])くれんけ", "くれないか"),
    (r"(?<=[てで])もらえん(?=か)", "もらえない"),
    (r"たのめんけ|頼めんけ", "頼めないか"),
    # 〜とる / 〜どる = 〜ている / 〜でいる (燃えとる, 出とる, 持っとる, 住んどる)
    (r"(?<=ん)どる(?=[。、 !!?]|$|よ|ね|が|わ|け|ん|し|ぞ|と|さけ|から|の)", "でいる"),
    (r"(?<=[えけげせてでねべめれいきしちにみりびぎじっ\u4e00-\u9fff])とって(?=[、 ,]|も|から)", "ていて"),
    (r"(?<=ん)どった(?=[。、 !!?]|$|よ|ね|が|わ|け|ん|し|ぞ|と|さけ|から|の)", "でいた"),
    (
        r"(?<=[えけげせてでねべめれいきしちにみりびぎじっ\u4e00-\u9fff])とる(?=[。、 !!?]|$|よ|ね|が|わ|け|ん|"
        r"し|ぞ|と|さけ|から|の)",
        "ている",
    ),
    (
        r"(?<=[えけげせてでねべめれいきしちにみりびぎじっ\u4e00-\u9fff])とった(?=[。、 !!?]|$|よ|ね|が|わ|け|"
        r"ん|し|ぞ|と|さけ|から|の)",
        "ていた",
    ),
    # snow
    (r"ゆきすかし|雪透かし", "雪すかし"),
    (r"ゆきかき", "雪かき"),
    (r"ゆきおろし|ゆきおろし", "雪下ろし"),
    (r"やねのゆき", "屋根の雪"),
    (r"ゆき(?=[がをでのにもはすかお])", "雪"),
    (r"じょせつ", "除雪"),
    # repair / device
    (r"でんきゅう", "電球"),
    (r"けいこうとう", "蛍光灯"),
    (r"でんき(?=[がをのもは])", "電気"),
    (r"しょうじ", "障子"),
    (r"ふすま", "襖"),
    (r"じゃぐち", "蛇口"),
    (r"すまほ", "スマホ"),
    (r"けいたい", "携帯"),
    (r"てれび", "テレビ"),
    (r"りもこん", "リモコン"),
    (r"せんたくき", "洗濯機"),
    (r"れいぞうこ", "冷蔵庫"),
    (r"えあこん", "エアコン"),
    (r"すとーぶ", "ストーブ"),
    (r"でんわ", "電話"),
    # garbage / shopping / moving / cleaning / garden
    (r"ごみだし|ゴミだし", "ゴミ出し"),
    (r"ごみ", "ゴミ"),
    (r"そだい", "粗大"),
    (r"ぶんべつ", "分別"),
    (r"かいもの", "買い物"),
    (r"くすり", "薬"),
    (r"とうゆ", "灯油"),
    (r"たんす", "タンス"),
    (r"かぐ(?=[をがのも])", "家具"),
    (r"おもたい", "重たい"),
    (r"おもくて", "重くて"),
    (r"そうじ(?![ゃゅょ])", "掃除"),
    (r"かたづけ|かたずけ", "片付け"),
    (r"くさむしり", "草むしり"),
    (r"くさとり", "草取り"),
    (r"おちば", "落ち葉"),
    (r"にわき", "庭木"),
    (r"(?<=[のおがを])にわ|^にわ", "庭"),
    # escort / companionship / paperwork
    (r"びょういん", "病院"),
    (r"つきそい|付きそい", "付き添い"),
    (r"つきそって", "付き添って"),
    (r"はなしあいて", "話し相手"),
    (r"さみしい|さびしい|淋しい", "寂しい"),
    (r"てがみ", "手紙"),
    (r"しょるい", "書類"),
    (r"よめん|よめない|読めん", "読めない"),
    (r"かけん(?=[。、 ]|$|け|し|ので)", "書けない"),
    # emergency
    (r"たすけて", "助けて"),
    (r"きゅうきゅうしゃ", "救急車"),
    (r"ころんで", "転んで"),
    (r"おちて", "落ちて"),
    (r"おちた", "落ちた"),
    (r"すべって", "滑って"),
    (r"すべった", "滑った"),
    (r"ころんだ", "転んだ"),
    (r"ころび", "転び"),
    (r"ころぶ", "転ぶ"),
    (r"ころば", "転ば"),
    (r"こけて", "転んで"),
    (r"たおれ", "倒れ"),
    (r"たてない|たてん|立てん", "立てない"),
    (r"おきあがれない|おきあがれん|起き上がれん", "起き上がれない"),
    (r"おきられない|おきられん|おきれない|おきれん|起きれん|起きれない|起きられん", "起きられない"),
    (r"うごけない|うごけん|動けん", "動けない"),
    (r"あるけない|あるけん|歩けん", "歩けない"),
    (r"むね(?=[がのも])", "胸"),
    (r"くるしい", "苦しい"),
    (r"(?:(?<=[がもは ])|^)いた(?=い|くて|かった)", "痛"),
    (r"いき(?=が)", "息"),
    (r"かじ(?=[だやでー!!]|です|じゃ)", "火事"),
    (r"けむり", "煙"),
    (r"もえ(?=[てとた])", "燃え"),
    (r"(?<![ぁ-ん])ひが(?=で|あが|つい|ついた)", "火が"),
    (r"がすくさい|ガスくさい", "ガス臭い"),
    (r"がす(?=くさ|臭|の|が|も|もれ|漏|こんろ|コンロ|すとーぶ|ストーブ|代|だい|屋|や|けいほう|せん|栓)", "ガス"),
    (r"におい|にほい", "匂い"),
    (r"どろぼう", "泥棒"),
    (r"しらんひと|しらないひと|知らん人", "知らない人"),
    (r"ちがとまらない|ちがとまらん|血が止まらん", "血が止まらない"),
    (r"いしきがない", "意識がない"),
    (r"へんじがない|返事がない", "返事がない"),
    # consult
    (r"(?<![うく])さぎ", "詐欺"),
    (r"おかね", "お金"),
    (r"しにたい|死にたか", "死にたい"),
    (r"きえたい", "消えたい"),
    (r"にんちしょう", "認知症"),
    (r"ものわすれ", "物忘れ"),
    (r"かいごほけん", "介護保険"),
    (r"ようかいご", "要介護"),
    (r"けあまね", "ケアマネ"),
    (r"ぎゃくたい", "虐待"),
    (r"たたかれ", "叩かれ"),
    (r"なぐられ", "殴られ"),
    # time words, so `dates` sees one spelling
    (r"きょうじゅう|きょうちゅう", "今日中"),
    (r"(?<![とべゅょう])きょう(?!だい|かい|しつ|り|ふ|み|しゅく)", "今日"),
    (r"あした|あす(?=[のにはまおそちひあゆよご、 ]|$)", "明日"),
    (r"しあさって", "明々後日"),
    (r"あさって", "明後日"),
    (r"らいしゅう", "来週"),
    (r"こんしゅう", "今週"),
    (r"さらいしゅう", "再来週"),
    (r"こんど", "今度"),
    (r"きのう", "昨日"),
    (r"おととい", "一昨日"),
    (r"せんしゅう", "先週"),
    (r"こんにちちゅう|ほんじつちゅう", "今日中"),
    (r"ほんじつ", "本日"),
    (r"みょうごにち", "明後日"),
    # dates typed in hiragana after a numeral: 28にちの あさ, 1がつ 7かに
    (r"(?<=\d)にち(?!よう)", "日"),
    (r"(?<=\d)がつ", "月"),
    (r"(?<=\d月)\s?(\d{1,2})か(?=[にのはまで])", "\\1日"),
    (r"しゅうまつ", "週末"),
    (r"みょうにち", "明日"),
    (r"(?<=の)(?:げつ)よう(?!び)", "月曜"),
    (r"(?<=の)(?:か)よう(?!び)", "火曜"),
    (r"(?<=の)(?:すい)よう(?!び)", "水曜"),
    (r"(?<=の)(?:もく)よう(?!び)", "木曜"),
    (r"(?<=の)(?:きん)よう(?!び)", "金曜"),
    (r"(?<=の)(?:ど)よう(?!び)", "土曜"),
    (r"(?<=の)(?:にち)よう(?!び)", "日曜"),
    (r"げつようび", "月曜日"),
    (r"かようび", "火曜日"),
    (r"すいようび", "水曜日"),
    (r"もくようび", "木曜日"),
    (r"きんようび", "金曜日"),
    (r"どようび", "土曜日"),
    (r"にちようび", "日曜日"),
    (r"ごぜんちゅう", "午前中"),
    (r"ごぜん", "午前"),
    # not inside a word: はしごごと (the ladder and all) is no 午後
    (r"(?:^|(?<=[のはに、。 ])|(?<![ぁ-ゖ]))ごご", "午後"),
    (r"ゆうがた", "夕方"),
    (r"いますぐ", "今すぐ"),
    (r"しきゅう", "至急"),
    # negative forms in dialect (〜ん for 〜ない) that the tokenizer splits or misreads
    (r"(?<=[運読書出行取届開回])([べめけせれから])ん(?=[。、 !!?]|$|け|わ|し|ので|がや|げん|て)", "\\1ない"),
    (r"できん(?=[。、 !!?]|$|け|わ|し|ので|がや|げん|で)", "できない"),
    (r"わからん|分からん", "わからない"),
    (r"つかん(?=[。、 !!?]|$|け|わ|し|ので|がや|げん|で)", "つかない"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _LEXICON)


_KATAKANA_RUN = re.compile(r"[ァ-ヶー]+")
_LOANWORD_MARKS = re.compile(r"[ーァィゥェォヮヴ]")


def _hiragana_run(m: re.Match[str]) -> str:
    run = m.group(0)
    if _LOANWORD_MARKS.search(run):
        return run  # ストーブ, トイレットペーパー, ウェブ: a loanword stays as written
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in run)


def telegram_to_hiragana(text: str) -> str:
    """A message written in katakana throughout (telegram style: ユキ オオシ アス キテクレ) in hiragana.

    Elderly writers who learnt to type on telegrams or old phones write everything in katakana; the rules,
    dates and the model know these words in hiragana (あす, ゆきかき, たすけて), not in katakana, where they
    read as foreign words. Ordinary messages, with katakana only for loanwords, are left alone.
    """
    kata = sum(1 for c in text if "ァ" <= c <= "ヶ")
    hira = sum(1 for c in text if "ぁ" <= c <= "ゖ")
    if kata < 8 or hira > kata // 5:
        return text
    return _KATAKANA_RUN.sub(_hiragana_run, text)


def standard(text: str) -> str:
    """Width-normalised text with hiragana and dialect spellings rewritten for the classifier and rules."""
    # an ellipsis is a pause, not a word (NFKC turns … into ...)
    text = telegram_to_hiragana(re.sub(r"\.{2,}|…+|‥+", "。", width(text)))
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    return _KANJI_NUM.sub(_kanji_number, text)
