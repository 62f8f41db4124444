"""Hand-written hard cases: borderline labels, negation and past tense, dialect, hiragana, long letters.

All are dated against NOW (Tuesday 2026-12-01 10:00 JST); `when` is the gold wanted date or None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NOW = "2026-12-01T10:00:00+09:00"


def w(d: str, time: str | None = None, part: str | None = None, text: str = "") -> dict[str, Any]:
    return {"date": d, "time": time, "part": part, "text": text}


_CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    # --- from the issue and the product brief
    ("ゆきすかし たのめんけ", "snow", None),
    ("けいこうとうがつかん", "repair", None),
    ("ころんでたてない　たすけて", "emergency", None),
    (
        "拝啓　寒さが厳しくなってまいりました。さて、お恥ずかしい話ですが物置の戸が外れてしまい、"
        "一人では直せずに困っております。"
        "お手すきの折にお力をお貸しいただけましたら幸いです。敬具",
        "repair",
        None,
    ),
    ("あんやと、きのどくなことでした", "not_request", None),
    ("台所の電球が切れてしもうた。明日の朝替えてもらえんけ", "repair", w("2026-12-02", None, "morning", "明日の朝")),
    # --- past / negated emergencies are not emergencies
    ("先週転んだけど今は大丈夫", "not_request", None),
    ("先週転んだけど今はだんない。雪すかしだけお願いしたいげん", "snow", None),
    ("去年階段から落ちてから足が弱くなって、二階の荷物を下ろしてほしい", "moving", None),
    ("転ばんように玄関に手すりを付けてもらえんけ", "repair", None),
    (
        "雪道で転ぶのが怖いさけ、あしたの朝ゴミ出してもらえんけ",
        "garbage",
        w("2026-12-02", None, "morning", "あしたの朝"),
    ),
    ("ガスくさいかと思ったら玉ねぎやった。お騒がせしました", "not_request", None),
    ("胸の手術をしてから重い物が持てんので灯油を運んでほしい", "moving", None),
    ("火の用心の回覧板を隣に回してほしい", "other_help", None),
    ("火災報知器がピーピー鳴る。電池切れみたい。替えてくれんけ", "repair", None),
    ("ガスコンロの火がつかん 電池かな 見てほしい", "repair", None),
    ("泥棒が怖いので玄関の鍵が閉まりにくいのを直してほしい", "repair", None),
    ("息が白くなるほど寒いね", "not_request", None),
    ("死ぬほど寒いけど元気です", "not_request", None),
    # --- present emergencies, however they are written
    ("転んで起きられない", "emergency", None),
    ("ふろばでころんで　おきれん", "emergency", None),
    ("おっとがたおれてへんじがない", "emergency", None),
    ("むねがくるしい", "emergency", None),
    ("いきができん たすけて", "emergency", None),
    ("だいどころからけむりがでとる", "emergency", None),
    ("かじや　はよきて", "emergency", None),
    ("がすくさい", "emergency", None),
    ("しらんひとがいえにはいってきた", "emergency", None),
    ("ばあちゃんがトイレで倒れとる 息しとるけどへんじがない", "emergency", None),
    ("電球替えようとして脚立から落ちた 腰打って動けん", "emergency", None),
    ("雪すかししとったら胸が痛くなって座り込んどる", "emergency", None),
    ("えーと 夫が急にろれつが回らんようになって 手もしびれとるって", "emergency", None),
    (
        "拝啓 夜分に失礼いたします。先ほどから主人の胸が苦しいと申しておりまして、どうしたらよいか分かりません",
        "emergency",
        None,
    ),
    ("屋根の雪下ろしお願いしたいのと、さっき台所でガスのにおいがしとる", "emergency", None),
    ("となりのいえがもえとる", "emergency", None),
    ("窓をガチャガチャされとる こわい", "emergency", None),
    ("朝から父の意識がもうろうとして呼んでもこたえん", "emergency", None),
    # --- consultations, never to volunteers
    ("息子を名乗る電話で300万円いるって言われた どうしたらいいがけ", "consult", None),
    ("へんなでんわで　おかねをふりこめといわれた", "consult", None),
    ("屋根の無料点検に来た人に修理の契約をさせられたけど高すぎる", "consult", None),
    ("もうしにたい", "consult", None),
    ("生きとってもしょうがないがや", "consult", None),
    ("さみしくてもう消えてしまいたい", "consult", None),
    ("主人の物忘れがひどうなって、ガスの火を消し忘れることが増えた", "consult", None),
    ("母が認知症みたいで介護保険のことを聞きたい", "consult", None),
    ("介護保険の申請書を書いてほしい", "consult", None),
    ("デイサービスに行けるようになるにはどこに聞けばいいですか", "consult", None),
    ("年金が少なくて灯油代が払えん", "consult", None),
    ("嫁にきつく言われて毎日泣いとる", "consult", None),
    ("隣の家から毎晩怒鳴り声と子どもの泣き声がする", "consult", None),
    ("電球替えてほしいのと、あと最近変な請求書が届いて心配", "consult", None),
    # --- borderline help categories (see guidelines)
    ("雪がひどくてゴミを出しに行けん。代わりに出してもらえんけ", "garbage", None),
    ("雪で買い物に出られんげん 米と牛乳お願いしたい", "shopping", None),
    ("雪で病院に行けんがで、明後日の通院に付き添ってもらえんけ", "escort", w("2026-12-03", None, None, "明後日")),
    ("灯油のポリタンクが重くてストーブまで運べん", "moving", None),
    ("ストーブの灯油を買ってきてほしい", "shopping", None),
    ("ストーブが点かん 見てほしい", "device", None),
    ("テレビのリモコンの電池を替えてもチャンネルが変わらん", "device", None),
    ("市役所から届いた手紙を読んでほしい。字が小さくて", "paperwork", None),
    ("年賀状の宛名書きを手伝ってほしい", "paperwork", None),
    ("話し相手がほしい。一人で寂しいげん", "companionship", None),
    ("毎朝電話で声をかけてもらえると安心です", "companionship", None),
    ("犬の散歩をお願いしたい。足を痛めてしもうて", "other_help", None),
    ("回覧板を回してほしい", "other_help", None),
    ("お墓参りに連れていってほしい", "escort", None),
    ("押し入れの片付けを手伝ってほしい", "cleaning", None),
    ("年末の大掃除、窓ふきだけでも頼めんけ", "cleaning", None),
    ("松の雪吊りをお願いしたい", "garden", None),
    ("落ち葉で側溝がつまっとる", "garden", None),
    ("タンスを二階から下ろしたい", "moving", None),
    ("銀行までついてきてほしい", "escort", None),
    ("スマホで孫の写真が見られん", "device", None),
    ("でんきゅうがきれた　こうかんたのめんけ", "repair", None),
    ("しょうじがやぶれた　はりかえてほしい", "repair", None),
    ("ゆきおろし　おねがいできんけ　やねがしんぱい", "snow", None),
    ("くすりをとりにいけん", "shopping", None),
    ("ごみだしおねがい", "garbage", None),
    ("くさむしりたのみたい", "garden", None),
    ("びょういんに　つきそってほしい", "escort", None),
    ("はなしあいてになってほしいげん", "companionship", None),
    ("てがみがよめん", "paperwork", None),
    ("てれびがうつらん", "device", None),
    # --- several troubles: the first-mentioned help task is the label
    ("雪すかしと、ついでにゴミ出しもお願いできたら助かります", "snow", None),
    ("電球が切れたのと障子も破れとる", "repair", None),
    # --- not requests
    ("はい", "not_request", None),
    ("だんない だんない", "not_request", None),
    ("また雪すかしの時はお願いするね", "not_request", None),
    ("昨日は買い物ありがとう。たすかったわ", "not_request", None),
    ("テストです", "not_request", None),
    ("🙏🙏", "not_request", None),
    ("", "not_request", None),
    # --- dates
    ("今週の金曜に買い物をお願いしたい", "shopping", w("2026-12-04", None, None, "今週の金曜")),
    ("来週の火曜、病院に付き添ってほしい", "escort", w("2026-12-08", None, None, "来週の火曜")),
    ("今度の日曜に雪すかし頼めんけ", "snow", w("2026-12-06", None, None, "今度の日曜")),
    ("10日に粗大ゴミを出したい", "garbage", w("2026-12-10", None, None, "10日")),
    ("12月15日の通院の付き添いをお願いします", "escort", w("2026-12-15", None, None, "12月15日")),
    ("3時ごろ来てもらえんけ 電球替えてほしい", "repair", w("2026-12-01", "15:00", None, "3時ごろ")),
    ("今日中に灯油を運んでほしい", "moving", w("2026-12-01", None, None, "今日中")),
    ("あさって草むしりお願い", "garden", w("2026-12-03", None, None, "あさって")),
    ("昨日から電気がつかんがや", "repair", None),
    ("先週からテレビが映らん", "device", None),
    ("あしたのあさ　ごみだし　おねがいします", "garbage", w("2026-12-02", None, "morning", "あしたのあさ")),
    ("らいしゅうのかようびに　びょういん　つきそって", "escort", w("2026-12-08", None, None, "らいしゅうのかようび")),
    ("十五日に年賀状の宛名書きを頼みたい", "paperwork", w("2026-12-15", None, None, "十五日")),
    ("明日の午後2時に銀行に付き添ってほしい", "escort", w("2026-12-02", "14:00", None, "明日の午後2時")),
]

# More hand-written messages, one "label<TAB>text[<TAB>date|time-or-part]" a line.
_TSV = Path(__file__).resolve().parent / "handwritten.txt"
for _line in _TSV.read_text(encoding="utf-8").splitlines():
    if _line.strip() and not _line.startswith("#"):
        _label, _text, *_rest = _line.split("\t")
        _when = None
        if _rest and _rest[0]:
            _date, _tp = _rest[0].split("|")
            _when = w(_date, _tp if ":" in _tp else None, _tp if _tp and ":" not in _tp else None)
        _CASES.append((_text, _label, _when))

HARD_CASES: list[tuple[str, str, dict[str, Any] | None, str]] = [(t, lab, wh, NOW) for t, lab, wh in _CASES]
