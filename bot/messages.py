"""Every sentence the bot says, in one place, so a Japanese-speaking coordinator can review them all.

Residents: short, polite, warm, no jargon, no English. Supporters and coordinators: concise.
"""

from __future__ import annotations

from datetime import date, timedelta

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
    return f"【まだ引き受け手がいません】依頼#{request_id}（{age}前の依頼）です。どなたか、お願いできませんか？"


def coordinator_unclaimed(district: str, request_id: int, category: str, age: str, summary: str, url: str) -> str:
    return (
        f"【未対応】{district}地区 依頼#{request_id}（{CATEGORY_NAMES[category]}）\n"
        f"グループに出してから{age}、引き受け手がいません。\n"
        f"内容：{summary[:200]}\n確認：{url}"
    )


def supporter_stale(request_id: int, category: str) -> str:
    return (
        f"依頼#{request_id}（{CATEGORY_NAMES[category]}）はいかがでしょうか。\n"
        "終わっていたら「完了」を、都合が悪くなったら「手放す」を押してください。"
    )


def coordinator_stale(district: str, request_id: int, category: str, supporter: str, age: str, url: str) -> str:
    return (
        f"【要確認】{district}地区 依頼#{request_id}（{CATEGORY_NAMES[category]}）\n"
        f"{supporter}さんが引き受けてから{age}、完了の連絡がありません。\n確認：{url}"
    )


UNRESOLVED_NONE = "未解決の依頼はありません。"


def unresolved_header(count: int) -> str:
    return f"【未解決 {count}件】古い順"


def unresolved_line(request_id: int, district: str, category: str, state: str, age: str) -> str:
    return f"#{request_id} {district} {CATEGORY_NAMES[category]}：{state}（{age}）"


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
    return f"地区の担当者から、依頼#{request_id}をお願いされました。くわしい内容です。"


def supporter_unassigned(request_id: int) -> str:
    return f"依頼#{request_id}は、地区の担当者がほかの方にお願いすることになりました。ありがとうございました。"


def supporter_released_by_coordinator(request_id: int) -> str:
    return f"依頼#{request_id}は、地区の担当者がグループに戻しました。ありがとうございました。"


def supporter_closed_by_coordinator(request_id: int, done: bool) -> str:
    what = "完了にしました" if done else "取りやめにしました"
    return f"依頼#{request_id}は、地区の担当者が{what}。ありがとうございました。"


def group_assigned(request_id: int) -> str:
    return f"依頼#{request_id}は、担当が決まりました。ありがとうございます。"


REQUEST_DONE_BY_COORDINATOR = "お願いのお手伝いは、終わりました。ご利用ありがとうございました。"
REQUEST_CANCELLED_BY_COORDINATOR = (
    "お願いは、地区の担当者が取りやめにしました。ご不明な点は、地区の担当者におたずねください。"
)

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
REGISTER_FIRST_TOWN = "はじめに、かんたんな登録をお願いします。お住まいの町の名前を教えてください。（例：長町）"
REGISTER_FIRST_NAME = "はじめに、かんたんな登録をお願いします。お名前を教えてください。"


# --- Conversation: when, locations, thanks, proxies, recurring help ----------------------------------


def ask_when(category: str) -> str:
    return f"{CATEGORY_NAMES[category]}のお手伝いですね。\nいつごろがよろしいですか？下のボタンから選んでください。"


WHEN_TODAY = "今日"
WHEN_TOMORROW = "明日"
WHEN_THIS_WEEK = "今週中"
WHEN_ANY = "いつでもいい"
WHEN_PICK = "日にちを選ぶ"
WHEN_PICK_BAD = "その日にちは選べません。もう一度、下のボタンから選んでください。"
LOCATION_FOR_REQUEST = "場所を受け取りました。お手伝いの場所として、サポーターさんにお伝えします。"
MAP_LABEL = "場所（地図）"


def supporter_location(request_id: int, url: str) -> str:
    return f"依頼#{request_id}のお手伝いの場所が届きました。\n{url}"


def thanks_passed(supporter: str) -> str:
    return f"{supporter}さんに、お礼の気持ちをお伝えしました。ご利用ありがとうございました。"


def sticker_thanks_passed(supporter: str) -> str:
    return f"スタンプありがとうございます。{supporter}さんにお伝えしました。"


def supporter_thanked(request_id: int, resident: str, words: str | None) -> str:
    if words is None:
        return f"依頼#{request_id}の{resident}さんから、スタンプでお礼が届きました。"
    return f"依頼#{request_id}の{resident}さんから、お礼が届きました。\n「{words}」"


def proxy_hello(resident: str) -> str:
    return f"{resident}さんの代わりに、困りごとをお願いできます。ここに書いてください。"


def proxy_confirm_request(resident: str, category: str, when_text: str) -> str:
    return f"{resident}さんの、" + confirm_request(category, when_text)


def proxy_supporter_coming(supporter: str, resident: str, category: str) -> str:
    return (
        f"{resident}さんの{CATEGORY_NAMES[category]}のお手伝いは、サポーターの{supporter}さんが引き受けてくれました。\n"
        f"{supporter}さんから、ご連絡があります。"
    )


def proxy_request_done(supporter: str, resident: str) -> str:
    return f"{resident}さんのお手伝いが、{supporter}さんのおかげで終わりました。ご利用ありがとうございました。"


def proxy_lines(relation: str, name: str, phone: str | None) -> str:
    """For the supporter: whom to visit (the resident, above) and whom to call."""
    return f"ご依頼：{relation}の{name}さんから（代理）\n{relation}の連絡先：{phone or '未登録'}\n訪問先：ご本人のお宅"


def weekdays_text(days: list[int]) -> str:
    return "と".join(f"{_WEEKDAYS[d]}曜" for d in days)


def recurring_confirm(category: str, days: list[int]) -> str:
    return (
        f"毎週{weekdays_text(days)}の{CATEGORY_NAMES[category]}のお手伝いですね。\n"
        "毎週のお願いとして、地区の担当者に確認してもらってよいですか？"
    )


RECURRING_ASKED = "地区の担当者に確認をお願いしました。決まったら、お知らせします。"
RECURRING_APPROVED = "毎週のお願いを、地区の担当者が確認しました。来てくださるサポーターさんを探しています。"


def coordinator_recurring_pending(
    district: str, recurring_id: int, name: str, town: str | None, category: str, days: list[int], words: str
) -> str:
    return (
        f"【毎週の依頼・承認待ち】{district}地区 #R{recurring_id}\n"
        f"{name}さん（{town or '町不明'}）\n内容：{CATEGORY_NAMES[category]}（毎週{weekdays_text(days)}）\n"
        f"本人の言葉：{words}\n承認：sasaeai recurring approve {recurring_id}"
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
    return (
        f"毎週{weekdays_text(days)}の{CATEGORY_NAMES[category]}は、サポーターの{supporter}さんが引き受けてくれました。"
    )


def resident_occurrence(supporter: str, category: str, when: str) -> str:
    return f"{when}の{CATEGORY_NAMES[category]}は、いつもの{supporter}さんが来てくれます。"


OCCURRENCE_HEADER = "【毎週のお手伝い】次の回のお知らせです。"

# --- Watching over (見守り) ------------------------------------------------------------------------

WATCH_ASK_FREQUENCY = (
    "見守りの「お元気ですか？」のお声かけをします。\nどのくらいの間隔がよいですか？下のボタンから選んでください。"
)
WATCH_DAILY = "毎日"
WATCH_WEEKLY = "週に1回"
WATCH_ASK_HOUR = "何時ごろがよいですか？"


def watch_started(frequency: str, weekday: int | None, hour: int) -> str:
    when = "毎日" if frequency == "daily" else f"毎週{_WEEKDAYS[weekday or 0]}曜日"
    return (
        f"わかりました。{when}、{hour}時に「お元気ですか？」とお送りします。\n"
        "ボタンを押すか、何か書いていただければ大丈夫です。\n"
        "やめたいときは「見守りをやめる」と書いてください。"
    )


WATCH_STOPPED = "見守りのお声かけをやめました。またいつでも「見守りをお願い」と書いてください。"
WATCH_NOT_ON = "いまは見守りのお声かけをしていません。「見守りをお願い」と書くと始められます。"


def checkin_question(hour: int) -> str:
    return ("おはようございます。" if hour < 11 else "こんにちは。") + "お元気ですか？"


CHECKIN_OK_LABEL = "元気です"
CHECKIN_THANKS = "お返事ありがとうございます。よかったです。どうぞよい一日を。"


def checkin_missed(
    district: str, name: str, town: str | None, address: str | None, phone: str | None, sent: str, hours: int
) -> str:
    return (
        f"【見守り】{district}地区 {name}さん（{town or '町不明'}）\n"
        f"{sent}の「お元気ですか？」に、{hours}時間お返事がありません。\n"
        f"住所：{address or '未登録'}\n電話：{phone or '未登録'}\n"
        "ご様子の確認をお願いします。（このお知らせはグループには送っていません）"
    )


def checkin_answered_late(name: str) -> str:
    return f"【見守り】{name}さんから、お返事がありました。ご安心ください。"


# --- The coordinators' dashboard: sign-in and people (bot/dashboard/views.py) --------------------------

DASH_LOGIN_WRONG = "ログイン名かパスワードが違います。"
DASH_LOGIN_THROTTLED = "ログインの失敗が続いたため、しばらく受け付けません。15分ほどしてから、もう一度お試しください。"
DASH_LOGIN_BUSY = "ただいま混み合っています。少し待ってから、もう一度お試しください。"
# Said alike whether the ID is taken in this district or another: never confirms who is registered elsewhere.
DASH_PERSON_ID_TAKEN = "このLINE IDでは登録できません。IDを確かめるか、市の担当者にご相談ください。"
DASH_PERSON_INVALID = (
    "入力を確かめてください。名前・住所に使えない文字がないか、電話番号が数字とハイフンだけかを見てください。"
)
DASH_PERSON_DELETED = "個人情報を削除しました。"
DASH_PERSON_NOT_DELETED = "まだ終わっていない依頼があるため、削除できません。先に依頼を取りやめてください。"
