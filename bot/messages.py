"""Every sentence the bot says, in one place, so a Japanese-speaking coordinator can review them all.

Residents: short, polite, warm, no jargon, no English. Supporters and coordinators: concise.
"""

from __future__ import annotations

from datetime import date

CATEGORY_NAMES: dict[str, str] = {
    "garbage": "ゴミ出し",
    "shopping": "買い物・お使い",
    "repair": "電球の交換や小さな修理",
    "snow": "雪かき・雪すかし",
    "garden": "草むしり・庭の手入れ",
    "moving": "重い物や家具の運び",
    "cleaning": "掃除・片付け",
    "escort": "通院や外出の付き添い",
    "companionship": "話し相手",
    "paperwork": "書類や手紙の読み書き",
    "device": "スマホ・テレビ・家電の使いかた",
    "other_help": "ちょっとしたお手伝い",
    "emergency": "緊急",
    "consult": "専門の相談",
    "not_request": "依頼ではない",
}

PART_NAMES = {
    "early_morning": "早朝",
    "morning": "朝",
    "noon": "お昼",
    "afternoon": "午後",
    "evening": "夕方",
    "night": "夜",
}

STATUS_NAMES = {
    "draft": "確認待ち",
    "open": "サポーターさんを探しています",
    "claimed": "サポーターさんが決まりました",
    "done": "終わりました",
    "cancelled": "取りやめました",
}

_WEEKDAYS = "月火水木金土日"


def format_date(d: date) -> str:
    return f"{d.month}月{d.day}日（{_WEEKDAYS[d.weekday()]}）"


def format_when(when_date: str | None, when_time: str | None, when_part: str | None) -> str:
    """「12月2日（水）の朝」「12月2日（水）15時ごろ」; empty when the resident named no date."""
    if not when_date:
        return ""
    text = format_date(date.fromisoformat(when_date))
    if when_time:
        h, m = (int(x) for x in when_time.split(":"))
        text += f" {h}時{f'{m}分' if m else ''}ごろ"
    elif when_part:
        text += f"の{PART_NAMES.get(when_part, '')}"
    return text


# --- Residents: welcome and registration -------------------------------------------------------

WELCOME_REGISTERED = "お友だち追加ありがとうございます。困りごとがあれば、いつでもここに書いてください。"
WELCOME_NEW = (
    "お友だち追加ありがとうございます。\n"
    "ここでは、ご近所のサポーターさんに、ちょっとした困りごとのお手伝いをお願いできます。\n"
    "はじめに、お住まいの町の名前を教えてください。（例：長町）"
)
ASK_TOWN_AGAIN = "ごめんなさい、その町が見つかりませんでした。町の名前をもう一度教えてください。（例：長町）"
PICK_TOWN = "どちらの町ですか？下のボタンから選んでください。"


def confirm_town(town: str, district: str) -> str:
    return f"{town}（{district}地区）でよろしいですか？"


ASK_NAME = "ありがとうございます。次に、お名前を教えてください。"


def registered(name: str) -> str:
    return (
        f"{name}さん、登録できました。\n"
        "困りごとがあれば、いつでもここに書いてください。\n"
        "（例：「台所の電球が切れたので替えてほしい」）"
    )


NOT_REGISTERED_YET = "まだ登録が済んでいません。お住まいの町の名前を教えてください。"

# --- Residents: a request -------------------------------------------------------------------------


def confirm_request(category: str, when_text: str) -> str:
    when = f"{when_text}。" if when_text else "日にちのご希望はなしで、"
    return f"{CATEGORY_NAMES[category]}のお手伝いですね。\n{when}サポーターさんにお願いしてよいですか？"


YES_LABEL = "はい、お願いします"
NO_LABEL = "いいえ"
RESTATE_LABEL = "言い直す"
PICK_CATEGORY = "どんなお手伝いでしょうか？近いものを選んでください。"
OTHER_LABEL = "その他"
REQUEST_POSTED = "サポーターさんにお願いしました。引き受ける人が決まったら、お知らせします。"
REQUEST_NO_GROUP = "お願いを受け付けました。地区の担当者から、ご連絡します。しばらくお待ちください。"
REQUEST_DECLINED = "わかりました。お願いはしませんでした。また何かあれば、いつでも書いてください。"
REQUEST_RESTATE = "わかりました。もう一度、困りごとを書いてください。"
ALREADY_HANDLED = "このお願いは、もう受け付けています。"
CANCELLED_BY_RESIDENT = "お願いを取りやめました。また何かあれば、いつでも書いてください。"
CANCEL_LABEL = "取りやめる"
NO_OPEN_REQUESTS = "いま、お願い中のことはありません。困りごとがあれば、ここに書いてください。"
STATUS_HEADER = "いまのお願いです。"


def status_line(category: str, status: str, when_text: str, supporter: str | None) -> str:
    line = f"・{CATEGORY_NAMES[category]}"
    if when_text:
        line += f"（{when_text}）"
    line += f"：{STATUS_NAMES[status]}"
    if supporter and status == "claimed":
        line += f"（{supporter}さん）"
    return line


def supporter_coming(supporter: str, category: str) -> str:
    return (
        f"{CATEGORY_NAMES[category]}のお手伝いは、サポーターの{supporter}さんが引き受けてくれました。\n"
        f"{supporter}さんから、ご連絡があります。"
    )


def request_done(supporter: str) -> str:
    return f"{supporter}さんのお手伝いが終わりました。ご利用ありがとうございました。"


REQUEST_REOPENED_RESIDENT = "サポーターさんの都合がつかなくなりました。ほかのサポーターさんを探しています。"
THANKS_REPLY = "どういたしまして。また何かあれば、いつでも書いてください。"
GREETING_REPLY = "こんにちは。困りごとがあれば、いつでもここに書いてください。"
NOT_UNDERSTOOD = "ごめんなさい、うまく読み取れませんでした。困りごとを、もう一度書いてください。"
HOW_TO_USE = (
    "【使いかた】\n"
    "困りごとを、ふだんの言葉で書いてください。（例：「雪すかしをお願いしたい」）\n"
    "確認のボタンで「はい」を押すと、ご近所のサポーターさんにお願いします。\n"
    "「依頼の状況」と書くと、いまのお願いを確認できます。"
)

# --- Safety: emergencies and matters for professionals ---------------------------------------------

EMERGENCY_REPLY = (
    "すぐに助けを呼んでください。\n"
    "けが・急病・火事は119番、\n"
    "泥棒や不審な人は110番です。\n"
    "地区の担当者にも、いまお知らせしました。"
)
CALL_119 = "119番に電話"
CALL_110 = "110番に電話"


def consult_reply(place: str) -> str:
    return (
        "お話ししてくださって、ありがとうございます。\n"
        f"このことは、{place}に相談できます。秘密は守られます。\n"
        "地区の担当者からも、ご連絡します。"
    )


CONSULT_DEFAULT_PLACE = "お近くの地域包括支援センター"
CONSULT_SCAM_PLACE = "消費者ホットライン（188）"
CONSULT_SUICIDE_PLACE = "よりそいホットライン（0120-279-338、24時間）"
CALL_LABEL = "電話する"


def coordinator_emergency(district: str, name: str, address: str | None, phone: str | None, words: str) -> str:
    return (
        f"【緊急】{district}地区\n"
        f"{name}さん\n住所：{address or '未登録'}\n電話：{phone or '未登録'}\n"
        f"内容：{words}\n本人には119番・110番の案内をしました。すぐに確認してください。"
    )


def coordinator_consult(
    district: str, name: str, address: str | None, phone: str | None, words: str, topic: str
) -> str:
    return (
        f"【相談・非公開】{district}地区（{topic}）\n"
        f"{name}さん\n住所：{address or '未登録'}\n電話：{phone or '未登録'}\n"
        f"内容：{words}\n専門の窓口を案内しました。ボランティアには送っていません。"
    )


CONSULT_TOPICS = {
    "scam": "詐欺・悪質商法",
    "money": "お金の困りごと",
    "abuse": "虐待",
    "dementia": "認知症の心配",
    "care_insurance": "介護保険",
    "suicide": "死にたい気持ち",
}


def coordinator_no_group(district: str, request_id: int) -> str:
    return f"【要対応】{district}地区にサポーターのグループが登録されていません。依頼#{request_id}を確認してください。"


# --- Supporters' group ----------------------------------------------------------------------------

GROUP_POST_TITLE = "お手伝いの依頼"
CLAIM_LABEL = "引き受けます"
GROUP_WHEN_NONE = "いつでも"


def group_claimed(supporter: str, request_id: int) -> str:
    return f"依頼#{request_id}は{supporter}さんが引き受けました。ありがとうございます。"


def group_done(request_id: int) -> str:
    return f"依頼#{request_id}は完了しました。ありがとうございました。"


def group_cancelled(request_id: int) -> str:
    return f"依頼#{request_id}は取りやめになりました。"


def group_not_friend(supporter: str) -> str:
    return (
        f"{supporter}さん、引き受けるには、先にこのボットを友だち追加してください。"
        "くわしい内容は個別にお送りするためです。"
    )


def group_unbound(group_id: str) -> str:
    return (
        "このグループはまだ登録されていません。\n"
        "地区の担当者が、次のコマンドで登録してください。\n"
        f"sasaeai group bind {group_id} --district 地区コード\n"
        f"（コーディネーター用：sasaeai group bind {group_id} --coordinators）"
    )


GROUP_BOUND_HELLO = "よろしくお願いします。ご近所からのお手伝いの依頼を、ここにお知らせします。"
GROUP_HELP = (
    "【サポーターの皆さんへ】\n依頼が届いたら「引き受けます」を押してください。"
    "くわしい内容は個別にお送りします。終わったら「完了」を押してください。"
)

# --- Supporters 1:1 -------------------------------------------------------------------------------


def supporter_details(
    request_id: int, category: str, when_text: str, name: str, address: str | None, phone: str | None, words: str
) -> str:
    return (
        f"依頼#{request_id}を引き受けてくださり、ありがとうございます。\n"
        f"内容：{CATEGORY_NAMES[category]}\n"
        f"日時：{when_text or GROUP_WHEN_NONE}\n"
        f"お名前：{name}さん\n住所：{address or '未登録（本人に確認してください）'}\n"
        f"電話：{phone or '未登録'}\n"
        f"本人の言葉：{words}\n"
        "終わったら「完了」、都合が悪くなったら「手放す」を押してください。"
    )


DONE_LABEL = "完了"
RELEASE_LABEL = "手放す"
SUPPORTER_THANKS_DONE = "おつかれさまでした。ありがとうございました。"
SUPPORTER_RELEASED = "手放しました。グループにもう一度お知らせします。"
ALREADY_TAKEN = "ありがとうございます。この依頼は、ほかの方が先に引き受けました。"
NOT_A_SUPPORTER = "サポーター登録がまだのようです。登録すると引き受けられます。地区の担当者にお声かけください。"
WRONG_DISTRICT = "この依頼は、ほかの地区のものです。"
NOT_YOUR_REQUEST = "この依頼を引き受けた方だけが操作できます。"
REQUEST_CLOSED = "この依頼は、もう終わっています。"
REQUEST_GONE = "この依頼は見つかりませんでした。"
BUTTON_EXPIRED = "このボタンは古くなっています。"
SUPPORTER_HELLO = "サポーターとして登録されています。依頼はグループにお知らせします。"


def supporter_request_cancelled(request_id: int) -> str:
    return f"依頼#{request_id}は、ご本人の都合で取りやめになりました。お手数をおかけしました。"


def supporter_activity(name: str, month_count: int, total: int) -> str:
    return f"{name}さんの今月のお手伝いは{month_count}件です（これまでに{total}件）。いつもありがとうございます。"


# --- Non-text messages from residents ----------------------------------------------------------------

STICKER_REPLY = "スタンプありがとうございます。困りごとがあれば、文字で書いてください。"
VOICE_REPLY = "音声のメッセージは聞くことができません。ごめんなさい。\n文字で書いていただくか、お電話でご相談ください。"
MEDIA_REPLY = (
    "写真や動画は、まだ見ることができません。ごめんなさい。\n困りごとを文字で書いていただくか、お電話でご相談ください。"
)
FILE_REPLY = "ファイルは開くことができません。困りごとを文字で書いてください。"
LOCATION_REPLY = "場所を受け取りました。お手伝いの場所として覚えておきます。"
TOO_LONG_REPLY = "とても長い文章でしたので、はじめの部分だけを読みました。"
TOO_FAST_REPLY = "たくさんのメッセージをありがとうございます。少し時間をおいてから、もう一度書いてください。"
CALL_DISTRICT = "地区の担当者に電話"

# --- Rich menu (the four big buttons under the resident's chat) ------------------------------------

MENU_CHAT_BAR = "メニュー"
MENU_REQUEST_LABEL = "困りごとを伝える"
MENU_REQUEST_HINT = "ふだんの言葉で書けます"
MENU_STATUS_LABEL = "依頼の状況"
MENU_STATUS_HINT = "お願いの確認・取りやめ"
MENU_PHONE_LABEL = "電話で相談"
MENU_PHONE_HINT = "担当の窓口につながります"
MENU_HELP_LABEL = "使いかた"
MENU_HELP_HINT = "はじめての方へ"
ASK_TROUBLE = "どんなことでお困りですか？ふだんの言葉で書いてください。\n（例：「台所の電球が切れてしもうた」）"
