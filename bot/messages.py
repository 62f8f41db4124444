"""Every sentence the bot says, in one place, so a Japanese-speaking coordinator can review them all.

Residents: short, polite, warm, no jargon, no English. Supporters and coordinators: concise.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
    "held": "地区の担当者の確認を待っています",
}

_WEEKDAYS = "月火水木金土日"


def format_date(d: date) -> str:
    return f"{d.month}月{d.day}日（{_WEEKDAYS[d.weekday()]}）"


def format_hour(hour: int, minute: int = 0) -> str:
    """「午前7時」「午後3時半」: how people say a time, never a 24-hour figure."""
    rest = "半" if minute == 30 else f"{minute}分" if minute else ""
    if hour == 12:
        return f"お昼の12時{rest}"
    half = "午前" if hour < 12 else "午後"
    return f"{half}{hour % 12}時{rest}"


# Relative day words as residents say them, so the date is said back in their own words.
_SAID_DAYS = {
    "今日": "今日",
    "きょう": "今日",
    "明日": "明日",
    "あした": "明日",
    "あす": "明日",
    "明後日": "あさって",
    "あさって": "あさって",
}


def said_day(said: str | None) -> str | None:
    """「あさって」 when the resident's own wording named a day relative to today."""
    if not said:
        return None
    for word, plain in _SAID_DAYS.items():
        if said.startswith(word):
            return plain
    return None


def format_when(when_date: str | None, when_time: str | None, when_part: str | None, said: str | None = None) -> str:
    """「12月2日（水）の朝」「12月2日（水）午後3時ごろ」, or 「あさって、5日（土）」 when the resident said
    「あさって」; empty when the resident named no date."""
    if not when_date:
        return ""
    d = date.fromisoformat(when_date)
    word = said_day(said)
    text = f"{word}、{d.day}日（{_WEEKDAYS[d.weekday()]}）" if word else format_date(d)
    if when_time:
        h, m = (int(x) for x in when_time.split(":"))
        text += f"の{format_hour(h, m)}ごろ"
    elif when_part:
        text += f"の{PART_NAMES.get(when_part, '')}"
    return text


def request_no(request_id: int) -> str:
    """The one way a request number is written, everywhere: 「依頼#12」."""
    return f"依頼#{request_id}"


# --- Residents: welcome and registration -------------------------------------------------------
# Every sentence a resident reads is at most 30 characters (tests/test_messages.py measures them all).

TOWN_EXAMPLE = "（例：長町、ながまち）"
WELCOME_REGISTERED = "友だち追加ありがとうございます。\n困りごとは、いつでもここに書いてください。"
WELCOME_NEW = (
    "友だち追加ありがとうございます。\n"
    "ご近所の人が、小さな困りごとを手伝います。\n"
    "はじめに、住んでいる町の名前を教えてください。\n" + TOWN_EXAMPLE
)
FOR_SOMEONE_LABEL = "家族などの代わりに登録"
ASK_RELATION = "ご本人とのご関係を、下から選んでください。"
RELATION_FAMILY = "家族"
RELATION_WELFARE = "民生委員"
ASK_TOWN_FOR = "ご本人が住んでいる町の名前を教えてください。\n" + TOWN_EXAMPLE
ASK_TOWN_AGAIN = "ごめんなさい、その町が見つかりませんでした。\n町の名前を、もう一度教えてください。\n" + TOWN_EXAMPLE
PICK_TOWN = "近い町を、下から選んでください。"
NONE_OF_THESE = "このなかにない"


def confirm_town(town: str, district: str) -> str:
    return f"{town}（{district}地区）でよろしいですか？"


ASK_NAME = "ありがとうございます。\nお名前を教えてください。"
ASK_NAME_FOR = "ありがとうございます。\nご本人のお名前を教えてください。"
ASK_ADDRESS = (
    "サポーターさんが、お宅へ行くときに使います。\n住所を教えてください。\n書かないときは「とばす」を押してください。"
)
ASK_ADDRESS_FOR = "サポーターさんが、お宅へ行くときに使います。\nご本人の住所を教えてください。\n書かないときは「とばす」を押してください。"
ASK_PHONE = "電話番号を教えてください。\n書かないときは「とばす」を押してください。"
ASK_PHONE_FOR = "ご本人の電話番号を教えてください。\n書かないときは「とばす」を押してください。"
ASK_OWN_NAME = "最後に、あなたのお名前を教えてください。"
SKIP_LABEL = "とばす"
CONSENT_NOTICE = (
    "大事なお知らせです。\n"
    "お名前・住所・電話は、次の人だけが見ます。\n"
    "・お手伝いを引き受けたサポーターさん\n"
    "・地区の担当者（社協や民生委員）\n"
    "お手伝いのためだけに使います。\n"
    "グループには、町の名前だけが出ます。\n"
    "これで登録してよいですか？"
)
CONSENT_YES = "はい、登録します"
CONSENT_NO = "いいえ"
CONSENT_DECLINED = "わかりました。登録はしていません。\n登録するときは、町の名前を書いてください。"
ASK_AGAIN_BUTTONS = "ごめんなさい、下のボタンで答えてください。"


def registered(name: str) -> str:
    return f"{name}さん、登録できました。\n困りごとは、いつでもここに書いてください。\n（例：台所の電球が切れた）"


def registered_for(name: str) -> str:
    return f"{name}さんの登録ができました。\n{name}さんの困りごとを、ここに書いてください。"


NOT_REGISTERED_YET = "まだ登録が済んでいません。\n住んでいる町の名前を教えてください。\n" + TOWN_EXAMPLE

# --- Residents: a request -------------------------------------------------------------------------


def confirm_request(category: str, when_text: str) -> str:
    when = f"{when_text}ですね。\n" if when_text else "日にちは、いつでもよいですね。\n"
    return f"{CATEGORY_NAMES[category]}のお手伝いですね。\n{when}サポーターさんにお願いしてよいですか？"


YES_LABEL = "はい、お願いします"
NO_LABEL = "いいえ"
RESTATE_LABEL = "言い直す"
PICK_CATEGORY = "どんなお手伝いですか？\n近いものを、下から選んでください。"
OTHER_LABEL = "その他"
REQUEST_POSTED = "サポーターさんにお願いしました。\n引き受ける人が決まったら、お知らせします。"
REQUEST_NO_GROUP = "お願いを受け付けました。\n地区の担当者から、お電話します。"
# No phone on record: the coordinators cannot call, so nothing is promised but what the bot itself does.
REQUEST_NO_GROUP_NO_PHONE = (
    "お願いを受け付けました。\n地区の担当者が、手伝う人を探します。\n決まったら、ここでお知らせします。"
)
REQUEST_DECLINED = "わかりました。お願いはしていません。\nまた何かあれば、いつでも書いてください。"
REQUEST_RESTATE = "わかりました。\nもう一度、困りごとを書いてください。"
ASK_AGAIN = "ごめんなさい、もう一度おたずねします。"
ALREADY_HANDLED = "このお願いは、もう受け付けています。"
CANCELLED_BY_RESIDENT = "お願いを取りやめました。\nまた何かあれば、いつでも書いてください。"
CANCEL_LABEL = "取りやめる"
CANCEL_YES_LABEL = "はい、取りやめます"
CANCEL_NO_LABEL = "いいえ、続けます"
CANCEL_KEPT = "わかりました。お願いは、そのまま続けます。"


def ask_cancel(category: str, when_text: str) -> str:
    when = f"{when_text}の予定です。\n" if when_text else ""
    return f"{CATEGORY_NAMES[category]}のお願いです。\n{when}このお願いを、取りやめますか？"


NO_OPEN_REQUESTS = "いま、お願い中のことはありません。\n困りごとがあれば、ここに書いてください。"
STATUS_HEADER = "いまのお願いです。"


def status_line(category: str, status: str, when_text: str, supporter: str | None) -> str:
    """One card of the status carousel: what, when, and where it stands, a line each."""
    lines = [CATEGORY_NAMES[category]]
    if when_text:
        lines.append(when_text)
    if supporter and status == "claimed":  # RequestStatus.CLAIMED (messages stay free of the store)
        lines.append(f"{supporter}さんが来てくれます。")
    else:
        lines.append(STATUS_NAMES[status])
    return "\n".join(lines)


def supporter_coming(supporter: str, category: str) -> str:
    return (
        f"{CATEGORY_NAMES[category]}のお手伝いが決まりました。\n"
        f"サポーターの{supporter}さんが来てくれます。\n"
        f"{supporter}さんとは、ここで話せます。"
    )


def who_is_coming(supporter: str, when_text: str) -> str:
    """The answer to 「だれがくるん？」 once a supporter has taken the request."""
    when = f"\n{when_text}の予定です。" if when_text else ""
    return f"サポーターの{supporter}さんが来てくれます。{when}\n{supporter}さんとは、ここで話せます。"


STILL_LOOKING = "まだ決まっていません。いま探しています。\n決まったら、すぐにお知らせします。"


def when_planned(when_text: str) -> str:
    return f"{when_text}の予定です。" if when_text else "日にちは、いつでもよいとお伝えしています。"


def request_done(supporter: str) -> str:
    return f"{supporter}さんのお手伝いが終わりました。\nありがとうございました。"


REQUEST_REOPENED_RESIDENT = "サポーターさんの都合が悪くなりました。\nほかのサポーターさんを探しています。"
THANKS_REPLY = "どういたしまして。\nまた何かあれば、いつでも書いてください。"
GREETING_REPLY = "こんにちは。\n困りごとがあれば、いつでもここに書いてください。"
NOT_UNDERSTOOD = "ごめんなさい、うまく読めませんでした。\n困りごとを、もう一度書いてください。"
HOW_TO_USE = (
    "【使いかた】\n"
    "困りごとを、ふだんの言葉で書いてください。\n"
    "（例：雪すかしをお願いしたい）\n"
    "「はい」を押すと、ご近所の人にお願いします。\n"
    "「依頼の状況」と書くと、いまのお願いがわかります。"
)

# --- Relay between the supporter who took a request and the resident -------------------------------


def relayed_to_resident(supporter: str, words: str) -> str:
    return f"サポーターの{supporter}さんからです。\n「{words}」\nお返事は、ここに書いてください。"


def relayed_to_supporter(request_id: int, resident: str, words: str) -> str:
    return f"{request_no(request_id)}の{resident}さんから：\n「{words}」\n（ここに書くと、{resident}さんに届きます）"


def relay_sent_to_supporter(supporter: str) -> str:
    return f"{supporter}さんにお伝えしました。"


def relay_sent_to_resident(request_id: int, resident: str) -> str:
    return f"{request_no(request_id)}の{resident}さんに送りました。"


# --- Safety: emergencies and matters for professionals ---------------------------------------------

EMERGENCY_HEAD = "すぐに119番に電話してください。"
EMERGENCY_HEAD_110 = "すぐに110番に電話してください。"
EMERGENCY_SAY_119 = "「救急です」と言ってください。"
EMERGENCY_SAY_FIRE = "「火事です」と言ってください。"
EMERGENCY_SAY_110 = "「事件です」と言ってください。"
EMERGENCY_SAY_MISSING = "「家族がいなくなりました」と言ってください。"
EMERGENCY_SAY_WHERE = "住所と名前を伝えてください。"
EMERGENCY_TOLD = "地区の担当者にも、いま知らせました。"


def emergency_address(address: str) -> str:
    return f"住所：{address}"


def emergency_reply(say: str, head: str = EMERGENCY_HEAD, address: str | None = None) -> str:
    lines = [head, say, EMERGENCY_SAY_WHERE]
    if address:
        lines.append(emergency_address(address))
    lines.append(EMERGENCY_TOLD)
    return "\n".join(lines)


EMERGENCY_REPLY = emergency_reply(EMERGENCY_SAY_119)
POSSIBLE_EMERGENCY_QUESTION = "いま、けがや急な具合の悪さがありますか？"
POSSIBLE_EMERGENCY = "あぶないときは、すぐ119番へ。\n" + POSSIBLE_EMERGENCY_QUESTION
POSSIBLE_YES = "はい"
POSSIBLE_NO = "いいえ"
POSSIBLE_UNSURE = "わからない"
POSSIBLE_NOT_NOW = "わかりました。\n地区の担当者にも、お知らせしてあります。"
CALL_119 = "119番に電話"
CALL_110 = "110番に電話"


def consult_reply(place: str, reachable: bool = True) -> str:
    """`reachable`: the coordinators have a phone number or an address to reach the resident by."""
    return (
        "話してくださって、ありがとうございます。\n"
        f"このことは、ここで相談できます。\n{place}\n"
        "話したことの秘密は守られます。" + ("\n地区の担当者からも、ご連絡します。" if reachable else "")
    )


CONSULT_DEFAULT_PLACE = "お近くの地域包括支援センター"
CONSULT_SCAM_PLACE = "消費者ホットライン（188）"
CONSULT_SUICIDE_PLACE = "よりそいホットライン（0120-279-338、24時間）"
CALL_LABEL = "電話する"


def _alert_where(when: str, town: str | None, address: str | None, phone: str | None) -> str:
    return f"日時：{when}\n場所：{town or '未登録'}\n住所：{address or '未登録'}\n電話：{phone or '未登録'}\n"


def coordinator_emergency(
    district: str,
    name: str,
    address: str | None,
    phone: str | None,
    words: str,
    possible: bool = False,
    number: str = "119",
    *,
    when: str = "",
    town: str | None = None,
) -> str:
    where = _alert_where(when, town, address, phone)
    if possible:
        return (
            f"【緊急の可能性】{district}地区\n{name}さん\n{where}"
            f"内容：{words}\n本人に119番を示し、けがや急な具合の悪さがあるか聞いています。確認してください。"
        )
    return (
        f"【緊急】{district}地区\n{name}さん\n{where}"
        f"内容：{words}\n本人には{number}番の案内をしました。すぐに確認してください。"
    )


def coordinator_consult(
    district: str,
    name: str,
    address: str | None,
    phone: str | None,
    words: str,
    topic: str,
    *,
    when: str = "",
    town: str | None = None,
) -> str:
    return (
        f"【相談・非公開】{district}地区（{topic}）\n{name}さん\n{_alert_where(when, town, address, phone)}"
        f"内容：{words}\n専門の窓口を案内しました。ボランティアには送っていません。"
    )


# Alerts to coordinators are acknowledged: one button, then the group hears who acts on it.
ALERT_ACK_LABEL = "対応します"
ALERT_CALL_LABEL = "本人に電話"
ALERT_DASHBOARD_LABEL = "ダッシュボードで見る"
ALERT_ACK_SOMEONE = "担当の方"  # LINE gave no name for the person who pressed


def alert_time(local: datetime) -> str:
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def alert_acknowledged(name: str) -> str:
    return f"{name}さんが対応します。"


def alert_acknowledged_on_dashboard(name: str) -> str:
    return f"{name}さんがダッシュボードで対応しました。"


def alert_already_acknowledged(name: str, at: str) -> str:
    return f"この通知は、すでに{name}さんが対応しています（{at}）。"


def alert_repeat(minutes: int) -> str:
    return f"【再通知】{minutes}分たちましたが、まだだれも「{ALERT_ACK_LABEL}」を押していません。\n"


def alert_escalated(district: str, minutes: int) -> str:
    return (
        f"【未対応の通知・{district}地区】{minutes}分たっても、地区のだれも「{ALERT_ACK_LABEL}」を"
        "押していません。確認してください。\n"
    )


def alert_minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


# A claim nobody can finish any more is given back to the group; coordinators hear why.
CLAIM_RELEASED_REASONS = {
    "left": "グループを退出した",
    "blocked": "ボットをブロックした",
    "suspended": "活動を停止された",
    "removed": "登録を外された",
}


def coordinator_claim_released(district: str, request_id: int, supporter: str, reason: str, url: str) -> str:
    return (
        f"【担当の解除】{district}地区 {request_no(request_id)}\n"
        f"{supporter}さんが{CLAIM_RELEASED_REASONS[reason]}ため、担当を外してグループに出し直しました。\n確認：{url}"
    )


def coordinator_recurring_released(district: str, supporter: str, reason: str, url: str) -> str:
    return (
        f"【担当の解除】{district}地区 毎週のお手伝い\n"
        f"{supporter}さんが{CLAIM_RELEASED_REASONS[reason]}ため、担当を外してグループに出し直しました。\n確認：{url}"
    )


def supporter_resident_blocked(request_id: int) -> str:
    return (
        f"{request_no(request_id)}のご本人と、LINEで連絡がとれなくなりました（ブロック）。\n"
        "伺う前に、お電話で確かめるか、地区の担当者に相談してください。"
    )


def coordinator_resident_blocked(district: str, name: str, phone: str | None, requests: str, url: str) -> str:
    return (
        f"【要確認】{district}地区 {name}さんが、ボットをブロックしました（LINEで連絡がとれません）。\n"
        f"電話：{phone or '未登録'}\n依頼：{requests}\n"
        "引き受け手がまだいない依頼は、確認できるまでサポーターが引き受けられないようにしています。\n"
        f"確認：{url}"
    )


def group_resident_unreachable(request_id: int) -> str:
    return f"{request_no(request_id)}は、ご本人と連絡がとれないため、担当者が確認しています。いまは引き受けられません。"


NO_REQUESTS = "なし"


def group_resident_reachable(request_id: int) -> str:
    return f"{request_no(request_id)}は、ご本人とまた連絡がとれるようになりました。引き受けられます。"


RESIDENT_UNREACHABLE = "この依頼は、ご本人と連絡がとれないため、いまは引き受けられません。担当者が確認しています。"
SUPPORTER_SUSPENDED = "いまは依頼を引き受けられません。地区の担当者にお問い合わせください。"


def coordinator_group_removed(district: str | None, kind: str, url: str) -> str:
    what = {
        "district": f"{district}地区のサポーターのグループ",
        "coordinators": f"{district}地区の担当者のグループ" if district else "市全体の担当者のグループ",
    }[kind]
    return (
        f"【要対応】{what}から、ボットが外されました。\n"
        f"このグループには、もう依頼や通知が届きません。設定し直してください。\n確認：{url}"
    )


def coordinator_possible_answer(district: str, name: str, answer: str) -> str:
    """Follow-up to a 【緊急の可能性】 alert: what the resident answered (or that they did not)."""
    return f"【緊急の可能性・続報】{district}地区 {name}さん\n{answer}"


POSSIBLE_ANSWER_YES = "本人の答え：はい（けが・具合の悪さあり）。119番の案内をしました。すぐに確認してください。"
POSSIBLE_ANSWER_UNSURE = "本人の答え：わからない。119番の案内をしました。すぐに確認してください。"
POSSIBLE_ANSWER_NO = "本人の答え：いいえ（けが・具合の悪さなし）。ふだんのお願いとして続けます。"


def possible_no_answer(minutes: int) -> str:
    return f"本人から{minutes}分お返事がありません。すぐに確認してください。"


UNREGISTERED_NAME = "未登録の方"
UNKNOWN_DISTRICT = "不明な"


def unregistered_person(line_tail: str) -> str:
    return f"{UNREGISTERED_NAME}（LINE ID 末尾 {line_tail}）"


CONSULT_TOPIC_DEFAULT = "相談"
CONSULT_TOPICS = {
    "scam": "詐欺・悪質商法",
    "money": "お金の困りごと",
    "abuse": "虐待",
    "dementia": "認知症の心配",
    "care_insurance": "介護保険",
    "suicide": "死にたい気持ち",
}


def coordinator_no_group(district: str, request_id: int) -> str:
    return f"【要対応】{district}地区にサポーターのグループが登録されていません。{request_no(request_id)}を確認してください。"


# --- Supporters' group ----------------------------------------------------------------------------

GROUP_POST_TITLE = "お手伝い"
GROUP_URGENT = "（急ぎ）"
ROW_WHAT, ROW_WHERE, ROW_WHEN, ROW_WORDS, ROW_DAYS = "内容", "場所", "日時", "ご依頼", "曜日"
YES, NO = "はい", "いいえ"


def group_post_title(request_id: int, urgent: bool) -> str:
    return f"{GROUP_POST_TITLE} {request_no(request_id)}" + (GROUP_URGENT if urgent else "")


def group_post_alt(title: str, category: str, area: str, when_text: str) -> str:
    """The notification line: what, where and when, so a supporter can decide from the lock screen."""
    return f"{title}：{CATEGORY_NAMES[category]}（{area}）{when_text or GROUP_WHEN_NONE}"


def supporter_details_alt(request_id: int) -> str:
    return f"{request_no(request_id)}の詳細"


def recurring_title(recurring_id: int) -> str:
    return f"{RECURRING_POST_TITLE} #R{recurring_id}"


def recurring_alt(title: str, category: str, area: str) -> str:
    return f"{title}：{CATEGORY_NAMES[category]}（{area}）"


def every_week(days: str) -> str:
    return f"毎週{days}"


CLAIM_LABEL = "引き受けます"
GROUP_WHEN_NONE = "いつでも"


def group_claimed(supporter: str, request_id: int) -> str:
    return f"{request_no(request_id)}は{supporter}さんが引き受けました。ありがとうございます。"


def group_done(request_id: int) -> str:
    return f"{request_no(request_id)}は完了しました。ありがとうございました。"


def group_cancelled(request_id: int) -> str:
    return f"{request_no(request_id)}は取りやめになりました。"


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
        f"{request_no(request_id)}を引き受けてくださり、ありがとうございます。\n"
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
SUPPORTER_HELLO = (
    "サポーターとして登録されています。依頼はグループにお知らせします。\n"
    "「できること」と送ると、できるお手伝い・行ける町・空いている時間を登録できます。"
)


def supporter_request_cancelled(request_id: int) -> str:
    return f"{request_no(request_id)}は、ご本人の都合で取りやめになりました。お手数をおかけしました。"


def supporter_activity(name: str, month_count: int, total: int) -> str:
    return f"{name}さんの今月のお手伝いは{month_count}件です（これまでに{total}件）。いつもありがとうございます。"


# --- Non-text messages from residents ----------------------------------------------------------------

STICKER_REPLY = "スタンプありがとうございます。\n困りごとは、文字で書いてください。"
VOICE_REPLY = "ごめんなさい、音声のメッセージは聞けません。\n文字で書くか、電話でご相談ください。"
MEDIA_REPLY = "ごめんなさい、写真や動画は見られません。\n文字で書くか、電話でご相談ください。"
FILE_REPLY = "ごめんなさい、ファイルは開けません。\n困りごとを、文字で書いてください。"
LOCATION_REPLY = "場所を受け取りました。\nお手伝いの場所として覚えておきます。"
TOO_LONG_REPLY = "とても長いので、はじめの部分を読みました。"
TOO_FAST_REPLY = "たくさんありがとうございます。\n少し時間をおいて、また書いてください。"
CALL_DISTRICT = "地区の担当者に電話"


# --- Escalation and the coordinators' dashboard (bot/escalation.py, bot/dashboard/) ------------------


def plain_duration(delta: timedelta) -> str:
    """「5分」「3時間」「2日」: how long, in the largest whole unit a person would say."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}分"
    if minutes < 48 * 60:
        return f"{minutes // 60}時間"
    return f"{minutes // (24 * 60)}日"


def age_text(delta: timedelta) -> str:
    """「たった今」「3時間前」."""
    if delta.total_seconds() < 60:
        return "たった今"
    return f"{plain_duration(delta)}前"


def group_reminder(request_id: int, age: str) -> str:
    return f"【まだ引き受け手がいません】{request_no(request_id)}（{age}前の依頼）です。どなたか、お願いできませんか？"


def coordinator_unclaimed(district: str, request_id: int, category: str, age: str, summary: str, url: str) -> str:
    return (
        f"【未対応】{district}地区 {request_no(request_id)}（{CATEGORY_NAMES[category]}）\n"
        f"グループに出してから{age}、引き受け手がいません。\n"
        f"内容：{summary[:200]}\n確認：{url}"
    )


def supporter_stale(request_id: int, category: str) -> str:
    return (
        f"{request_no(request_id)}（{CATEGORY_NAMES[category]}）はいかがでしょうか。\n"
        "終わっていたら「完了」を、都合が悪くなったら「手放す」を押してください。"
    )


def coordinator_stale(district: str, request_id: int, category: str, supporter: str, age: str, url: str) -> str:
    return (
        f"【要確認】{district}地区 {request_no(request_id)}（{CATEGORY_NAMES[category]}）\n"
        f"{supporter}さんが引き受けてから{age}、完了の連絡がありません。\n確認：{url}"
    )


UNRESOLVED_NONE = "未解決の依頼はありません。"


def unresolved_header(count: int) -> str:
    return f"【未解決 {count}件】古い順"


def unresolved_line(request_id: int, district: str, category: str, state: str, age: str) -> str:
    return f"{request_no(request_id)} {district} {CATEGORY_NAMES[category]}：{state}（{age}）"


UNRESOLVED_STATE = {
    "open": "引き受け手なし",
    "claimed": "対応中",
    "emergency": "緊急・要対応",
    "consult": "相談・要対応",
}


def unresolved_more(n: int) -> str:
    return f"ほか{n}件あります。"


def unresolved_footer(url: str) -> str:
    return f"くわしくはダッシュボードで：{url}"


# Coordinators acting on a request from the dashboard: who hears what on LINE.
def supporter_assigned_by_coordinator(request_id: int) -> str:
    return f"地区の担当者から、{request_no(request_id)}をお願いされました。くわしい内容です。"


def supporter_unassigned(request_id: int) -> str:
    return f"{request_no(request_id)}は、地区の担当者がほかの方にお願いすることになりました。ありがとうございました。"


def supporter_released_by_coordinator(request_id: int) -> str:
    return f"{request_no(request_id)}は、地区の担当者がグループに戻しました。ありがとうございました。"


def supporter_closed_by_coordinator(request_id: int, done: bool) -> str:
    what = "完了にしました" if done else "取りやめにしました"
    return f"{request_no(request_id)}は、地区の担当者が{what}。ありがとうございました。"


def group_assigned(request_id: int) -> str:
    return f"{request_no(request_id)}は、担当が決まりました。ありがとうございます。"


REQUEST_DONE_BY_COORDINATOR = "お願いのお手伝いが終わりました。\nありがとうございました。"
REQUEST_CANCELLED_BY_COORDINATOR = (
    "お願いは、地区の担当者が取りやめました。\nわからないことは、担当者に聞いてください。"
)

# --- The coordinators' dashboard (bot/dashboard/) ----------------------------------------------------

DASH_STATUS_FILTERS = {
    "": "すべて",
    "attention": "緊急・相談（要対応）",
    "open": "引き受け手なし",
    "claimed": "対応中（未完了）",
    "escalated": "催促・通知済み",
}
DASH_KIND_LABELS = {
    "attention": "要対応",
    "open": "引き受け手なし",
    "claimed": "対応中",
}
DASH_ACTION_LABELS = {
    "created": "依頼を受け付けました",
    "confirmed": "本人が確認し、グループに出しました",
    "claimed": "サポーターが引き受けました",
    "done": "完了しました",
    "released": "担当を外れました",
    "cancelled": "取りやめました",
    "declined": "本人が依頼しませんでした",
    "restate": "本人が言い直しました",
    "superseded": "新しい依頼に置き換わりました",
    "held": "本人が確認しました（承認待ちのため保留）",
    "approved": "承認され、グループに出しました",
    "not_approved": "承認が見送られ、取りやめました",
    "nudged": "向いているサポーターに個別に声をかけました",
    "reminded": "グループに催促しました",
    "alerted": "コーディネーターに通知しました（引き受け手なし）",
    "stale_asked": "サポーターに進み具合を確認しました",
    "stale_alerted": "コーディネーターに通知しました（未完了）",
    "assigned": "コーディネーターが担当を決めました",
    "reposted": "グループにもう一度出しました",
    "note": "メモ",
    "handled": "対応済みにしました",
    "corrected": "本人が日にちや内容を言い直しました",
    "possible_answered": "本人が「けがや具合の悪さ」の問いに答えました",
    "alert_ack": "担当者が「対応します」と応えました",
    "alert_repeat": "通知を繰り返し、市全体の担当者にも知らせました（未対応）",
    "auto_released": "サポーターが続けられないため、担当を外しました",
    "resident_blocked": "本人がボットをブロックしました",
}
DASH_ACTOR_LABELS = {
    "resident": "本人",
    "supporter": "サポーター",
    "coordinator": "コーディネーター",
    "system": "ボット",
}
DASH_PURPOSE_LABELS = {
    "group_post": "グループへの依頼",
    "reminder": "グループへの催促",
    "alert": "コーディネーターへの通知",
    "details": "サポーターへの詳細",
    "coming": "本人へのお知らせ",
    "done": "完了のお知らせ",
    "cancelled": "取りやめのお知らせ",
    "stale": "サポーターへの確認",
    "emergency": "緊急の通知",
    "consult": "相談の通知",
    "reply": "返信",
    "relay": "サポーターと本人のやりとり",
    "assigned": "グループへの担当のお知らせ",
    "unassigned": "前の担当サポーターへのお知らせ",
    "released": "グループへの手放しのお知らせ",
    "reopened": "本人へのお知らせ（探し直し）",
    "closed": "サポーターへの終了のお知らせ",
    "location": "サポーターへの場所",
    "thanks": "サポーターへのお礼",
    "refusal": "お断りの返信",
    "no_group": "グループ未設定のお知らせ",
    "checkin": "見守りの問いかけ",
    "checkin_answered": "見守りのお返事のお知らせ",
    "checkin_missed": "見守りの通知",
    "recurring_pending": "毎週のお願いの承認依頼",
    "recurring_approved": "毎週のお願いの承認のお知らせ",
    "recurring_post": "グループへの毎週のお願い",
    "recurring_taken": "毎週のお願いの担当のお知らせ",
    "recurring_details": "サポーターへの毎週のお願いの詳細",
    "newcomer": "新しく登録した方の承認依頼",
    "held": "承認待ちの方からのお願い",
    "approved": "本人への承認のお知らせ",
    "declined": "本人へのお断りのお知らせ",
    "suited": "グループで向いている人への声かけ",
    "nudge": "向いているサポーターへの個別の声かけ",
    "alert_ack": "通知に対応する人のお知らせ",
    "alert_repeat": "通知の繰り返し（未対応）",
    "alert_escalated": "市全体の担当者への通知（未対応）",
    "claim_released": "担当の解除のお知らせ",
    "resident_blocked": "本人のブロックのお知らせ",
    "group_removed": "グループから外されたお知らせ",
}
DASH_ALERT_KINDS = {"emergency": "緊急", "possible": "緊急の可能性", "consult": "相談"}
DASH_JOB_LABELS = {
    "esc_remind": "グループに催促",
    "esc_alert": "コーディネーターに通知",
    "esc_stale": "サポーターに進み具合を確認",
    "esc_stale_alert": "コーディネーターに通知（未完了）",
    "alert_ack": "通知の繰り返し（未対応のとき）",
    "release_claims": "続けられないサポーターの担当を外す",
    "merge": "依頼の文をまとめて読む",
    "checkin": "見守りの声かけ",
    "checkin_miss": "見守りの返事の確認",
    "recur_post": "定期のお手伝いをグループに出す",
    "recur": "定期のお手伝いの回を作る",
    "possible_followup": "緊急かもしれない連絡の確認",
}
DASH_JOB_OTHER = "予定の処理"
DASH_FAILED_JOBS_HINT = "何度やり直しても実行できませんでした。必要なら、電話などで直接対応してください。"
DASH_DELIVERY_STATUS = {
    "pending": "送信待ち",
    "merged": "送信待ち（前のお知らせと一緒に送ります）",
    "sent": "送信済み",
    "failed": "届きませんでした",
}
DASH_RELAY_SENDERS = {"title": "サポーターと本人のやりとり", "supporter": "サポーター", "resident": "本人"}
DASH_FOLLOW_LABELS: dict[bool | None, str] = {True: "友だち", False: "ブロック中", None: "未追加"}
DASH_NOT_FOUND = "見つかりません。"
DASH_EXPIRED = "画面の有効期限が切れました。もう一度、画面を開き直してから操作してください。"
DASH_LOGIN_THROTTLED = "ログインの失敗が続いたため、しばらく受け付けません。15分ほどしてから、もう一度お試しください。"
DASH_LOGIN_WRONG = "ログイン名かパスワードが違います。"
DASH_REFUSED = "この依頼は、いまの状態ではその操作ができません。画面を読み込み直してください。"
DASH_CHECK_INPUT = "入力を確かめてください。"
DASH_SAVED = "保存しました。"
DASH_ACTIVATED = "有効にしました。"
DASH_DEACTIVATED = "無効にしました（依頼やお知らせの対象から外れます）。"
DASH_SUSPENDED = "活動を停止しました。引き受けていた依頼はグループに戻します。"
DASH_UNSUSPENDED = "活動の停止を解きました。また依頼を引き受けられます。"
DASH_NOT_VERIFIED = "このLINE IDの方は、ボットを友だち追加していないか、ブロックしています。"
DASH_TAKEN, DASH_LEFT, DASH_SENSITIVE = "引き受けあり", "引き受け手なし", "緊急・相談"
DASH_BY_MONTH, DASH_BY_CATEGORY, DASH_BY_DISTRICT = "月ごとの依頼数", "種類ごとの依頼数", "地区ごとの依頼数"
DASH_NUMBER = "数字で入力してください。"
DASH_ALERT_AFTER_REMIND = "コーディネーターへの通知は、グループへの催促より後にしてください。"
DASH_NOTE_SAVED = "メモを残しました。"
DASH_RELEASED = "担当を外し、グループにもう一度出しました。"
DASH_REPOSTED = "グループにもう一度出しました。"
DASH_HANDLED, DASH_DONE, DASH_CANCELLED = "対応済みにしました。", "完了にしました。", "取りやめにしました。"
DASH_UNIT = "件"
DASH_NO_DATA = "データがありません"


def dash_not_a_friend(name: str) -> str:
    return f"{name}さんはボットを友だち追加していないため、LINEでお願いできません。"


def dash_not_added(reason: str) -> str:
    return f"登録できませんでした：{reason}"


def dash_added(name: str) -> str:
    return f"{name}さんを登録しました。"


def dash_verified(display_name: str) -> str:
    return f"LINEで確認できました（表示名：{display_name}）。"


def dash_between(low: int, high: int) -> str:
    return f"{low}から{high}の間で入力してください。"


def dash_settings_saved(district: str) -> str:
    return f"{district}地区の設定を保存しました。新しい依頼から使われます。"


def dash_assigned(supporter: str) -> str:
    return f"{supporter}さんにお願いしました。"


def dash_month(month: int) -> str:
    return f"{month}月"


def dash_time(local: datetime) -> str:
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


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
ASK_TROUBLE = "どんなことでお困りですか？\nふだんの言葉で書いてください。\n（例：台所の電球が切れてしもうた）"
REGISTER_FIRST_TOWN = "はじめに、かんたんな登録をお願いします。\n住んでいる町の名前を教えてください。\n" + TOWN_EXAMPLE
REGISTER_FIRST_NAME = "はじめに、かんたんな登録をお願いします。\nお名前を教えてください。"
REGISTER_FIRST_OTHER = "はじめに、かんたんな登録をお願いします。\n上の問いに答えてください。"


# --- Conversation: when, locations, thanks, proxies, recurring help ----------------------------------


def ask_when(category: str) -> str:
    return f"{CATEGORY_NAMES[category]}のお手伝いですね。\nいつごろがよいですか？"


WHEN_TODAY = "今日"
WHEN_TOMORROW = "明日"
WHEN_THIS_WEEK = "今週中"
WHEN_ANY = "いつでもいい"
WHEN_PICK = "日にちを選ぶ"
WHEN_PICK_BAD = "その日にちは選べません。\nもう一度、下のボタンから選んでください。"
LOCATION_FOR_REQUEST = "場所を受け取りました。\nサポーターさんにお伝えします。"
MAP_LABEL = "場所（地図）"


def supporter_location(request_id: int, url: str) -> str:
    return f"{request_no(request_id)}のお手伝いの場所が届きました。\n{url}"


def thanks_passed(supporter: str) -> str:
    return f"{supporter}さんに、お礼をお伝えしました。\nありがとうございました。"


def sticker_thanks_passed(supporter: str) -> str:
    return f"スタンプありがとうございます。\n{supporter}さんにお伝えしました。"


def supporter_thanked(request_id: int, resident: str, words: str | None) -> str:
    if words is None:
        return f"{request_no(request_id)}の{resident}さんから、スタンプでお礼が届きました。"
    return f"{request_no(request_id)}の{resident}さんから、お礼が届きました。\n「{words}」"


def proxy_confirm_request(resident: str, category: str, when_text: str) -> str:
    return f"{resident}さんのお願いです。\n" + confirm_request(category, when_text)


def proxy_supporter_coming(supporter: str, resident: str, category: str) -> str:
    return (
        f"{resident}さんのお手伝いが決まりました。\n"
        f"サポーターの{supporter}さんが来てくれます。\n"
        f"{supporter}さんとは、ここで話せます。"
    )


def proxy_request_done(supporter: str, resident: str) -> str:
    return f"{resident}さんのお手伝いが終わりました。\n{supporter}さん、ありがとうございました。"


def proxy_lines(relation: str, name: str, phone: str | None) -> str:
    """For the supporter: whom to visit (the resident, above) and whom to call."""
    return f"ご依頼：{relation}の{name}さんから（代理）\n{relation}の連絡先：{phone or '未登録'}\n訪問先：ご本人のお宅"


def registered_by_lines(relation: str, name: str | None) -> str:
    """For the supporter: this LINE is a family member's or 民生委員's, speaking for the resident."""
    return f"LINEの相手：{relation}の{name or '方'}さん（ご本人の代わり）\n訪問先：ご本人のお宅"


def weekdays_text(days: list[int]) -> str:
    return "と".join(f"{_WEEKDAYS[d]}曜" for d in days)


def recurring_confirm(category: str, days: list[int]) -> str:
    return (
        f"毎週{weekdays_text(days)}の{CATEGORY_NAMES[category]}ですね。\n"
        "毎週のお願いは、地区の担当者が確認します。\n"
        "担当者に伝えてよいですか？"
    )


RECURRING_ASKED = "地区の担当者に伝えました。\n決まったら、お知らせします。"
RECURRING_APPROVED = "毎週のお願いを、担当者が確認しました。\n来てくれるサポーターさんを探しています。"


def coordinator_recurring_pending(
    district: str, recurring_id: int, name: str, town: str | None, category: str, days: list[int], words: str, url: str
) -> str:
    # A dashboard link, never a shell command: coordinators approve on the page it opens.
    return (
        f"【毎週の依頼・承認待ち】{district}地区 #R{recurring_id}\n"
        f"{name}さん（{town or '町不明'}）\n内容：{CATEGORY_NAMES[category]}（毎週{weekdays_text(days)}）\n"
        f"本人の言葉：{words}\n承認・お断りはダッシュボードで：{url}"
    )


RECURRING_POST_TITLE = "毎週のお手伝い"


def group_recurring_taken(supporter: str, recurring_id: int) -> str:
    return f"毎週のお手伝い#R{recurring_id}は{supporter}さんが引き受けました。ありがとうございます。"


def supporter_recurring_details(
    recurring_id: int, category: str, days: list[int], name: str, address: str | None, phone: str | None, words: str
) -> str:
    return (
        f"毎週のお手伝い#R{recurring_id}を引き受けてくださり、ありがとうございます。\n"
        f"内容：{CATEGORY_NAMES[category]}（毎週{weekdays_text(days)}）\n"
        f"お名前：{name}さん\n住所：{address or '未登録（本人に確認してください）'}\n電話：{phone or '未登録'}\n"
        f"本人の言葉：{words}\n毎回、前の日にお知らせをお送りします。"
    )


def resident_recurring_taken(supporter: str, category: str, days: list[int]) -> str:
    return f"毎週{weekdays_text(days)}のお手伝いが決まりました。\nサポーターの{supporter}さんが来てくれます。"


def resident_occurrence(supporter: str, category: str, when: str) -> str:
    return f"{when}の{CATEGORY_NAMES[category]}です。\nいつもの{supporter}さんが来てくれます。"


OCCURRENCE_HEADER = "【毎週のお手伝い】次の回のお知らせです。"

# --- Watching over (見守り) ------------------------------------------------------------------------

WATCH_ASK_FREQUENCY = "「お元気ですか？」と、お声かけをします。\n毎日と週に1回の、どちらがよいですか？"
WATCH_DAILY = "毎日"
WATCH_WEEKLY = "週に1回"
WATCH_ASK_HOUR = "何時ごろがよいですか？"


def hour_label(hour: int) -> str:
    return format_hour(hour)


def watch_started(frequency: str, weekday: int | None, hour: int) -> str:
    when = "毎日" if frequency == "daily" else f"毎週{_WEEKDAYS[weekday or 0]}曜日"
    return (
        f"わかりました。{when}、{format_hour(hour)}にお送りします。\n"
        "ボタンを押すか、何か書いてください。\n"
        "やめるときは「見守りをやめる」と書いてください。"
    )


WATCH_STOPPED = "お声かけをやめました。\nまた始めるときは「見守りをお願い」と書いてください。"
WATCH_NOT_ON = "いまは、お声かけをしていません。\n始めるときは「見守りをお願い」と書いてください。"


def checkin_question(hour: int) -> str:
    return ("おはようございます。" if hour < 11 else "こんにちは。") + "お元気ですか？"


CHECKIN_OK_LABEL = "元気です"
CHECKIN_THANKS = "お返事ありがとうございます。\nどうぞよい一日を。"


def checkin_missed(
    district: str, name: str, town: str | None, address: str | None, phone: str | None, sent: str, hours: int
) -> str:
    return (
        f"【見守り】{district}地区 {name}さん（{town or '町不明'}）\n"
        f"{sent}の「お元気ですか？」に、{hours}時間お返事がありません。\n"
        f"住所：{address or '未登録'}\n電話：{phone or '未登録'}\n"
        "ご様子の確認をお願いします。（このお知らせはグループには送っていません）"
    )


def checkin_time(month: int, day: int, hour: int) -> str:
    return f"{month}月{day}日 {format_hour(hour)}"


def checkin_answered_late(name: str) -> str:
    return f"【見守り】{name}さんから、お返事がありました。ご安心ください。"


# --- What residents receive ----------------------------------------------------------------------------
# Every constant and function above whose words reach a resident (or the family member or 民生委員 who
# speaks for them). tests/test_messages.py measures each sentence (≤ 30 characters), counts the questions
# (one a message) and looks for office words; add a new resident-facing name here.
RESIDENT_FACING: tuple[str, ...] = (
    # welcome and registration
    "WELCOME_REGISTERED",
    "WELCOME_NEW",
    "FOR_SOMEONE_LABEL",
    "ASK_RELATION",
    "ASK_TOWN_FOR",
    "ASK_TOWN_AGAIN",
    "PICK_TOWN",
    "NONE_OF_THESE",
    "confirm_town",
    "ASK_NAME",
    "ASK_NAME_FOR",
    "ASK_ADDRESS",
    "ASK_ADDRESS_FOR",
    "ASK_PHONE",
    "ASK_PHONE_FOR",
    "ASK_OWN_NAME",
    "SKIP_LABEL",
    "CONSENT_NOTICE",
    "CONSENT_YES",
    "CONSENT_DECLINED",
    "ASK_AGAIN_BUTTONS",
    "registered",
    "registered_for",
    "registered_pending",
    "registered_for_pending",
    "REQUEST_HELD",
    "APPROVED_RESIDENT",
    "APPROVED_HELD_POSTED",
    "DECLINED_RESIDENT",
    "DECLINED_CALL",
    "NOT_REGISTERED_YET",
    "REGISTER_FIRST_TOWN",
    "REGISTER_FIRST_NAME",
    "REGISTER_FIRST_OTHER",
    # a request
    "confirm_request",
    "YES_LABEL",
    "PICK_CATEGORY",
    "REQUEST_POSTED",
    "REQUEST_NO_GROUP",
    "REQUEST_NO_GROUP_NO_PHONE",
    "REQUEST_DECLINED",
    "REQUEST_RESTATE",
    "ASK_AGAIN",
    "ALREADY_HANDLED",
    "CANCELLED_BY_RESIDENT",
    "CANCEL_YES_LABEL",
    "CANCEL_NO_LABEL",
    "CANCEL_KEPT",
    "ask_cancel",
    "NO_OPEN_REQUESTS",
    "STATUS_HEADER",
    "status_line",
    "supporter_coming",
    "who_is_coming",
    "STILL_LOOKING",
    "when_planned",
    "request_done",
    "REQUEST_REOPENED_RESIDENT",
    "THANKS_REPLY",
    "GREETING_REPLY",
    "NOT_UNDERSTOOD",
    "HOW_TO_USE",
    "ASK_TROUBLE",
    "ask_when",
    "WHEN_PICK_BAD",
    "REQUEST_DONE_BY_COORDINATOR",
    "REQUEST_CANCELLED_BY_COORDINATOR",
    # the relay
    "relayed_to_resident",
    "relay_sent_to_supporter",
    # safety
    "emergency_reply",
    "EMERGENCY_REPLY",
    "CALL_119",
    "CALL_110",
    "POSSIBLE_EMERGENCY",
    "POSSIBLE_NOT_NOW",
    "consult_reply",
    "CALL_LABEL",
    # non-text, thanks, proxies, recurring help
    "STICKER_REPLY",
    "VOICE_REPLY",
    "MEDIA_REPLY",
    "FILE_REPLY",
    "LOCATION_REPLY",
    "LOCATION_FOR_REQUEST",
    "TOO_LONG_REPLY",
    "TOO_FAST_REPLY",
    "CALL_DISTRICT",
    "thanks_passed",
    "sticker_thanks_passed",
    "proxy_confirm_request",
    "proxy_supporter_coming",
    "proxy_request_done",
    "recurring_confirm",
    "RECURRING_ASKED",
    "RECURRING_APPROVED",
    "resident_recurring_taken",
    "resident_occurrence",
    # watching over
    "WATCH_ASK_FREQUENCY",
    "WATCH_ASK_HOUR",
    "hour_label",
    "watch_started",
    "WATCH_STOPPED",
    "WATCH_NOT_ON",
    "checkin_question",
    "CHECKIN_OK_LABEL",
    "CHECKIN_THANKS",
    # refusals mapped at the edge (bot/router.py) that a resident's button can meet
    "REQUEST_CLOSED",
    "REQUEST_GONE",
    "BUTTON_EXPIRED",
    "NOT_YOUR_REQUEST",
)

# --- The coordinators' dashboard: sign-in and people (bot/dashboard/pages/) --------------------------

DASH_LOGIN_BUSY = "ただいま混み合っています。少し待ってから、もう一度お試しください。"
# Said alike whether the ID is taken in this district or another: never confirms who is registered elsewhere.
DASH_PERSON_ID_TAKEN = "このLINE IDでは登録できません。IDを確かめるか、市の担当者にご相談ください。"
DASH_PERSON_INVALID = (
    "入力を確かめてください。名前・住所に使えない文字がないか、電話番号が数字とハイフンだけかを見てください。"
)
DASH_PERSON_DELETED = "個人情報を削除しました。"
DASH_PERSON_NOT_DELETED = "まだ終わっていない依頼があるため、削除できません。先に依頼を取りやめてください。"

# --- The dashboard without a shell: standing arrangements, proxies, accounts, the audit log ------------

DASH_RECUR_STATUS = {
    "proposed": "本人の確認待ち",
    "pending_approval": "承認待ち",
    "active": "実施中",
    "stopped": "終了",
}
DASH_RECUR_APPROVED = "承認しました。地区のグループにお知らせします。"
DASH_RECUR_STOPPED = "毎週のお手伝いを終了しました。"
DASH_RECUR_REFUSED = "いまの状態では、その操作はできません。画面を読み込み直してください。"
DASH_PROXY_ADDED = "代理の方を登録しました。"
DASH_PROXY_REMOVED = "代理の方の登録を外しました。"
DASH_PROXY_TAKEN = "この方は、すでに代理として登録されています。"
DASH_NO_LINE_ADDED = "LINEのない方を登録しました。代理の方を登録してください。"
DASH_ACCOUNT_ADDED = "アカウントを作りました。"
DASH_ACCOUNT_TAKEN = "このログイン名は使えません。別の名前にしてください。"
DASH_ACCOUNT_DEACTIVATED = "アカウントを止めました。ログインもAPIも使えません。"
DASH_ACCOUNT_ACTIVATED = "アカウントを再開しました。"
DASH_ACCOUNT_RESET = "パスワードを変えました。この方のログインはすべて終わりました。"
DASH_ACCOUNT_DISTRICTS = "担当地区を変えました。"
DASH_ACCOUNT_KEY_REVOKED = "APIトークンを無効にしました。"
DASH_ACCOUNT_NO_KEY = "APIトークンはありません。"
DASH_ACCOUNT_LINKED = "担当する方に加えました。"
DASH_ACCOUNT_UNLINKED = "担当する方から外しました。"
DASH_ACCOUNT_NOT_SELF = "ご自分のアカウントは止められません。"
DASH_ROLE_LABELS = {"city": "市（全地区）", "coordinator": "地区コーディネーター", "minsei": "民生委員"}
DASH_AUDIT_ACTIONS = {
    "login": "ログイン",
    "login_failed": "ログイン失敗",
    "logout": "ログアウト",
    "view_person": "人の詳細を見た",
    "view_request": "依頼の詳細を見た",
    "export_csv": "CSVを書き出した",
    "api_read": "APIで読んだ",
    "request_action": "依頼の操作",
    "person_add": "人の登録",
    "person_edit": "人の変更",
    "person_delete": "個人情報の削除",
    "settings": "設定の変更",
    "proxy_add": "代理の登録",
    "proxy_remove": "代理の解除",
    "recurring_approve": "毎週の依頼の承認",
    "recurring_stop": "毎週の依頼の終了",
    "account_add": "アカウント作成",
    "account_deactivate": "アカウント停止",
    "account_activate": "アカウント再開",
    "account_reset": "パスワード変更",
    "account_districts": "担当地区の変更",
    "api_key_issue": "APIトークン発行",
    "api_key_revoke": "APIトークン無効化",
    "minsei_link": "民生委員の担当に追加",
    "minsei_unlink": "民生委員の担当から外す",
    "view_audit": "操作記録を見た",
}
DASH_AUDIT_VIA = {"dashboard": "画面", "api": "API", "cli": "コマンド"}

# --- Approval of newcomers (issue 13) ------------------------------------------------------------


def registered_pending(name: str) -> str:
    return (
        f"{name}さん、登録できました。\n"
        "はじめての方なので、まず地区の担当者が確認します。\n"
        "確認ができたら、ここでお知らせします。\n"
        "困りごとは、いつでも書いてください。"
    )


def registered_for_pending(name: str) -> str:
    return (
        f"{name}さんの登録ができました。\n"
        "はじめての方なので、まず地区の担当者が確認します。\n"
        f"{name}さんの困りごとを、ここに書いてください。"
    )


REQUEST_HELD = (
    "お願いを受け付けました。\n"
    "はじめての方なので、まず地区の担当者が確認します。\n"
    "確認ができたら、サポーターさんにお願いします。"
)
APPROVED_RESIDENT = "お待たせしました。\n地区の担当者の確認が終わりました。\n困りごとは、いつでもここに書いてください。"
APPROVED_HELD_POSTED = "お待たせしたお願いは、サポーターさんに伝えました。\n決まったら、ここでお知らせします。"
DECLINED_RESIDENT = (
    "お待たせしました。\n申し訳ありません。\n"
    "ここでは、お手伝いをお引き受けできません。\n"
    "お困りのことは、地区の窓口にご相談ください。"
)
DECLINED_CALL = "地区の窓口に電話"


def coordinator_newcomer(district: str, name: str, town: str | None, url: str) -> str:
    return (
        f"【承認待ち】{district}地区{('・' + town) if town else ''}で、{name}さんがLINEで新しく登録しました。\n"
        f"確認して、承認するか見送るかを決めてください：{url}"
    )


def coordinator_held(district: str, request_id: int, category: str, url: str) -> str:
    return (
        f"【承認待ち】{district}地区の承認前の方から{request_no(request_id)}（{CATEGORY_NAMES[category]}）が届いています。"
        f"承認するとグループに出します：{url}"
    )


APPROVAL_LABELS = {"pending": "承認待ち", "approved": "承認済み", "declined": "見送り"}

# --- Supporters' verification and matching (issue 13) ----------------------------------------------

VERIFIED_NO = "未確認"
SLOT_DAYS = {"weekday": "平日", "weekend": "土日"}
SLOT_PARTS = {"morning": "午前", "afternoon": "午後", "evening": "夕方"}


def slot_name(slot: str) -> str:
    day, _, part = slot.partition("_")
    return f"{SLOT_DAYS[day]}の{SLOT_PARTS[part]}"


SKILLS_ASK_KINDS = (
    "できるお手伝いを教えてください。\n"
    "ふだんの言葉で大丈夫です。（例：「買い物と ごみ出しなら」「なんでも」）\n"
    "やめるときは「やめる」と書いてください。"
)
SKILLS_KINDS_AGAIN = (
    "ごめんなさい、お手伝いの種類がわかりませんでした。\n（例：「買い物と ごみ出し」「電球の交換」「雪すかし」）"
)
SKILLS_ASK_TOWNS = "行ける町を教えてください。\n（例：「{example}なら」「地区の中ならどこでも」）"
SKILLS_TOWNS_AGAIN = "ごめんなさい、町の名前がわかりませんでした。\nこの地区の町は、{towns} です。"
SKILLS_ASK_FREE = "ふだん、空いているのはいつごろですか？\n（例：「平日の午前」「土日ならいつでも」「夕方」）"
SKILLS_FREE_AGAIN = "ごめんなさい、時間がわかりませんでした。\n（例：「平日の午前」「土日の午後」「いつでも」）"
SKILLS_CANCELLED = "わかりました。今のままにしておきます。"
ANY_TIME = "いつでも"


def skills_saved(kinds: list[str], towns: list[str], free: list[str]) -> str:
    return (
        "ありがとうございます。次のように覚えました。\n"
        f"できること：{'、'.join(CATEGORY_NAMES[k] for k in kinds)}\n"
        f"行ける町：{'、'.join(towns)}\n"
        f"空いている時間：{'、'.join(slot_name(x) for x in free)}\n"
        "向いているお願いがあれば、お声をかけます。変えるときは、また「できること」と送ってください。"
    )


def group_suited(names: list[str], request_id: int, category: str) -> str:
    """`names` are textV2 placeholders ({s0}…) that LINE turns into mentions."""
    who = "".join(f"{n}さん " for n in names)
    return (
        f"{who}{request_no(request_id)}（{CATEGORY_NAMES[category]}）は、できることに合っています。いかがでしょうか。"
    )


def supporter_nudge(name: str, request_id: int, category: str, area: str, when: str) -> str:
    return (
        f"{name}さん、{request_no(request_id)}（{CATEGORY_NAMES[category]}・{area}{('・' + when) if when else ''}）の"
        "引き受け手がまだいません。できることに合っているので、お声をかけました。\n"
        "お願いできそうなら、グループの「引き受けます」を押してください。"
    )


MATCH_KIND = "できること"
MATCH_TOWN = "町"
MATCH_FREE = "空いている時間"
MATCH_UNVERIFIED = "未確認"


def match_reasons(kind: bool, town: bool, free: bool, load: int) -> str:
    parts = [p for p, ok in ((MATCH_KIND, kind), (MATCH_TOWN, town), (MATCH_FREE, free)) if ok]
    return f"{'・'.join(parts) + 'が合う' if parts else '合う条件なし'}／担当中{load}件"


def dash_approved(name: str) -> str:
    return f"{name}さんを承認しました。保留中のお願いはグループに出します。"


def dash_declined(name: str) -> str:
    return f"{name}さんの受け付けを見送りました。ご本人にお知らせします。"


DASH_SUPPORTER_VERIFIED = "確認済みとして記録しました。"
