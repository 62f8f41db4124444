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
