"""Personal data never reaches the group: names, phones, street addresses, e-mail are replaced."""

from __future__ import annotations

import re

import pytest

from bot.nlp import Analyzer
from bot.nlp.classifier import DATA_DIR, read_jsonl
from bot.nlp.evaluate import is_place
from bot.nlp.normalize import width


@pytest.mark.parametrize(
    "phone",
    [
        "090-1234-5678",
        "０９０－１２３４－５６７８",
        "09012345678",
        "076-231-4567",
        "076(231)4567",
        "(076)231-4567",
        "080 1234 5678",
        "0762314567",
        "070ー1234ー5678",
        "080.1234.5678",
        "〇七六-二五二-七七三一",  # kanji numerals, as a letter is typed
    ],
)
def test_phone_formats(analyzer: Analyzer, phone: str) -> None:
    masked = analyzer.mask(f"電話は{phone}です。よろしく")
    assert "〈電話〉" in masked
    assert not re.search(r"\d{3,}", masked)


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("田中花子です。電球をお願いします", ["田中", "花子"]),
        # a name found once is masked wherever it is written again
        ("孫の美咲さんが来ました。こちらから美咲にかけてみたい", ["美咲"]),
        ("27日はどうやろ。連絡は私、宮下まで", ["宮下"]),
        ("連絡は090-1234-5678の山岸までお願いいたします", ["山岸"]),
        ("息が変や。金沢市長町2丁目5-13 大田 076-123-4567", ["大田"]),
        ("金沢市長町2丁目5-13の竹内や、玄関の鍵は開いとるさけ", ["竹内"]),
        ("本人にはやらせたくないです(ヘルパー岡本)", ["岡本"]),
        ("家と畑を、東京の息子の誠と娘に分けたい", ["誠"]),
        ("なべから 火が 出て います。ひまわりホーム です", ["ひまわりホーム"]),
        ("北村と申します。雪すかし頼めんけ", ["北村"]),
        ("林です 灯油を運んでほしい", ["林"]),
        ("もしもし 東です 息子は東京におって", ["東です"]),
        ("隣の山本さんに聞きました", ["山本"]),
        ("となりのやまださんにきいた", ["やまだ"]),
        ("長町2丁目3-5の中川です", ["中川", "2丁目", "3-5"]),
        ("寺町5丁目12番3号に住んどる吉田と申します", ["吉田", "12番", "3号"]),
        ("泉野町3-14-2 コーポ泉野201号室", ["3-14-2", "201"]),
        ("連絡はtanaka.h@example.jpまで", ["tanaka", "example"]),
        ("長町の佐々木ヨシ子と申します", ["佐々木", "ヨシ", "子"]),
        ("〈住所〉の寺井です足が弱くなって", ["寺井"]),
        # spoken and kana forms of addresses and phones; given names SudachiPy reads as common nouns
        ("ながまち2ちょうめ5ばん14ごうの いえ", ["2ちょうめ", "5ばん", "14ごう"]),
        ("材木町五の十二、青いトタンの家", ["五の十二"]),
        ("たすけ て こし のまち 3の7", ["3の7"]),
        ("電話は076の2 4 1の3 8 5 9", ["076", "8 5 9"]),
        ("いつもは和子が頼んどった", ["和子"]),
    ],
)
def test_personal_data_is_masked(analyzer: Analyzer, text: str, gone: list[str]) -> None:
    masked = analyzer.mask(text)
    for g in gone:
        assert g not in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "大家さんとお医者さんに相談した",
        "デイサービスとグループホームの話",
        "孫の世話で疲れた。息子の嫁が来る",
        "民生委員さんにお世話になっとる",
        "テストです",
        "10日に来てください",
        "2-3日のうちに",
        "様子がおかしいし調子も悪い",
        "3の7ページを読んで",
        "5の日に来てください",
    ],
)
def test_ordinary_words_are_kept(analyzer: Analyzer, text: str) -> None:
    assert analyzer.mask(text) == width(text)


# Personal data of the writers who joined training on 2026-12-04 that masking still lets through, each an
# open gap (docs/nlp.md, "Known limits"), listed so that any other survivor fails this test:
KNOWN_GAPS = {
    ("w103-10", "山岸"),  # a name before voice input's typo (山岸でございmす): no self-introduction pattern fires
    ("w105-02", "ツボイ"),  # katakana telegrams: a surname in katakana with no honorific is an ordinary word
    ("w105-14", "ケンタ"),
    ("w105-19", "ムラタ"),  # ムラタサン: the honorific is in katakana too
    ("w105-26", "ヒラノ"),
    ("w110-34", "金沢市東長江町"),  # a town with no house number is kept on purpose, with its city not yet
    ("w112-13", "さかした とみこ"),  # a signature in hiragana at the end of a message
    ("w112-30", "きたむら"),
}


def test_no_personal_data_survives_on_the_development_writers(analyzer: Analyzer) -> None:
    """The masking rules are developed on the train and dev writers' messages (the test and hold-out writers
    are only scored, by `python -m bot.nlp evaluate`): nothing the writers marked as personal survives there
    beyond the gaps listed above."""
    survived = []
    for split in ("train", "dev"):
        for row in read_jsonl(DATA_DIR / f"{split}.jsonl"):
            if row["source"] == "generated":
                continue
            masked = analyzer.mask(row["text"])
            for p in row["pii"]:
                if is_place(p):
                    continue  # a town alone is where, not who: the group post names it on purpose
                alone = rf"(?<![\u4e00-\u9fff]){re.escape(width(p))}(?![\u4e00-\u9fff])"
                if re.search(alone, masked) and (row["id"], p) not in KNOWN_GAPS:
                    survived.append((p, masked))
    assert survived == []


def test_masking_with_the_callers_tokens_masks_the_same(analyzer: Analyzer) -> None:
    """The analyzer hands its own tokens to the masker when masking left the text as it was; the result
    must be what the masker finds on its own, on every writer's message (and the reuse must happen, or the
    saving it exists for is gone)."""
    from bot.nlp.normalize import standard

    reused = 0
    for row in read_jsonl(DATA_DIR / "dev.jsonl"):
        std = standard(row["text"])
        doc = analyzer.nlp.make_doc(std)
        reused += doc.text == width(row["text"])
        assert analyzer.masker.mask(row["text"], doc) == analyzer.masker.mask(row["text"]), row["id"]
    assert reused > 0
