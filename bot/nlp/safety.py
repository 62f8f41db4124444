"""Emergency and consultation cues: rules that win over the classifier, whatever its confidence.

Runs on normalised text (`normalize.standard`), so hiragana and dialect spellings are already mapped.
A cue is dropped when it is negated (胸は痛くない), hypothetical (転ばんように, 転んだら), or reported
as past and over (先週転んだけど今は大丈夫). States that only exist now (起きられない, 返事がない,
血が止まらない) are never dropped because of a past marker: 昨日転んでから動けない is an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# cue tag → pattern; tags are documented in docs/nlp.md and used by the bot to pick whom to call.
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

EMERGENCY: dict[str, str] = {
    "fall": (
        rf"{_FALL_EVENT}[^。!?]{{0,18}}?{_CANNOT}"
        rf"|{_FALL_EVENT}[^。!?]{{0,12}}?(?:頭を打|頭打|血が)"
        rf"|(?:さっき|たった今|今|先ほど)[^。!?、]{{0,8}}?{_FALL_EVENT}"
        rf"|{_CANNOT}[^。!?]{{0,6}}?(?:助けて|救急車|早く来て|来て)"
        rf"|床から{_CANNOT}"
        rf"|(?:助けて|来て|誰か)[^。!?]{{0,8}}?{_CANNOT}"
        r"|変な(?:方|ほう|向き)に曲が"
        r"|(?:打って|ひねって|ぶつけて|くじいて)[^。!?]{0,6}?(?:動けない|立てない|起きられない|起き上がれない|歩けない)"
        r"|痛くて(?:動けない|起きられない|起き上がれない|立てない)(?!ので|から|さけ|し、|けど|ため)"
        r"|(?:風呂|浴槽|湯船|トイレ)から(?:出られない|出られん|出れない|出れん|上がれない)"
        r"|(?:足|体|からだ)に力が入らない"
    ),
    "unconscious": (
        r"(?:揺すって|ゆすって|叩いて|呼んで)も(?:起きない|起きん|おきない|おきん)|(?:夫|妻|主人|母|父|ばあちゃん|じいちゃん|祖母|祖父|家族|息子|娘|声をかけ|呼びかけ|呼んで|揺すって)"
        r"[^。!?]{0,14}?反応が(?:ない|ありません|弱)|返事が弱|返事がない|返事をしない|意識がない|意識が(?:もうろう|朦朧|おかしい)|呼んでも(?:起きない|答えない|こたえん"
        r"|こたえない|反応がない|返事)|ぐったり|目を開けない|目を開けん|息をしていない|息してない|息をしてない"
    ),
    "collapse": (
        rf"{_PERSON}[がは]?[^。!?]{{0,10}}?倒れ(?:た(?!ら)|ている|てる|て(?!も))(?!そう|ない)"
        r"|^倒れ(?:た|ている|て)"
    ),
    "chest_pain": r"胸[がのもは]?[^。!?]{0,6}?(?:痛|苦し|しめつけ|締め付け|ぎゅ|圧迫|おかしい)",
    "breathing": r"息が(?:でき|苦し|吸え|しづら|しにく|止ま|ヒューヒュー)|呼吸が(?:おかし|苦し|でき|止ま|荒)|息苦し",
    "stroke": (
        r"ろれつ|呂律|顔がゆがん|顔が歪ん|片方の手足|手足がしびれ|手がしびれ|言葉が(?:出てこない|出ない|"
        r"うまく出|出ん|出てこん)"
        r"|急に(?:しゃべれ|話せ)|力が入らない"
    ),
    "bleeding": r"血が(?:止まらない|止まらん|いっぱい|たくさん|ぼたぼた|どくどく|噴|すごい)|出血が(?:ひど|止まら|多)",
    "fire": (
        r"火事(?!に(?:なら|気をつけ)|が心配|の(?:夢|ニュース|用心))|火が出|火が上が|火の手|燃えている|燃えてる|"
        r"燃えた|燃え(?:出|始|移)"
        r"|火が消え(?:ない|ん)|油に火|煙が(?:出|充満|もくもく|上が|あが)|焦げくさ|焦げ臭|(?:に|へ)火がつい|火花"
    ),
    "gas": r"ガス(?:が|の)?(?:臭|匂|におい|漏|もれ)|ガス臭",
    "intruder": (
        r"知らない(?:人|男|女|者)が[^。!?]{0,12}?(?:入っ|はいっ|入ろう|はいろう|いる|おる|庭|にわ|家|いえ|中|"
        r"なか|玄関|窓)"
        r"|泥棒(?!が(?:怖|心配)|に入られないよう|対策|よけ)|強盗|侵入|不審者が|不審な人が|窓を割"
        r"|ガチャガチャされ|鍵をガチャガチャ|(?:家|部屋|へや|いえ)の(?:中|なか)に(?:誰か|だれか|知らない)"
        r"|勝手に(?:家|部屋|中)に入って"
        r"|誰か(?:が)?[^。!?]{0,10}?(?:入って|入ろう|こじ開け)|誰かが[^。!?]{0,10}?(?:いる|おる)|こじ開け"
        r"|(?:物音|足音)が[^。!?]{0,8}?(?:怖|こわ)"
        r"|知らない(?:人|男|女)が[^。!?]{0,12}?(?:大声|叩|ドンドン|怒鳴|どなっ)"
    ),
    "choking": r"(?:喉|のど|ノド)に[^。!?]{0,6}?(?:詰ま|つま)|窒息",
    "faint": (
        r"気を失|気絶|失神|目の前が(?:真っ暗|まっくら)|急に[^。!?]{0,12}?(?:立てない|動けない|起きられない|"
        r"立てなくな)"
        r"|めまいで(?:立て|動け)|頭が(?:割れ|ものすごく|激しく|すごく)[^。!?]{0,4}?痛"
    ),
    "burn": r"大やけど|大火傷|やけどが(?:ひどい|ひどく)|ひどいやけど|熱湯を?かぶ|お湯をかぶ",
    "drowning": r"溺れ|おぼれ|(?:風呂|湯船|浴槽)で沈",
    "ambulance": (
        r"救急車(?:を|、)?(?:呼んで|お願い|来て|呼ん|!|$)|119番?(?:して|を|に|お願い)|110番(?:して|を|に|"
        r"お願い)"
    ),
}

CONSULT: dict[str, str] = {
    "scam": (
        r"犯罪に(?:使われ|関わ|利用)|口座が[^。]{0,8}?(?:凍結|犯罪)|裁判|訴え(?:られ|る|ます)|訴訟|差し押さえ|差押|未納|延滞金|法的(?:措置|手続)|有料サイト|登録料|必ず儲|"
        r"儲かる話|投資の(?:話|勧誘)|しつこい勧誘|強引な勧誘|クーリングオフ|(?:床下|シロアリ|屋根)[^。]{0,6}?点検|"
        r"詐欺|サギ|オレオレ|還付金|架空請求|振り込め|振込め|ふりこめ|キャッシュカード[^。]{0,12}?(?:預か|渡|"
        r"取りに|暗証)"
        r"|暗証番号を(?:聞かれ|教え|言われ)|名乗[^。]{0,20}?(?:電話|人|男|女)|(?:を|と)名乗|"
        r"当選し[^。]{0,15}?(?:払|振|手数料)"
        r"|未払い|(?:お金|金)を?使い込|(?:変な|怪しい|身に覚えのない|高額な?|知らない会社から|"
        r"不審な)[^。]{0,10}?請求|身に覚えのない|訪問販売|押し売り|点検商法|無料点検"
        r"|契約(?:を)?させられ|強引に契約|買わされ|高額な?(?:契約|請求|工事)|解約でき|定期購入|(?:怪しい|変な|"
        r"不審な)電話"
        r"|(?:お金|金)を?(?:振り込|振込|払え|用意し)[^。]{0,8}?(?:言われ|と言|電話)|(?:お金|"
        r"万円)[^。]{0,6}?いる(?:と|って)"
        r"|事故を起こし|示談|覚えのない|代金を払え|送り付け|懸賞|浄水器|架空|フィッシング|"
        r"ATM[^。]{0,10}?(?:って|と)(?:言われ|電話)|(?:電話|言われ)[^。]{0,15}?ATM|"
        r"コンビニで[^。]{0,6}?(?:カード|電子マネー)|(?:保険料|医療費|税金)が?(?:戻|返)"
        r"|(?:今すぐ|すぐに)工事|(?:カード|通帳)を?(?:預か|取りに)"
    ),
    "money": (
        r"年金が残ら|お金を貸して|お金の管理ができ|金銭管理|滞納|(?:電気|ガス|水道)を?止め(?:られ|る)|食べる(?:もの|物|もん)(?:が|も)ない|"
        r"生活が(?:苦し|できない)|(?:家賃|電気代|ガス代|水道代|灯油代|医療費|治療費|税金|保険料|お金|年金|生活費)"
        r"[がをも]?[^。]{0,6}?(?:払えな|払えん|払えず|足りな|足りん|足らん|少なくて)"
        r"|借金|返済|返せ(?:ない|ん)|支払いができ(?:ない|ん|ず)|支払えな|支払えん|払えなくな|お金が(?:ない|"
        r"なく|足りな)|やっていけ(?:ない|ん)|生活費が(?:ない|なく|足りな)|お金に困|お金のこと|貯金が(?:底|ない|"
        r"なく)|生活保護|ご飯も食べられ|食べる物がない"
    ),
    "abuse": (
        r"虐待|叩かれ|たたかれ|殴られ|蹴られ|暴力|手をあげられ|手を上げられ|怒鳴られ|怒鳴り声|泣き叫|叩く音"
        r"|(?:ご飯|食事)を?(?:もらえない|もらえん|くれない|させてもらえ)|(?:年金|お金|"
        r"通帳)を[^。]{0,4}?(?:取られ|とられ|勝手に)"
        r"|勝手に使われ|閉じ込め|きつく(?:当たられ|言われ)|いじめられ|無視され|(?:ご飯|食事)を?作ってもらえ"
        r"|お金を持っていかれ|お金を持っていって|取り上げられ|自由に使えない|つねられ|放っておかれ|外に出してもらえ"
    ),
    "dementia": (
        r"認知症|ぼけて|ボケて|ぼけた|物忘れ|もの忘れ|同じこと(?:を)?(?:何度|ばっかり|ばかり)|徘徊|道に迷|"
        r"家に帰れな|夜中に(?:家を|外に|外へ)?出て(?:いこう|行こう|いく|行く|いって|行って|いっ|行っ)|"
        r"連れて帰ってもら|警察に保護|同じ物を何度も|日にちがわからな|(?:顔|名前)(?:も|が)?(?:わから|分から)|"
        r"帰り道がわからな"
        r"|(?:財布|通帳|お金)を?(?:盗られ|とられ|取られ|盗まれ)たと(?:言|いう)|(?:消し|閉め|飲み)忘れ(?:る|が|"
        r"の)?[^。]{0,6}?(?:増え|多|ひど)|忘れっぽ|記憶が"
    ),
    "care_insurance": (
        r"介護に疲れ|介護疲れ|介護が(?:つらい|辛い|大変|限界|しんどい)|介護で(?:疲れ|限界)|"
        r"介護保険|要介護|要支援|介護認定|認定(?:を|の)?(?:受け|申請|調査)|ケアマネ|デイサービス|デイケア|"
        r"ショートステイ"
        r"|ヘルパー(?:さん)?(?:に来て|を頼|を使|の利用|を利用|に来てもら)|訪問介護|介護サービス|施設に入|老人ホーム"
        r"|地域包括|介護ベッド|福祉用具|入所|ヘルパー(?:さん)?を?(?:お願い|頼み|頼め)|介護(?:の)?(?:相談|サービス)"
    ),
    "suicide": (
        r"死にたい|死にたく|死んでしまいたい|死んだ方が|死んだほうが|死のう|自殺|消えたい|消えてしまいたい|"
        r"いなくなりたい"
        r"|生きていても|生きとっても|生きてても|生きる(?:のが|意味)|生きているのが(?:つら|辛)|生きとるのが(?:つら|辛)"
        r"|生きていくのが(?:つら|辛|しんど)|終わりにしたい|楽になりたい|首をつ|飛び降り|いなくなった(?:方|ほう)がいい|いない(?:方|ほう)がいい"
        r"|生きとるのが(?:しんど|いや)|生きているのが(?:しんど|いや)|死んだら楽"
    ),
}

_SENTENCE = re.compile(r"[^。!?\n]+[。!?\n]*")
# "it is over / it was nothing": a cue before one of these in the same sentence is dropped
_FINE = re.compile(
    r"(?:今は|もう|今では|すっかり)[^。!?]{0,8}?(?:大丈夫|平気|元気|なんともない|何ともない|治|良くなっ|よくなっ|回復)"
    r"|気のせい|勘違い|お騒がせ|と思ったら|退院し|治りました|治った"
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
    # hypothetical or feared, right after the cue: 転んだら, 転びそう, 燃えないように, ガス漏れかもしれない
    r"|^.?(?:ないよう|んよう|ように|そう|たら|と危|と困|ないか|か心配|かもしれ)"
)
_BEFORE_NEG = re.compile(
    r"(?:(?<!もし)もし(?!もし|も)|(?<!もし)もしも(?!し)|万一|万が一|ないように|予防|防止|訓練|心配なので)[^。!?]{0,12}$"
)
# a danger word in a chore about the alarm or the gas bill (火災報知器の電池, ガスの点検), not a danger now
_ALARM = re.compile(r"電池|点検|検針|料金|の用心|防犯|対策|訓練|設置|取り付け|付けて")


@dataclass(frozen=True, slots=True)
class SafetyResult:
    label: str | None  # "emergency", "consult" or None
    cues: tuple[str, ...]
    suppressed: tuple[str, ...]  # emergency cues seen but dropped as past, negated or hypothetical


@dataclass(frozen=True)
class _Rules:
    emergency: dict[str, re.Pattern[str]]
    consult: dict[str, re.Pattern[str]]
    fine: re.Pattern[str]
    past: re.Pattern[str]
    now_only: re.Pattern[str]
    after_neg: re.Pattern[str]
    before_neg: re.Pattern[str]
    alarm: re.Pattern[str]
    past_mention: re.Pattern[str]


def _compile(d: dict[str, str]) -> dict[str, re.Pattern[str]]:
    return {k: re.compile(v) for k, v in d.items()}


# A past event mentioned without a present state (去年階段から落ちてから足が弱くなって): the classifier alone
# must not turn it into an emergency either.
_PAST_MENTION = re.compile(
    r"(?:先週|先々週|先月|去年|昨年|以前|前に|この前|先日|昔|一昨日|昨日|\d+(?:日|週間|か月|ヶ月|年)前)[^。!?]{0,10}?"
    r"(?:転|落ち|滑|倒れ|胸|火事|ガス|煙|泥棒|救急車|入院)"
)

# A feared or supposed event (倒れたらどうしよう, 転んでも誰も気づかん): the classifier alone must not call it
# an emergency either.
_HYPO_MENTION = re.compile(
    r"(?:倒れ|たおれ|転ん|ころん|転倒|転ば|ころば|火事|かじ|ガス|がす|泥棒|どろぼう)[^。!?]{0,4}?"
    r"(?:たら|ても|ないか|ないよう|んよう|と思うと|とおもうと|かもしれ|が心配|がしんぱい|のが怖|のがこわ)"
)

WRITTEN = _Rules(
    _compile(EMERGENCY), _compile(CONSULT), _FINE, _PAST, _NOW_ONLY, _AFTER_NEG, _BEFORE_NEG, _ALARM, _PAST_MENTION
)

# The same cues over the hiragana reading of the message (SudachiPy readings), so that hiragana-only and
# voice-input spellings the lexicon in `normalize` does not know are still caught.
_K_CANNOT = (
    r"(?:おきられ(?:ない|ん|ません)|おきれ(?:ない|ん)|おきあがれ(?:ない|ん|ません)|たて(?:ない|ん|ません)|"
    r"たちあがれ(?:ない|ん)"
    r"|うごけ(?:ない|ん|ません)|うごかん|うごかない|あるけ(?:ない|ん))"
)
KANA_EMERGENCY: dict[str, str] = {
    "fall": rf"(?:ころん|てんとう|すべっ|おち|こけ|たおれ|しりもち)[^。!?]{{0,18}}?{_K_CANNOT}"
    rf"|(?:たすけ|きて|だれか)[^。!?]{{0,8}}?{_K_CANNOT}|{_K_CANNOT}[^。!?]{{0,6}}?(?:たすけ|はやくきて)"
    r"|へんな(?:ほう|かた|むき)にまが"
    rf"|(?:うって|ひねって|ぶつけて)[^。!?]{{0,6}}?{_K_CANNOT}",
    "unconscious": (
        r"(?:ゆすって|たたいて|よんで)も(?:おきない|おきん)|(?:こえをかけ|よびかけ|よんで|ゆすって|おっと|つま|はは|ちち|しゅじん)[^。!?]{0,14}?はんのうが(?:ない|ねえ|よわ)"
        r"|へんじがよわ|いき(?:を)?し(?:とらん|てない|ていない)|へんじが(?:ない|ねえ)|へんじせん|いしきが(?:ない|もうろう)|"
        r"めをあけ(?:ない|ん)|ぐったり|いきをしてない|いきしてない"
        r"|よんでも(?:おきない|おきん|こたえ|へんじ)"
    ),
    "collapse": (
        r"(?:おっと|つま|しゅじん|はは|ちち|ばあちゃん|じいちゃん|おばあちゃん|おじいちゃん|かない|むすこ|"
        r"むすめ)[がは]"
        r"[^。!?]{0,8}?たおれ(?:た(?!ら)|て(?!も)|とる|とっ|ている)(?!そう|ない)"
    ),
    "chest_pain": r"むね(?:が|の|も)?[^。!?]{0,4}?(?:いた|くるし|しめつけ|ぎゅ)",
    "choking": r"のどに[^。!?]{0,6}?つま|ちっそく",
    "faint": (
        r"きをうしな|きぜつ|しっしん|めのまえがまっくら|きゅうに[^。!?]{0,12}?(?:たてない|たてん|うごけない|"
        r"うごけん|おきられ)"
        r"|めまいで(?:たて|うごけ)|あたまが(?:われ|ものすごく|はげしく)[^。!?]{0,4}?いた"
    ),
    "burn": r"おおやけど|やけどがひど|ひどいやけど|ねっとうを?かぶ|おゆをかぶ",
    "drowning": r"おぼれ|(?:ふろ|ゆぶね|よくそう)でしず",
    "cannot_move": (
        r"(?:ふろ|よくそう|ゆぶね|といれ)から(?:でられ(?:ない|ん)|でれ(?:ない|ん)|あがれ(?:ない|ん))|(?:あし|"
        r"からだ)にちからがはいら"
    ),
    "breathing": r"いきが(?:でき|くるし|すえ|うまくすえ|とま)|こきゅうが(?:おかし|くるし|でき|とま)|いきぐるし",
    "stroke": r"ろれつ|ことばがでて(?:こない|こん|こなく)|てあしがしびれ|てがしびれ|かたほうのてあし|かおがゆがん",
    "bleeding": r"ちが(?:とまらない|とまらん|いっぱい|たくさん|どくどく)",
    "fire": (
        r"かじ(?:だ|や|です|じゃ|!|$|[ 、。!?])|ひがきえ(?:ない|ん)|ひがで(?:た|て|とる)|もえうつ|ひがあがっ|"
        r"ひがつい(?:た|とる)|もえて(?:いる|る|おる|とる)|もえとる"
        r"|けむりが(?:で|じゅうまん|もくもく|あが)|こげくさ"
    ),
    "gas": r"がす(?:の|が)?(?:くさ|におい|にお|もれ|もれて)|がすくさ",
    "intruder": (
        r"(?:しらん|しらない)(?:ひと|おとこ|おんな|もの)が|どろぼうが(?:はい|おる|いる)|ごうとう|しんにゅう|"
        r"ふしんしゃが"
        r"|だれか[^。!?]{0,10}?はいって(?:き|こよう)|(?:ものおと|あしおと)が[^。!?]{0,8}?こわ"
        r"|(?:いえ|へや)のなかにだれか|まどをわ|かってに(?:いえ|へや|なか)に"
    ),
}
KANA_CONSULT: dict[str, str] = {
    "scam": (
        r"はんざいに(?:つかわれ|かかわ)|さいばん|うったえ(?:られ|る)|そしょう|みのう|さしおさえ|ゆうりょうさいと|かならずもうか|"
        r"じこをおこし|じだん|おぼえのない|(?<![うくあ])さぎ(?!ょう)|おれおれ|かんぷきん|ふりこめ|ふりこんで|"
        r"(?:を|と)なの(?:る|って|り)|みはらい|せいきゅう(?:しょ|はがき)"
        r"|ほうもんはんばい|おしうり|けいやく(?:を)?させられ|かわされ|あんしょうばんごう|きゃっしゅかーど|"
        r"かーどを(?:あずか|とりに|わたし)|とうせんし"
    ),
    "money": (
        r"ねんきんがのこら|おかねをかして|しはらいができ(?:ない|ん)|しゃっきん|へんさい|(?:やちん|でんきだい|とうゆだい|ぜいきん|"
        r"おかね)が?[^。]{0,4}?(?:はらえ(?:ない|ん)|たりな|たらん)"
        r"|ちょきんが|せいかつがくるし|せいかつほご|おかねが(?:ない|なく)|おかねのかんり|たべる(?:もの|もん)(?:が|も)ない"
    ),
    "abuse": (
        r"とりあげられ|ぎゃくたい|たたかれ|なぐられ|(?<![かさあ])けられ|どなられ|どなりごえ|なきさけ|"
        r"ぼうりょく|てをあげられ|ごはんを(?:つくって)?もらえ"
    ),
    "dementia": (
        r"にんちしょう|ものわすれ|おなじこと(?:を)?(?:なんど|ばっかり|ばかり)|はいかい|みちにまよ|"
        r"そとにでていって|ぼけて|(?:よなかに|いえを)[^。]{0,4}?でて(?:いっ|ゆ|い)|つれてかえってもら"
    ),
    "care_insurance": (
        r"かいごにつかれ|かいごづかれ|かいごが(?:つらい|たいへん|げんかい|しんどい)|"
        r"かいごほけん|ようかいご|ようしえん|かいごにんてい|けあまね|でいさーびす|しせつにはい|ろうじんほーむ|"
        r"ほうかつ"
    ),
    "suicide": (
        r"いなくなった(?:ほう|かた)がいい|いない(?:ほう|かた)がいい|しにたい|しにたく|しんだほうが|きえたい|"
        r"きえてしまいたい|いなくなりたい|いきとっても|いきていても|いきてても"
        r"|(?:いきる|いきとる|いきている|いきていく)のが(?:つら|いや|しんど)|らくになりたい|おわりにしたい|じさつ"
    ),
}
KANA = _Rules(
    _compile(KANA_EMERGENCY),
    _compile(KANA_CONSULT),
    re.compile(
        r"(?:いまは|もう|すっかり)[^。!?]{0,8}?(?:だいじょうぶ|へいき|げんき|なんともない|なおっ|なおり|"
        r"よくなっ|だんない)"
        r"|きのせい|かんちがい|おさわがせ|とおもったら|たいいんし|なおりました|なおった"
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
        r"|^.?(?:ないよう|んよう|ように|そう|たら|とあぶな|ないか|かしんぱい|かもしれ)"
    ),
    re.compile(
        r"(?:(?<!もし)もし(?!もし|も)|(?<!もし)もしも(?!し)|まんいち|まんがいち|ないように|よぼう|ぼうし|"
        r"くんれん)[^。!?]{0,12}$"
    ),
    re.compile(r"ほうちき|けいほうき|てんけん|けんしん|りょうきん|ひのようじん|ぼうはん|たいさく|でんち"),
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


def _scan(rules: _Rules, text: str, em: list[str], co: list[str], dropped: list[str]) -> None:
    for sm in _SENTENCE.finditer(text):
        sentence = sm.group(0)
        for tag, pat in rules.emergency.items():
            for m in pat.finditer(sentence):
                if tag in ("fire", "gas") and rules.alarm.search(sentence) and not rules.now_only.search(sentence):
                    dropped.append(tag)
                    continue
                if _dropped(rules, sentence, m):
                    dropped.append(tag)
                    continue
                if tag not in em:
                    em.append(tag)
                break
        for tag, pat in rules.consult.items():
            c = pat.search(sentence)
            if c and tag not in co and not rules.fine.search(sentence[c.end() :]):
                co.append(tag)
        if rules.past_mention.search(sentence):
            dropped.append("past")
        if _HYPO_MENTION.search(sentence):
            dropped.append("hypothetical")


def _joined(text: str) -> str:
    """The message as one sentence, so that 落ちた。動かん is read like 落ちて動かん."""
    return re.sub(r"[。!?\n]+", "、", text)


def check(text: str, kana: str | None = None) -> SafetyResult:
    """Emergency cues first (they win), then consultation cues.

    `text` is the normalised message; `kana`, when given, its hiragana reading, scanned with the kana rules.
    """
    if _HELP_ONLY.match(text):
        return SafetyResult("emergency", ("help_call",), ())
    em: list[str] = []
    dropped: list[str] = []
    co: list[str] = []
    _scan(WRITTEN, text, em, co, dropped)
    if kana:
        _scan(KANA, kana, em, co, dropped)
    if not em:
        # an event and its state in two sentences; consultation cues are not re-read
        _scan(WRITTEN, _joined(text), em, [], [])
        if kana:
            _scan(KANA, _joined(kana), em, [], [])
    if em:
        return SafetyResult("emergency", tuple(em + co), tuple(dropped))
    if co:
        return SafetyResult("consult", tuple(co), tuple(dropped))
    return SafetyResult(None, (), tuple(dropped))
