"""Builds the labelled corpus (train/dev/test JSONL) from phrase banks and hand-written hard cases.

Its rows share phrases with each other, so they are only ever training data: `python -m bot.nlp.data.corpus`
puts them in train.jsonl and splits independent writers' messages by writer (seeded, deterministic).
Each line: {"id", "text", "label", "now", "when", "pii", "style", "source"}; `when` is the gold wanted
date resolved against `now` (null when none), `pii` the personal strings that must not survive masking.
The gold dates are computed here from calendar arithmetic, independently of `bot.nlp.dates`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.nlp.data.freeform import FREEFORM
from bot.nlp.data.hard_cases import HARD_CASES

TZ = ZoneInfo("Asia/Tokyo")
HERE = Path(__file__).resolve().parent
SEED = 20261201

NOWS = [
    datetime(2026, 12, 1, 10, 0, tzinfo=TZ),  # Tuesday morning
    datetime(2026, 12, 5, 8, 30, tzinfo=TZ),  # Saturday
    datetime(2027, 1, 14, 15, 0, tzinfo=TZ),  # Thursday afternoon
    datetime(2026, 11, 27, 19, 0, tzinfo=TZ),  # Friday evening
    datetime(2027, 2, 8, 9, 0, tzinfo=TZ),  # Monday
]

# ---------------------------------------------------------------------------------------------- help
# label → subtopics; each subtopic: (troubles, asks in te-form, task nouns)
Sub = tuple[list[str], list[str], list[str]]
HELP: dict[str, list[Sub]] = {
    "garbage": [
        (
            [
                "ゴミ出しの日に集積所まで持っていけん",
                "ゴミ袋が重くて坂の上の集積所まで運べない",
                "腰が痛くてゴミを出しに行けない",
                "膝が悪くてゴミステーションまで歩くのがつらい",
                "燃えるゴミがたまってしもうた",
            ],
            ["ゴミを出して", "ゴミを集積所まで持っていって", "燃えるゴミを出して", "ゴミ袋を運んで"],
            ["ゴミ出し", "燃えるゴミの持ち出し", "ゴミ出しのお手伝い"],
        ),
        (
            [
                "ゴミの分別がようわからん",
                "プラスチックと燃えないゴミの分け方がわからない",
                "缶とビンの分別が難しくて",
                "資源ゴミの出し方が変わって困っとる",
                "ペットボトルのラベルをはがすのが大変で",
            ],
            ["ゴミの分別を教えて", "分別を手伝って", "資源ゴミをまとめて"],
            ["ゴミの分別", "資源ゴミの仕分け", "分別のお手伝い"],
        ),
        (
            [
                "古い布団を捨てたいけど重たくて",
                "壊れた扇風機を処分したい",
                "粗大ゴミの出し方がわからん",
                "使わんなった椅子を捨てたい",
            ],
            ["粗大ゴミを出して", "粗大ゴミの申し込みと運び出しを手伝って", "古い布団を出して"],
            ["粗大ゴミの運び出し", "粗大ゴミ出し"],
        ),
        (
            [
                "雪で道が悪くてゴミ出しに行けん",
                "雪が積もって集積所まで行けない",
                "凍った道で転びそうでゴミを出しに行けない",
            ],
            ["代わりにゴミを出して", "ゴミを持っていって"],
            ["ゴミ出し"],
        ),
    ],
    "shopping": [
        (
            [
                "足が悪くてスーパーまで行けない",
                "雪で買い物に出られん",
                "米と醤油がもうなくなりそう",
                "牛乳とパンが切れてしもうた",
                "重たい米が買えんで困っとる",
                "風邪気味で外に出られない",
            ],
            [
                "買い物に行って",
                "米を買ってきて",
                "スーパーで食料品を買ってきて",
                "トイレットペーパーと洗剤を買ってきて",
                "お使いに行って",
            ],
            ["買い物", "お使い", "食料品の買い出し", "買い物の代行"],
        ),
        (
            ["薬局に処方された薬を取りに行けない", "いつもの薬がもうすぐなくなる", "病院の薬を受け取りに行く足がない"],
            ["薬を受け取ってきて", "薬局で薬をもらってきて", "処方薬を取りに行って"],
            ["薬の受け取り", "薬局へのお使い"],
        ),
        (
            [
                "年賀はがきを買いに行けん",
                "灯油缶じゃなくて電池を切らしてしもうた",
                "孫への贈り物を買いたいけど街まで出られない",
            ],
            ["郵便局ではがきを買ってきて", "単三電池を買ってきて", "代わりに買ってきて"],
            ["ちょっとしたお使い", "買い物"],
        ),
    ],
    "repair": [
        (
            [
                "台所の電球が切れてしもうた",
                "トイレの電気がつかん",
                "玄関の蛍光灯がチカチカする",
                "廊下の電球が切れて夜暗くて怖い",
                "天井の電気が届かんで替えられない",
            ],
            ["電球を替えて", "蛍光灯を交換して", "電球を交換して", "電気を見て"],
            ["電球の交換", "電球替え", "蛍光灯の取り替え"],
        ),
        (
            [
                "物置の戸が外れてしまった",
                "障子が破れてしもうた",
                "襖の建て付けが悪くて閉まらん",
                "網戸が外れた",
                "引き戸が重くて開かない",
                "玄関の戸がガタガタする",
            ],
            ["戸を直して", "障子を張り替えて", "建て付けを見て", "網戸をはめて"],
            ["戸の修理", "障子の張り替え", "ちょっとした修繕"],
        ),
        (
            ["台所の蛇口から水がぽたぽた漏れる", "トイレの水が止まらん", "水道のパッキンが古くなったみたい"],
            ["パッキンを替えて", "蛇口を見て", "水漏れを直して"],
            ["蛇口の修理", "水漏れの修理"],
        ),
        (
            [
                "火災報知器の電池が切れてピーピー鳴っとる",
                "ガスコンロの電池が切れて火がつかない",
                "時計の電池が切れた",
                "転ばんように玄関に手すりがほしい",
                "棚のネジがゆるんでぐらぐらする",
            ],
            ["電池を替えて", "手すりを付けて", "ネジを締めて", "棚を直して"],
            ["電池交換", "手すりの取り付け", "棚の修理"],
        ),
    ],
    "snow": [
        (
            [
                "玄関の前に雪がいっぱい積もって出られん",
                "一晩で雪が50センチも積もった",
                "雪が多くて車庫から車が出せない",
                "大雪で家の前が埋まってしもうた",
                "腰が痛くて雪かきができん",
                "雪の重みで屋根が心配",
            ],
            ["雪すかしをして", "雪かきをして", "玄関前の雪をどけて", "屋根の雪を下ろして", "道まで雪をすかして"],
            ["雪すかし", "雪かき", "雪下ろし", "除雪", "屋根の雪下ろし", "玄関前の除雪"],
        ),
        (
            ["先週雪で転んだので玄関まわりが怖い", "凍って滑ると危ないから", "消雪装置が止まって雪が積もっとる"],
            ["玄関まわりの雪を取って", "融雪剤をまいて", "通路の雪をすかして"],
            ["通路の雪すかし", "雪すかし"],
        ),
    ],
    "garden": [
        (
            [
                "庭の草がぼうぼうになってしもうた",
                "夏の間に草が伸びて",
                "膝が痛くて草むしりができん",
                "裏の畑が草だらけ",
            ],
            ["草むしりをして", "草を刈って", "庭の草を取って"],
            ["草むしり", "草取り", "庭の草刈り"],
        ),
        (
            [
                "庭木の枝が伸びて隣の家にかかっとる",
                "松の木の剪定をしたい",
                "雪吊りをしないといけない時期になった",
                "柿の木の枝が電線にかかりそう",
            ],
            ["枝を切って", "庭木を剪定して", "雪吊りを手伝って", "木を切ってそろえて"],
            ["庭木の剪定", "枝切り", "雪吊り"],
        ),
        (
            ["落ち葉が庭いっぱいにたまった", "側溝に落ち葉がつまっとる", "花壇の手入れができなくなった"],
            ["落ち葉を掃いて", "落ち葉を集めて", "花壇の手入れを手伝って"],
            ["落ち葉の掃除", "落ち葉拾い", "庭の手入れ"],
        ),
    ],
    "moving": [
        (
            ["灯油のポリタンクが重くて運べん", "灯油を玄関から台所まで持っていけない", "灯油を入れるのが大変で"],
            ["灯油を運んで", "灯油をストーブに入れて", "ポリタンクを運んで"],
            ["灯油運び", "灯油の運び入れ"],
        ),
        (
            [
                "タンスを動かしたい",
                "ベッドの位置を変えたい",
                "冷蔵庫の裏を掃除したいけど動かせない",
                "こたつを出したい",
                "二階の荷物を下ろしたい",
                "重い米袋を運べない",
            ],
            ["タンスを動かして", "ベッドを移動して", "荷物を下ろして", "こたつを出して", "重い物を運んで"],
            ["家具の移動", "重い物の運び出し", "模様替え"],
        ),
        (
            ["ストーブを出す季節になった", "扇風機をしまいたい", "物置から冬物を出したい"],
            ["ストーブを出して", "扇風機を片付けて物置に運んで", "冬物を出して"],
            ["季節物の出し入れ", "ストーブ出し"],
        ),
    ],
    "cleaning": [
        (
            [
                "部屋が散らかって足の踏み場もない",
                "年末の大掃除ができん",
                "窓ふきが高いところまで届かん",
                "換気扇が油でべたべた",
                "お風呂のカビがひどい",
            ],
            ["掃除して", "片付けを手伝って", "窓をふいて", "換気扇を掃除して", "大掃除を手伝って"],
            ["掃除", "片付け", "大掃除", "窓ふき", "部屋の片付け"],
        ),
        (
            ["亡くなった主人の物を整理したい", "押し入れの中がいっぱいで", "物が多くて片付かない"],
            ["整理を手伝って", "押し入れの片付けを手伝って", "いらない物をまとめて"],
            ["整理", "押し入れの片付け"],
        ),
    ],
    "escort": [
        (
            [
                "一人で病院に行くのが不安",
                "足が悪くてバスに乗れない",
                "目が悪くなって一人で出かけるのが怖い",
                "来月大学病院で検査がある",
                "歯医者の予約がある",
            ],
            ["病院に付き添って", "通院に付き添って", "一緒に病院まで行って", "歯医者まで連れていって"],
            ["通院の付き添い", "病院への付き添い", "付き添い"],
        ),
        (
            [
                "銀行に行きたいけど一人では不安",
                "市役所に手続きに行きたい",
                "お墓参りに行きたい",
                "美容院に行きたい",
                "選挙の投票に行きたい",
            ],
            ["一緒に行って", "付き添って", "連れていって", "銀行まで付き添って"],
            ["外出の付き添い", "お出かけの付き添い"],
        ),
    ],
    "companionship": [
        (
            [
                "一人暮らしで話す人がおらん",
                "毎日テレビとしか話しとらん",
                "冬は誰も来なくて寂しい",
                "主人が亡くなってから家が静かで",
                "最近人と話しとらん",
            ],
            ["話し相手になって", "たまに顔を見に来て", "お茶飲みに来て", "おしゃべりしに来て"],
            ["話し相手", "お茶飲み相手", "おしゃべり相手"],
        ),
        (
            ["娘が遠くにおって心配しとる", "一人なので何かあった時が心配", "夜になると不安になる"],
            ["ときどき声をかけて", "朝に電話で安否を確認して", "週に一回様子を見に来て"],
            ["安否確認の声かけ", "見守りの電話", "声かけ"],
        ),
    ],
    "paperwork": [
        (
            [
                "市役所から手紙が来たけど字が小さくて読めない",
                "役所の書類が難しくてわからない",
                "銀行から届いた書類の意味がわからん",
                "目が悪くなって手紙が読めん",
            ],
            ["書類を読んで", "手紙を読んで", "書き方を教えて", "中身を説明して"],
            ["書類の読み上げ", "手紙の代読", "書類の確認"],
        ),
        (
            [
                "手が震えて字が書けない",
                "年賀状の宛名が書けん",
                "町内会の申込書を書かないといけない",
                "お礼状を出したい",
            ],
            ["宛名を書いて", "申込書を書いて", "代わりに書いて", "手紙を書くのを手伝って"],
            ["代筆", "年賀状の宛名書き", "書類の記入"],
        ),
    ],
    "device": [
        (
            [
                "スマホの使い方がわからん",
                "LINEで写真の送り方がわからない",
                "携帯の文字が小さくて読めない",
                "スマホの設定が変になった",
                "孫とビデオ通話したい",
            ],
            ["スマホの使い方を教えて", "設定を見て", "文字を大きくして", "ビデオ通話のやり方を教えて"],
            ["スマホの操作", "スマホの設定", "LINEの使い方"],
        ),
        (
            [
                "テレビが映らんようになった",
                "リモコンをいじったら画面が真っ暗",
                "テレビの録画のやり方がわからない",
                "新しい洗濯機のボタンがわからん",
                "エアコンのリモコンの操作がわからない",
                "電子レンジの使い方がわからん",
            ],
            ["テレビを見て", "リモコンの設定をして", "使い方を教えて", "録画できるようにして"],
            ["テレビの設定", "家電の操作", "リモコンの設定"],
        ),
    ],
    "other_help": [
        (
            ["入院することになって犬の世話ができん", "旅行の間猫にえさをやれない", "犬の散歩に行けなくなった"],
            ["犬の散歩をして", "猫にえさをやって", "犬の世話をして"],
            ["犬の散歩", "ペットの世話"],
        ),
        (
            [
                "回覧板を次の家に回せない",
                "町内会の回覧板がたまっとる",
                "留守にするので植木の水やりができん",
                "鉢植えが多くて水やりが大変",
                "布団が重くて干せない",
                "郵便受けの新聞がたまっとる",
            ],
            ["回覧板を回して", "水やりをして", "布団を干して", "新聞を取り込んで"],
            ["回覧板回し", "水やり", "布団干し", "留守中のお願い"],
        ),
        (
            [
                "ボタンが取れてしもうた",
                "ズボンの裾上げをしたい",
                "瓶のふたが固くて開かない",
                "高いところの物が取れない",
            ],
            ["ボタンを付けて", "裾上げをして", "ふたを開けて", "物を取って"],
            ["ちょっとした手伝い", "裁縫のお手伝い"],
        ),
    ],
}

ENDINGS_TE = {
    "polite": [
        "いただけませんか",
        "いただけないでしょうか",
        "もらえませんか",
        "もらえると助かります",
        "くださいませんか",
        "ほしいのですが",
        "いただけると有難いです",
        "くださるとうれしいです",
    ],
    "casual": ["ほしい", "くれる?", "もらえる?", "ほしいんだけど", "くれんかな", "ほしいな"],
    "dialect": [
        "もらえんけ",
        "くれんけ",
        "くれまっし",
        "ほしいげん",
        "ほしいがや",
        "もらえたらありがたいがや",
        "くれんかいね",
        "ほしいげんけど",
    ],
}
ENDINGS_NOUN = {
    "polite": [
        "をお願いしたいです",
        "をお願いできますか",
        "をお願いします",
        "のお手伝いをお願いしたいのですが",
        "をお願いできないでしょうか",
        "をしてくださる方はいらっしゃいますか",
    ],
    "casual": ["頼みたい", "頼める?", "お願い", "誰かやってくれん?", "手伝ってほしい"],
    "dialect": ["たのめんけ", "を頼みたいげん", "お願いできんけ", "してくれる人おらんけ", "頼んでもいいがけ"],
}
IMPLICIT = {
    "polite": [
        "どうしたらよいでしょうか",
        "困っております",
        "どなたかお手伝いいただけませんか",
        "助けていただけませんか",
    ],
    "casual": ["困ってる", "誰か助けてくれないかな", "どうしよう", "助けて", "たすけてほしい"],
    "dialect": [
        "困っとるげん",
        "誰か頼めんけ",
        "どうしたらいいがやろ",
        "なんとかならんけ",
        "助けてくれんけ",
        "たすけてま",
    ],
}
CONNECT = {
    "polite": ["ので、", "ため、", "。", "ので"],
    "casual": ["から", "ので", "。"],
    "dialect": ["さけ", "から", "ので", "し、", "がやけど"],
}
OPENERS = [
    "こんにちは",
    "おはようございます",
    "すみません",
    "お世話になります",
    "あのー",
    "こんばんは",
    "度々すみません",
    "突然すみません",
    "失礼します",
    "もしもし",
    "",
]
LETTER_OPEN = [
    "拝啓 寒さが厳しくなってまいりました。皆様いかがお過ごしでしょうか。",
    "拝啓 師走の候、いつもお世話になっております。",
    "前略 いつも見守っていただきありがとうございます。",
    "拝啓 雪の便りが聞かれる頃となりました。",
    "いつも大変お世話になっております。さて、お恥ずかしい話ですが、",
]
LETTER_CLOSE = [
    "お忙しいところ恐縮ですが、よろしくお願い申し上げます。敬具",
    "ご迷惑をおかけしますが、何卒よろしくお願いいたします。",
    "勝手なお願いで申し訳ございません。よろしくお願いいたします。かしこ",
]
BACKGROUND = [
    "一人暮らしで",
    "腰が悪くて",
    "足が弱くなって",
    "息子は東京におって",
    "主人を亡くしてから一人で",
    "年をとって",
    "膝の手術をしてから",
    "目が見えにくくなって",
    "杖をついとるので",
    "娘は県外におるので",
]
CLOSINGS = [
    "よろしくお願いします",
    "お願いします",
    "すみませんがよろしく",
    "よろしく頼みます",
    "よろしゅうお願いします",
    "お手すきの方お願いします",
    "あんやと",
    "助けてください",
    "助けて🙏",
    "",
]
EMOJI = ["🙏", "😊", "❄️", "😢", "💦", "🙇", "☃️", "🌸", "👍", "😅"]

SURNAMES = [
    "田中",
    "山本",
    "中村",
    "北村",
    "松田",
    "竹内",
    "吉田",
    "山田",
    "小林",
    "坂本",
    "宮本",
    "西田",
    "中川",
    "村田",
    "清水",
    "橋本",
    "石川",
    "前田",
    "林",
    "森",
    "池田",
    "谷口",
    "米田",
    "表",
    "南",
    "東",
    "高田",
    "油野",
    "道下",
    "越野",
    "宮下",
    "新谷",
    "寺井",
    "浅野",
    "広瀬",
    "松本",
    "大西",
    "岡田",
    "藤井",
    "木下",
]
GIVEN = [
    "花子",
    "和子",
    "幸子",
    "正男",
    "勝",
    "清",
    "茂",
    "トミ",
    "ミツ",
    "節子",
    "良子",
    "弘",
    "博",
    "昭二",
    "キヨ",
    "千代子",
    "文子",
    "実",
    "進",
    "久美子",
]
TOWNS = [
    "長町",
    "広坂",
    "片町",
    "野町",
    "寺町",
    "泉野町",
    "小立野",
    "東山",
    "森山",
    "大樋町",
    "本多町",
    "笠舞",
    "金石西",
    "大野町",
    "湊",
    "額新保",
    "平和町",
    "高尾",
    "押野",
    "西念",
    "諸江町",
    "鳴和",
    "田上",
    "円光寺",
    "扇町",
    "御所町",
]


def _phone(rng: random.Random) -> str:
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    c = rng.randint(200, 299)
    forms = [
        f"090-{a}-{b}",
        f"080-{a}-{b}",
        f"070{a}{b}",
        f"090 {a} {b}",
        f"076-{c}-{b}",
        f"076({c}){b}",
        f"0762{c % 100:02d}{b}",
        f"(076){c}-{b}",
        f"080-{a}-{b}",
    ]
    p = rng.choice(forms)
    if rng.random() < 0.3:  # full-width digits, as typed on a feature phone or by voice
        p = p.translate(str.maketrans("0123456789-()", "０１２３４５６７８９－（）"))
    return p


def _address(rng: random.Random) -> str:
    t = rng.choice(TOWNS)
    n1, n2, n3 = rng.randint(1, 5), rng.randint(1, 30), rng.randint(1, 20)
    forms = [
        f"{t}{n1}丁目{n2}-{n3}",
        f"{t}{n1}丁目{n2}番{n3}号",
        f"{t}{n1}-{n2}-{n3}",
        f"{t}{n2}番地",
        f"{t}{n1}丁目{n2}番地の{n3}",
        f"{t}{n1}丁目{n2}-{n3} コーポ{t}{rng.randint(1, 3)}0{rng.randint(1, 5)}号室",
    ]
    return rng.choice(forms)


def _name(rng: random.Random) -> tuple[str, list[str]]:
    s = rng.choice(SURNAMES)
    if rng.random() < 0.35:
        g = rng.choice(GIVEN)
        return s + g, [s + g]
    return s, [s]


# ---------------------------------------------------------------------------------------------- dates
WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]
PARTS = [
    ("朝", "morning"),
    ("午前中", "morning"),
    ("昼", "noon"),
    ("お昼", "noon"),
    ("午後", "afternoon"),
    ("夕方", "evening"),
    ("夜", "night"),
    ("早朝", "early_morning"),
]


def _w(d: date, time: str | None = None, part: str | None = None, text: str = "") -> dict[str, Any]:
    return {"date": d.isoformat(), "time": time, "part": part, "text": text}


DateExpr = tuple[str, dict[str, Any] | None]


def _date_today(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    t = rng.choice(["今日", "今日中", "本日中", "今日のうちに"])
    return t, _w(today, text=t)


def _date_today_part(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    # only parts that are still ahead today
    options = [
        (w, p, end)
        for w, p, end in [("夕方", "evening", 17), ("夜", "night", 20), ("午後", "afternoon", 12)]
        if now.hour < end
    ]
    if not options:
        return date_expr(rng, now)
    w, p, _ = rng.choice(options)
    t = rng.choice([f"今日の{w}", "今晩" if p == "night" else f"今日の{w}"])
    return t, _w(today, part=p, text=t)


def _date_tomorrow(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    t = rng.choice(["明日", "あした", "明日中"])
    return t, _w(today + timedelta(1), text=t)


def _date_tomorrow_part(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    w, p = rng.choice(PARTS)
    t = rng.choice(["明日の", "あしたの", "明日"]) + w
    return t, _w(today + timedelta(1), part=p, text=t)


def _date_dayafter(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    t = rng.choice(["明後日", "あさって"])
    if rng.random() < 0.4:
        w, p = rng.choice(PARTS[:6])
        return t + "の" + w, _w(today + timedelta(2), part=p, text=t + "の" + w)
    return t, _w(today + timedelta(2), text=t)


def _date_thisweek(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    if wd <= today.weekday():
        return date_expr(rng, now)
    t = f"今週の{WEEKDAYS[wd]}{youbi}"
    return t, _w(today + timedelta(wd - today.weekday()), text=t)


def _date_nextweek(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    t = f"来週の{WEEKDAYS[wd]}{youbi}"
    d = today - timedelta(today.weekday()) + timedelta(7 + wd)
    if rng.random() < 0.3:
        w, p = rng.choice(PARTS[:6])
        return t + "の" + w, _w(d, part=p, text=t + "の" + w)
    return t, _w(d, text=t)


def _date_kondo_or_bare_weekday(
    rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str
) -> DateExpr:
    ahead = (wd - today.weekday()) % 7 or 7
    t = f"今度の{WEEKDAYS[wd]}{youbi}" if kind == "kondo" else f"{WEEKDAYS[wd]}曜日"
    return t, _w(today + timedelta(ahead), text=t)


def _date_day(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    n = rng.randint(1, 28)
    d = date(today.year, today.month, n)
    if d < today:
        d = date(today.year + (today.month == 12), today.month % 12 + 1, n)
    t = f"{n}日"
    if rng.random() < 0.3:
        w, p = rng.choice(PARTS[:6])
        return t + "の" + w, _w(d, part=p, text=t + "の" + w)
    return t, _w(d, text=t)


def _date_monthday(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    m = (today.month - 1 + rng.randint(0, 2)) % 12 + 1
    n = rng.randint(1, 28)
    y = today.year + (m < today.month)
    d = date(y, m, n)
    if d < today:  # a date just gone is a past event, not a wish: draw again
        return date_expr(rng, now)
    t = f"{m}月{n}日"
    if rng.random() < 0.3:
        h = rng.choice([9, 10, 13, 14, 15])
        hh = f"午後{h - 12}時" if h > 12 else f"{h}時"
        return t + "の" + hh, _w(d, time=f"{h:02d}:00", text=t + "の" + hh)
    return t, _w(d, text=t)


def _date_hour(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    h = rng.choice([1, 2, 3, 4, 5, 10, 11, 13, 14, 15, 16])
    said, hour24 = (f"{h}時", h + 12 if h <= 6 else h)
    if h > 12:
        said = f"午後{h - 12}時"
        hour24 = h
    minute = "00"
    if rng.random() < 0.3:
        said += "半"
        minute = "30"
    said += rng.choice(["ごろ", "頃", "に", "くらいに"])
    d = today if (hour24, int(minute)) > (now.hour, now.minute) else today + timedelta(1)
    return said, _w(d, time=f"{hour24:02d}:{minute}", text=said)


def _date_tomorrow_hour(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    h = rng.choice([9, 10, 11, 1, 2, 3, 4])
    hour24 = h + 12 if h <= 6 else h
    t = f"明日の{h}時" + rng.choice(["ごろ", "", "頃"])
    return t, _w(today + timedelta(1), time=f"{hour24:02d}:00", text=t)


def _date_asap(rng: random.Random, now: datetime, today: date, wd: int, youbi: str, kind: str) -> DateExpr:
    t = rng.choice(["今すぐ", "至急", "急ぎで", "すぐに"])
    return t, None


# Each kind of wanted-date expression, drawn alike (the same random draws in the same order as before).
_DATE_KINDS: dict[str, Callable[[random.Random, datetime, date, int, str, str], DateExpr]] = {
    "today": _date_today,
    "today_part": _date_today_part,
    "tomorrow": _date_tomorrow,
    "tomorrow_part": _date_tomorrow_part,
    "dayafter": _date_dayafter,
    "thisweek": _date_thisweek,
    "nextweek": _date_nextweek,
    "kondo": _date_kondo_or_bare_weekday,
    "bare_weekday": _date_kondo_or_bare_weekday,
    "day": _date_day,
    "monthday": _date_monthday,
    "hour": _date_hour,
    "tomorrow_hour": _date_tomorrow_hour,
    "asap": _date_asap,
}


def date_expr(rng: random.Random, now: datetime) -> tuple[str, dict[str, Any] | None]:
    """A wanted-date expression and its gold resolution (calendar arithmetic, Asia/Tokyo)."""
    today = now.date()
    kind = rng.choice(
        [
            "today",
            "today_part",
            "tomorrow",
            "tomorrow_part",
            "dayafter",
            "thisweek",
            "nextweek",
            "kondo",
            "day",
            "monthday",
            "hour",
            "tomorrow_hour",
            "bare_weekday",
            "asap",
        ]
    )
    wd = rng.randrange(7)
    youbi = rng.choice(["曜", "曜日"])
    return _DATE_KINDS[kind](rng, now, today, wd, youbi, kind)


PAST = ["昨日", "先週", "一昨日", "この前", "先月", "去年の冬", "先週から", "おととい"]

# ---------------------------------------------------------------------------------------------- safety
EMERGENCY: dict[str, tuple[list[str], list[str]]] = {
    # cue → (events, states); message = who + event + state + plea
    "fall": (
        [
            "転んで",
            "風呂場で滑って",
            "階段から落ちて",
            "トイレで転倒して",
            "脚立から落ちて",
            "雪で滑って転んで",
            "ベッドから落ちて",
            "玄関でこけて",
            "電球を替えようとして椅子から落ちて",
        ],
        [
            "起きられない",
            "立てない",
            "動けない",
            "起き上がれん",
            "足が動かん",
            "腰を打って動けん",
            "頭を打って血が出とる",
            "痛くて動けん",
            "立てんがや",
            "起きれん",
        ],
    ),
    "chest_pain": (
        ["急に", "さっきから", "朝から", ""],
        ["胸が痛い", "胸が苦しい", "胸がしめつけられる", "胸が痛くて息ができん", "胸がぎゅーっと痛い"],
    ),
    "breathing": (
        ["急に", "さっきから", ""],
        ["息ができない", "息が苦しい", "息がうまく吸えん", "ぜーぜーして息ができん"],
    ),
    "unconscious": (
        ["倒れて", "急に倒れて", "トイレで倒れとって", ""],
        ["返事がない", "意識がない", "呼んでも起きない", "ぐったりして動かん", "目を開けん"],
    ),
    "stroke": (
        ["急に", "さっきから", ""],
        ["ろれつが回らん", "顔がゆがんで手がしびれとる", "片方の手足が動かん", "言葉が出てこん 手に力が入らん"],
    ),
    "bleeding": (
        ["包丁で手を切って", "転んで頭を打って", ""],
        ["血が止まらない", "血がいっぱい出とる", "血が止まらん"],
    ),
    "fire": (
        ["", "大変", "たいへん"],
        [
            "台所から火が出た",
            "火事です",
            "隣の家が燃えとる",
            "ストーブから煙が出とる",
            "鍋から火が上がった",
            "コンセントから煙が出て焦げくさい",
            "火事や",
            "カーテンに火がついた",
        ],
    ),
    "gas": (
        ["", "なんか", "さっきから"],
        ["ガス臭い", "ガスの匂いがする", "ガスが漏れとるみたい", "台所がガスくさい", "ガス漏れしとる"],
    ),
    "intruder": (
        ["", "夜中に", "今"],
        [
            "知らない人が家に入ってきた",
            "誰かが窓を割って入ろうとしとる",
            "泥棒がおる",
            "玄関の鍵をガチャガチャされとる",
            "知らん男が庭におる",
            "家の中に誰かおる",
        ],
    ),
}
WHO = ["", "", "夫が", "妻が", "母が", "父が", "隣のおばあちゃんが", "主人が", "うちのじいちゃんが", "わたし"]
PLEA = [
    "",
    "助けて",
    "たすけてください",
    "どうしよう",
    "早く来て",
    "救急車呼んで",
    "すぐ来てください",
    "誰か来て",
    "110番して",
]

CONSULT: dict[str, list[str]] = {
    "scam": [
        "息子を名乗る電話があってお金がいると言われた",
        "市役所の者と名乗る人から還付金があると電話がきた",
        "キャッシュカードを預かりに行くと電話で言われた",
        "屋根の点検に来た業者に高い工事の契約をさせられた",
        "知らない会社から未払いの請求はがきが届いた",
        "訪問販売で高い布団を買わされてしもうた",
        "当選したというメールが来てお金を払えと言われた",
        "警察を名乗る人から口座の暗証番号を聞かれた",
        "オレオレ詐欺みたいな電話がかかってきた",
        "怪しい電話で振り込めと言われた",
        "健康食品の定期購入を解約できん",
    ],
    "money": [
        "年金だけでは生活が苦しい",
        "家賃が払えんようになった",
        "借金の返済に困っとる",
        "電気代が払えない",
        "お金がなくてご飯も食べられん",
        "貯金が底をつきそうで不安",
        "お金のことで困っとる",
    ],
    "abuse": [
        "息子に叩かれる",
        "嫁にご飯をもらえん",
        "息子に年金を取られてしまう",
        "毎日怒鳴られて怖い",
        "隣の家から毎晩子どもの泣き叫ぶ声と怒鳴り声がする",
        "夫に殴られる",
        "同居の家族にお金を勝手に使われる",
        "介護しとる家族に手をあげられる",
    ],
    "dementia": [
        "母の物忘れがひどくなってきた",
        "夫が同じことを何度も聞く",
        "最近自分でも物忘れが多くて心配",
        "認知症かもしれん",
        "夜中に外に出て行ってしまう",
        "財布をとられたと言い出すようになった",
        "父が道に迷って帰れんことがあった",
        "ぼけてきたみたいで心配",
    ],
    "care_insurance": [
        "介護保険の申請はどうしたらいい",
        "要介護認定を受けたい",
        "デイサービスを使いたい",
        "ヘルパーさんに来てもらうにはどうしたらいい",
        "ケアマネさんを変えたい",
        "介護保険料が高くて払えん",
        "手すりを付けるのに介護保険は使えるけ",
        "介護保険の更新の手続きがわからん",
        "施設に入るにはどうしたらいい",
    ],
    "suicide": [
        "もう死にたい",
        "生きとってもしょうがない",
        "消えてしまいたい",
        "楽になりたい 死んだ方がまし",
        "一人で寂しくて死にたくなる",
        "みんなに迷惑かけるくらいならいなくなりたい",
        "生きとるのがつらい",
        "もう終わりにしたい 死にたい",
    ],
}
CONSULT_END = [
    "",
    "どこに相談したらいいがけ",
    "誰に相談したらいいか",
    "どうしたらいいやろ",
    "相談にのってほしい",
    "話を聞いてほしい",
    "どうしたらよいでしょうか",
    "不安でたまらん",
]

NOT_REQUEST = [
    "ありがとうございました",
    "あんやと",
    "きのどくなことでした",
    "きのどくな",
    "本当に助かりました ありがとう",
    "こんにちは",
    "おはようございます",
    "はい",
    "わかりました",
    "いいえ",
    "テスト",
    "てすと",
    "test",
    "👍",
    "🙏",
    "今日は寒いね",
    "雪がたくさん降ったね",
    "元気にしとるよ",
    "孫が遊びに来てくれた",
    "だんないよ",
    "大丈夫です",
    "もう自分でやれたから大丈夫です",
    "キャンセルします",
    "また今度お願いするね",
    "よろしくお願いします",
    "了解です",
    "お疲れさまです",
    "はい それでお願いします",
    "明日は晴れるみたいやね",
    "おやすみなさい",
    "先日はありがとうございました とても助かりました",
    "サポーターの方によろしくお伝えください",
    "昨日は雪すかしあんやと",
    "電球替えてもらって明るくなりました きのどくなことでした",
    "このラインはどうやって使うがけ",
    "(スタンプ)",
    "お正月はどう過ごされますか",
    "今年もお世話になりました",
    "見守りありがとう",
    "了解しました😊",
    "間違えて送りました",
    "すみません 今のは間違いです",
    "ごはん食べた?",
    "寒いけど元気です",
    "またお願いします",
    "先週転んだけど今は大丈夫です",
    "前に胸が痛かったけど病院で診てもらって今はなんともない",
    "この前ガスくさいと思ったけど気のせいやった",
    "息子が来て片付けてくれたのでもう大丈夫です",
]


# ---------------------------------------------------------------------------------------------- styles
def _hiragana(text: str, tokenize: Callable[[str], Any]) -> str:
    """Whole message in hiragana as some residents type it; digits and the counter after them stay."""
    out: list[str] = []
    prev_num = False
    for tok in tokenize(text):
        s = tok.text
        reading = tok.morph.get("Reading")
        if prev_num or any(c.isdigit() for c in s) or not reading:
            out.append(s + tok.whitespace_)
        elif re.search(r"[\u4e00-\u9fff]", s) or (re.fullmatch(r"[ァ-ヴー]+", s) and len(s) < 4):
            r = reading[0]
            out.append("".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in r) + tok.whitespace_)
        else:
            out.append(s + tok.whitespace_)
        prev_num = any(c.isdigit() for c in s)
    return "".join(out)


def _voice(text: str, rng: random.Random) -> str:
    """Voice input: no punctuation, sometimes a filler word."""
    text = re.sub(r"[、。!?!?]+", lambda _: rng.choice([" ", "", " "]), text)
    text = re.sub(r"[\U0001F300-\U0001FAFF☃❄️🙏🙇]", "", text)
    if rng.random() < 0.3:
        text = rng.choice(["えーと ", "あのね ", "もしもし "]) + text
    return re.sub(r" {2,}", " ", text).strip()


def _spaces(text: str) -> str:
    return re.sub(r"[、。]", "\u3000", text).strip("\u3000")


def _finish(parts: list[str], register: str) -> str:
    text = "".join(p for p in parts if p)
    return re.sub(r"。。+", "。", text)


def compose_help(rng: random.Random, label: str, now: datetime) -> dict[str, Any]:
    troubles, asks, nouns = rng.choice(HELP[label])
    register = rng.choice(["polite", "casual", "dialect", "dialect", "polite"])
    letter = rng.random() < 0.12
    if letter:
        register = "polite"
    pii: list[str] = []
    parts: list[str] = []
    if letter:
        parts.append(rng.choice(LETTER_OPEN))
    elif rng.random() < 0.4:
        op = rng.choice(OPENERS)
        parts.append(op + ("。" if op else ""))
    if rng.random() < 0.25:
        name, names = _name(rng)
        pii += names
        if rng.random() < 0.35:
            addr = _address(rng)
            pii.append(addr)
            parts.append(rng.choice([f"{addr}の{name}です。", f"{addr}に住んどる{name}と申します。"]))
        else:
            parts.append(rng.choice([f"{name}です。", f"{rng.choice(TOWNS)}の{name}です。", f"{name}と申します。"]))
    if rng.random() < 0.25:
        parts.append(rng.choice(BACKGROUND) + rng.choice(["", "、"]))
    when: dict[str, Any] | None = None
    dtext = ""
    if rng.random() < 0.5:
        dtext, when = date_expr(rng, now)
    shape = rng.random()
    trouble = rng.choice(troubles)
    dpart = (dtext + rng.choice(["、", "に", " ", "、"])) if dtext else ""
    if shape < 0.45:
        parts.append(
            trouble + rng.choice(CONNECT[register]) + dpart + rng.choice(asks) + rng.choice(ENDINGS_TE[register])
        )
    elif shape < 0.7:
        parts.append(dpart + rng.choice(nouns) + rng.choice(ENDINGS_NOUN[register]))
    elif shape < 0.85:
        parts.append(trouble + "。" + dpart + rng.choice(nouns) + rng.choice(ENDINGS_NOUN[register]))
    else:
        parts.append(trouble + "。" + dpart + rng.choice(IMPLICIT[register]))
    parts[-1] += rng.choice(["。", "", "!", "?"]) if not parts[-1].endswith("?") else ""
    if shape < 0.85 and rng.random() < 0.12:
        # a second, different trouble: the label stays the first-mentioned one (see guidelines)
        other = rng.choice([x for x in HELP if x != label])
        o_nouns = rng.choice(HELP[other])[2]
        parts.append(
            rng.choice(["それと、", "あと、", "ついでに", "できたら"]) + rng.choice(o_nouns) + "もお願いできたら。"
        )
    if rng.random() < 0.15:
        ph = _phone(rng)
        pii.append(ph)
        parts.append(rng.choice([f"電話は{ph}です。", f"連絡は{ph}まで。", f"携帯{ph}"]))
    if letter:
        parts.append(rng.choice(LETTER_CLOSE))
    elif rng.random() < 0.5:
        parts.append(rng.choice(CLOSINGS))
    text = _finish(parts, register)
    return {"text": text, "label": label, "when": when, "pii": pii, "style": "letter" if letter else register}


def compose_free(rng: random.Random, label: str, now: datetime) -> dict[str, Any]:
    """A whole hand-written request, with an opener, a wanted date, a closing or contact details around it."""
    text = rng.choice(FREEFORM[label])
    if label in ("emergency", "consult"):
        pre = rng.choice(["", "", "もしもし ", "すみません ", "あのね "])
        return {
            "text": pre + text + rng.choice(["", "。", " 助けて", " どうしよう", " どうしたらいい"]),
            "label": label,
            "when": None,
            "pii": [],
            "style": "free",
        }
    if label == "not_request":
        return {"text": text, "label": label, "when": None, "pii": [], "style": "free"}
    register = rng.choice(["polite", "casual", "dialect"])
    parts: list[str] = []
    pii: list[str] = []
    when = None
    if rng.random() < 0.3:
        op = rng.choice(OPENERS)
        parts.append(op + ("。" if op else ""))
    if rng.random() < 0.15:
        name, names = _name(rng)
        pii += names
        parts.append(f"{name}です。")
    parts.append(text + rng.choice(["。", " ", "、", ""]))
    if rng.random() < 0.45:
        dtext, when = date_expr(rng, now)
        parts.append(
            dtext
            + rng.choice(["に", "、", " "])
            + rng.choice(
                [
                    "お願いできますか",
                    "来てもらえんけ",
                    "頼めんけ",
                    "お願いします",
                    "誰かおらんけ",
                    "来ていただけると助かります",
                ]
            )
        )
    elif rng.random() < 0.6:
        parts.append(rng.choice(IMPLICIT[register] + ENDINGS_NOUN[register][:1] and IMPLICIT[register]))
    if rng.random() < 0.3:
        parts.append(rng.choice(CLOSINGS))
    return {"text": "".join(parts).strip(), "label": label, "when": when, "pii": pii, "style": "free"}


def compose_emergency(rng: random.Random, now: datetime) -> dict[str, Any]:
    cue = rng.choice(list(EMERGENCY))
    events, states = EMERGENCY[cue]
    who = rng.choice(WHO) if cue not in ("fire", "gas", "intruder") else ""
    pii: list[str] = []
    parts = []
    if rng.random() < 0.2:
        name, names = _name(rng)
        pii += names
        if rng.random() < 0.5:
            addr = _address(rng)
            pii.append(addr)
            parts.append(f"{addr}の{name}です。")
        else:
            parts.append(f"{name}です ")
    if rng.random() < 0.15 and cue not in ("fire", "gas", "intruder"):
        n2, names2 = _name(rng)
        pii += names2
        who = f"隣の{n2}さんが"
    parts.append(who + rng.choice(events) + rng.choice(states) + rng.choice(["。", " ", "!", "、"]) + rng.choice(PLEA))
    if rng.random() < 0.1:
        ph = _phone(rng)
        pii.append(ph)
        parts.append(f" 電話{ph}")
    return {
        "text": "".join(parts).strip(),
        "label": "emergency",
        "when": None,
        "pii": pii,
        "style": "emergency",
        "cue": cue,
    }


def compose_consult(rng: random.Random, now: datetime) -> dict[str, Any]:
    cue = rng.choice(list(CONSULT))
    parts = []
    pii: list[str] = []
    if rng.random() < 0.3:
        op = rng.choice(OPENERS)
        parts.append(op + ("。" if op else ""))
    if rng.random() < 0.2:
        name, names = _name(rng)
        pii += names
        parts.append(f"{name}です。")
    parts.append(rng.choice(CONSULT[cue]) + rng.choice(["。", " ", "、", "…"]))
    parts.append(rng.choice(CONSULT_END))
    if rng.random() < 0.1:
        ph = _phone(rng)
        pii.append(ph)
        parts.append(f" 電話は{ph}")
    return {
        "text": "".join(parts).strip(),
        "label": "consult",
        "when": None,
        "pii": pii,
        "style": "consult",
        "cue": cue,
    }


def compose_not_request(rng: random.Random, now: datetime) -> dict[str, Any]:
    t = rng.choice(NOT_REQUEST)
    if rng.random() < 0.3:
        t = rng.choice(["", "はい ", "あ、"]) + t + rng.choice(["", "😊", "!", "。", "ね"])
    return {"text": t, "label": "not_request", "when": None, "pii": [], "style": "short"}


def compose_mixed(rng: random.Random, now: datetime) -> dict[str, Any]:
    """A help request together with an emergency or a consultation: the safety label wins."""
    label = rng.choice(HELP_KEYS)
    base = compose_help(rng, label, now)
    extra = compose_emergency(rng, now) if rng.random() < 0.5 else compose_consult(rng, now)
    order = [base["text"], extra["text"]] if rng.random() < 0.5 else [extra["text"], base["text"]]
    # safety messages carry no wanted date: the bot answers them at once
    return {
        "text": rng.choice(["。", " ", "\u3000"]).join(order),
        "label": extra["label"],
        "when": None,
        "pii": base["pii"] + extra["pii"],
        "style": "mixed",
        "cue": extra.get("cue"),
    }


def compose_past(rng: random.Random, now: datetime) -> dict[str, Any]:
    """A past emergency that is fine now, optionally followed by a help request: never an emergency."""
    past = rng.choice(["先週", "昨日", "この前", "去年", "先月", "前に"])
    event = rng.choice(
        ["転んだけど", "雪で滑って転んだけど", "胸が痛かったけど", "ガスくさい気がしたけど", "倒れて入院しとったけど"]
    )
    ok = rng.choice(["今は大丈夫です", "今はだんない", "もう治りました", "今はなんともない", "今は元気にしとる"])
    text = past + event + ok
    if rng.random() < 0.6:
        h = compose_help(rng, rng.choice(HELP_KEYS), now)
        return {**h, "text": text + rng.choice(["。", " ", "。それで、"]) + h["text"], "style": "past"}
    return {"text": text, "label": "not_request", "when": None, "pii": [], "style": "past"}


HELP_KEYS = list(HELP)

# Help requests that mention danger words without a danger now: the classifier must learn they are chores.
NEAR_MISS: list[tuple[str, list[str]]] = [
    (
        "repair",
        [
            "火災報知器の電池が切れてピーピー鳴っとる",
            "ガス警報器がピッピッと鳴る 電池切れかな",
            "火災報知器を付けたいけど天井に届かん",
            "ガスコンロの電池が切れて火がつかん",
            "転ばんように廊下に手すりを付けたい",
            "泥棒が心配なので玄関の鍵を替えたい",
            "防犯ライトの電球が切れた",
            "風呂場で滑らんようにマットを敷きたい",
            "夜トイレに行くとき転ぶと怖いので足元灯を付けたい",
            "去年転んでから階段が怖いので手すりを付けたい",
        ],
    ),
    (
        "snow",
        [
            "雪で滑って転ぶと危ないので玄関前の雪すかしをお願いしたい",
            "去年雪で転んで骨折したので今年は雪すかしを頼みたい",
            "凍って滑りそうで怖い 通路の雪をすかして",
            "屋根の雪が落ちてきたら危ないから雪下ろしして",
        ],
    ),
    (
        "shopping",
        [
            "去年倒れてから運転をやめたので買い物をお願いしたい",
            "胸の薬を薬局で受け取ってきてほしい",
            "心臓の薬がなくなるので取りに行ってほしい",
            "火の始末が心配で料理しとらんので弁当を買ってきて",
        ],
    ),
    (
        "escort",
        [
            "胸の検査があるので病院に付き添ってほしい",
            "先月転んで骨を折ったので通院に付き添ってほしい",
            "脳梗塞のリハビリに通うのに付き添いがほしい",
            "救急で運ばれた病院の再診に一緒に行ってほしい",
        ],
    ),
    (
        "companionship",
        [
            "一人で倒れても誰も気づかんのが心配 ときどき声をかけて",
            "夜中に具合が悪くなったらと思うと不安で、電話で話し相手になって",
            "火の元が心配なので時々様子を見に来てほしい",
            "転んでも誰もおらんと思うと怖い。毎朝電話してほしい",
        ],
    ),
    (
        "moving",
        [
            "去年階段から落ちてから足が弱くなって、二階の荷物を下ろしてほしい",
            "胸の手術をしてから重い物が持てん 灯油を運んで",
            "腰を痛めてから重い物がだめで、米袋を運んでほしい",
        ],
    ),
    (
        "device",
        [
            "119番のかけ方を携帯に登録してほしい",
            "緊急ボタンの使い方を教えてほしい",
            "詐欺の電話が怖いので迷惑電話の設定をしてほしい",
            "テレビが急に映らんようになった どうしよう",
            "スマホが壊れたみたいで困った どうしよう",
        ],
    ),
    (
        "paperwork",
        [
            "消防署から届いたお知らせを読んでほしい",
            "ガス会社からの手紙の意味がわからん",
            "救急医療情報キットの用紙を書いてほしい",
        ],
    ),
    (
        "other_help",
        [
            "火の用心の回覧板を回してほしい",
            "防災訓練の回覧板を隣に届けてほしい",
            "転んでから犬の散歩ができんので代わりに行ってほしい",
        ],
    ),
    (
        "not_request",
        [
            "先週転んだけど今はだんない",
            "昨日は胸が痛かったけど病院で診てもらって治りました",
            "火事のニュースを見て怖くなったわ",
            "ガスの点検の人が来てくれた",
            "救急車の音がしたけど近所の人はみんな無事やった",
            "この前の詐欺の話、気をつけるね",
            "テストで助けてって送ってみた",
            "先月倒れたけど今はすっかり元気です",
        ],
    ),
]


def compose_near_miss(rng: random.Random, now: datetime) -> dict[str, Any]:
    label, texts = rng.choice(NEAR_MISS)
    text = rng.choice(texts)
    register = rng.choice(["polite", "casual", "dialect"])
    when = None
    if label != "not_request":
        if rng.random() < 0.4:
            dtext, when = date_expr(rng, now)
            text += (
                "。"
                + dtext
                + rng.choice(["に", "、"])
                + rng.choice(["お願いします", "頼めんけ", "来てもらえんけ", "お願いできますか"])
            )
        elif rng.random() < 0.5:
            text += rng.choice(["。", " "]) + rng.choice(IMPLICIT[register] + CLOSINGS)
    return {"text": text, "label": label, "when": when, "pii": [], "style": "near_miss"}


def build(seed: int = SEED) -> list[dict[str, Any]]:
    import spacy

    rng = random.Random(seed)
    tokenizer = spacy.load(
        "ja_ginza", exclude=["tok2vec", "parser", "ner", "morphologizer", "compound_splitter", "bunsetu_recognizer"]
    ).tokenizer
    rows: list[dict[str, Any]] = []
    plan: list[Callable[[datetime], dict[str, Any]]] = []

    def help_of(label: str) -> Callable[[datetime], dict[str, Any]]:
        return lambda now: compose_help(rng, label, now)

    def free_of(label: str) -> Callable[[datetime], dict[str, Any]]:
        return lambda now: compose_free(rng, label, now)

    for label in HELP_KEYS:
        plan += [help_of(label)] * 130
    plan += [lambda now: compose_emergency(rng, now)] * 230
    plan += [lambda now: compose_consult(rng, now)] * 230
    plan += [lambda now: compose_not_request(rng, now)] * 150
    plan += [lambda now: compose_mixed(rng, now)] * 80
    plan += [lambda now: compose_past(rng, now)] * 70
    plan += [lambda now: compose_near_miss(rng, now)] * 140
    for label in FREEFORM:
        plan += [free_of(label)] * 40
    seen: set[str] = set()
    for make in plan:
        for _ in range(5):
            now = rng.choice(NOWS)
            row = make(now)
            style = rng.random()
            text = row["text"]
            if style < 0.2 and not row["pii"] and (row["when"] is None or not re.search(r"[0-9]", row["when"]["text"])):
                text = _hiragana(text, tokenizer)
                row["style"] += "+hiragana"
                if row["when"]:
                    row["when"]["text"] = _hiragana(row["when"]["text"], tokenizer)
            elif style < 0.35:
                text = _voice(text, rng)
                row["style"] += "+voice"
            elif style < 0.45:
                text = _spaces(text)
                row["style"] += "+spaces"
            if rng.random() < 0.12 and "voice" not in row["style"]:
                text += rng.choice(EMOJI)
            if text not in seen:
                seen.add(text)
                row["text"] = text
                row["now"] = now.isoformat()
                rows.append(row)
                break
    for text, label, when, now_iso in HARD_CASES:
        rows.append({"text": text, "label": label, "when": when, "pii": [], "style": "hard", "now": now_iso})
    return rows


def main() -> None:
    # The generator's rows are training data only; the splits are built by writer in `corpus`.
    from bot.nlp.data.corpus import main as corpus_main

    corpus_main()


if __name__ == "__main__":
    main()
