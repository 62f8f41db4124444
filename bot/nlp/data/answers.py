"""Short answers and unfinished fragments, labelled not_request, for training only.

In the running bot the analyzer also reads what residents type between questions (a town, なし, a name)
and the first fragments of a message still being written (こんにちは／田中です／だいどころの). Our writers'
messages are whole, and many short emergencies among them taught the classifier that any short, odd piece
of text is a danger. These rows teach it that a place name, a skipped answer or a phrase that stops at a
particle says nothing yet. Danger words stay out of them, so 「くるしい」「たすけて」 keep their weight.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

# Town names of Kanazawa (public place names), as residents answer 「どちらの町ですか？」.
TOWNS = [
    "長町",
    "中央通町",
    "長土塀",
    "菊川",
    "本多町",
    "寺町",
    "泉野町",
    "小立野",
    "東山",
    "森山",
    "浅野本町",
    "彦三町",
    "尾張町",
    "片町",
    "香林坊",
    "広坂",
    "兼六町",
    "石引",
    "材木町",
    "十間町",
    "野町",
    "弥生",
    "有松",
    "円光寺",
    "平和町",
    "三馬",
    "大桑町",
    "中村町",
    "駅西本町",
    "西念",
    "北安江",
    "米丸",
    "鞍月",
    "大野町",
    "金石",
    "粟崎",
    "湊",
    "木越",
    "月浦",
    "田上",
    "杜の里",
    "御所町",
    "小坂町",
    "鳴和",
    "千日町",
    "笠市町",
    "此花町",
    "堀川町",
    "元町",
    "瓢箪町",
    "森本",
    "東長江町",
    "法島町",
    "若草町",
]
TOWN_FRAMES = ("{}", "{}です", "{}に住んでいます", "{}にすんどります", "{}やけど", "{}の者です", "{}です。よろしく")
SKIPS = (
    "なし",
    "ない",
    "ありません",
    "とばす",
    "わからん",
    "あとで",
    "なしで",
    "特にない",
    "いらん",
    "はい",
    "いいえ",
    "うん",
)
_PARTICLE = re.compile(r"^(.{2,9}?[のがをにでもは])")
# words that belong to an emergency: a fragment holding one is no harmless fragment
_DANGER = re.compile(r"痛|苦し|倒れ|転|火|煙|ガス|血|救急|助け|息|胸|動け|起き|落ち|死|泥棒|知らない")


# What a resident and the supporter who took the request say to each other through the bot (a relay):
# directions, times, small arrangements. The writers never wrote these, and the classifier read a short
# instruction such as 玄関は裏にまわってください as an emergency.
RELAY = [
    "玄関は裏にまわってください",
    "勝手口から入ってください",
    "鍵はあいとります",
    "チャイムが鳴らんので声をかけてください",
    "犬がおるけど吠えるだけです",
    "車は家の前にとめてください",
    "着いたら電話ください",
    "二階におります",
    "少し遅れても大丈夫です",
    "雪で門が開きにくいので強く押してください",
    "電球は台所の棚にあります",
    "ゴミ袋は玄関に出しときます",
    "耳が遠いので大きい声でお願いします",
    "10時過ぎなら家におります",
    "買い物のメモは郵便受けに入れときます",
    "お金は封筒に入れて玄関に置いときます",
    "スコップは物置にあります",
    "はしごは裏の小屋にあります",
    "門の横のインターホンを押してください",
    "家の前の坂は滑るので気をつけて来てください",
    "お昼はおらんので午後にお願いします",
    "駐車場は隣の空き地を使ってください",
    "明日10時に伺います",
    "少し遅れます、すみません",
    "いま向かっています",
    "着きました、玄関の前です",
    "雪で30分ほど遅れます",
    "駐車場はどこにとめたらいいですか",
    "何か買っていくものはありますか",
    "灯油は何リットル買えばいいですか",
    "玄関の前に置いておきました",
    "また来週うかがいます",
    "裏口の鍵をあけておいてください",
    "表札がないのでわかりにくいかもしれません",
    "青い屋根の家です",
    "角のたばこ屋の向かいです",
]
_RELAY_ENDS = ("", "。", "ね", "。よろしくお願いします")


def rows(help_rows: list[dict[str, Any]], hiragana: Callable[[str], str], now: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []

    def add(text: str, style: str) -> None:
        out.append({"text": text, "label": "not_request", "when": None, "pii": [], "style": style, "now": now})

    for town in TOWNS:
        frame = rng.choice(TOWN_FRAMES)
        add(frame.format(town), "answer:town")
        add(hiragana(frame.format(town)), "answer:town+hiragana")
    for s in SKIPS:
        add(s, "answer:skip")
    for i, said in enumerate(RELAY):
        add(said + _RELAY_ENDS[i % len(_RELAY_ENDS)], "answer:relay")
        add(hiragana(said), "answer:relay+hiragana")
    fragments = []
    for r in help_rows:
        m = _PARTICLE.match(r["text"])
        if m and not _DANGER.search(m.group(1)):
            fragments.append(m.group(1))
    rng.shuffle(fragments)
    openers = ("こんにちは", "すみません", "おはようございます", "もしもし", "田中です", "あの", "えーと")
    for i, frag in enumerate(fragments[:240]):
        text = hiragana(frag) if i % 3 == 0 else frag
        if i % 2:
            text = "\n".join([*rng.sample(openers, rng.randint(1, 2)), text])
        add(text, "fragment")
    return out
