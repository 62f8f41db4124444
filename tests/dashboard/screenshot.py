"""Take docs/images/dashboard.png: the 未解決 page with two days of real-looking activity.

Everything goes through the emulator's webhooks and the bot's own scheduler, on a ManualClock moved
hour by hour, so the ages, reminders and alerts on the picture are the ones the bot itself made.

    .venv/bin/python -m tests.dashboard.screenshot [docs/images/dashboard.png]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.async_api import async_playwright

from bot.clock import ManualClock, SystemClock
from bot.emulator import EmulatorServer
from bot.store import coordinators, people
from tests.conftest import SECRET, TOKEN, gid, make_settings, uid
from tests.dashboard.conftest import CHROMIUM_ARGS, PASSWORD
from tests.test_escalation import confirm, settle, start

DISTRICTS = {
    "NAGAMACHI": ("長町", ["長町", "中央通町", "長土塀"], gid(11)),
    "KIKUGAWA": ("菊川", ["菊川", "本多町"], gid(12)),
    "SAIGAWA": ("犀川", ["野町", "弥生"], gid(13)),
}
RESIDENTS = [  # (n, district, name, town)
    (1, "NAGAMACHI", "金沢花子", "長町"),
    (2, "KIKUGAWA", "本多トメ", "本多町"),
    (3, "NAGAMACHI", "中村ヨシ", "長土塀"),
    (4, "SAIGAWA", "野村清", "野町"),
    (5, "NAGAMACHI", "西田和子", "中央通町"),
    (6, "KIKUGAWA", "菊田みつ", "菊川"),
    (7, "SAIGAWA", "弥生さと", "弥生"),
]
SUPPORTERS = [  # (n, district, name)
    (21, "NAGAMACHI", "山田太郎"),
    (22, "NAGAMACHI", "佐藤次郎"),
    (23, "KIKUGAWA", "高橋和夫"),
    (24, "SAIGAWA", "北村洋子"),
]


async def main(out: Path) -> None:
    start_at = SystemClock().now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=50)
    clock = ManualClock(start_at)
    with tempfile.TemporaryDirectory() as tmp:
        async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN) as emu:
            settings = make_settings(emu, f"sqlite+aiosqlite:///{tmp}/demo.db", scheduler_interval_seconds=0.2)
            bot = await start(emu, settings, clock)
            try:
                await seed(bot, emu, clock)
                await shoot(bot.url, out)
            finally:
                await bot.runner.cleanup()


async def seed(bot, emu: EmulatorServer, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    async with bot.db.session() as s:
        for code, (name, towns, group) in DISTRICTS.items():
            await people.add_district(s, code=code, name=name, towns=towns, now=now)
            await people.bind_group(s, group_id=group, district_code=code, now=now)
        await people.bind_group(s, group_id=gid(10), district_code=None, now=now)
        for n, code, name, town in RESIDENTS:
            await people.add_resident(
                s,
                line_user_id=uid(n),
                district_code=code,
                name=name,
                town=town,
                address=f"{town}1-{n}-3",
                phone=f"076-22{n}-000{n}",
                now=now,
            )
        for n, code, name in SUPPORTERS:
            await people.add_supporter(s, line_user_id=uid(n), district_code=code, name=name, now=now)
        await coordinators.add(
            s, login="city", name="福祉政策課 森", password=PASSWORD, districts=[], is_admin=True, now=now
        )
    for n, _, name, _ in RESIDENTS:
        emu.add_user(uid(n), name)
    for code, (name, _, group) in DISTRICTS.items():
        emu.add_group(group, f"{name}サポーター", members=[uid(n) for n, c, _ in SUPPORTERS if c == code])
    emu.add_group(gid(10), "コーディネーター", members=[])
    for n, _, name in SUPPORTERS:
        emu.add_user(uid(n), name)

    async def ask(n: int, words: str) -> dict:
        code = next(c for m, c, _, _ in RESIDENTS if m == n)
        return await confirm(emu, uid(n), words, DISTRICTS[code][2])

    async def later(hours: float) -> None:
        clock.advance(hours * 3600)
        await settle(bot, clock)

    async def claim(post: dict, supporter: int, group: str) -> None:
        from tests.conftest import find_action

        await emu.send_postback(uid(supporter), find_action([post], "引き受け")["data"], group_id=group)
        await emu.wait_for_messages(uid(supporter), len(emu.messages_to(uid(supporter))) + 1)

    post = await ask(1, "雪が積もって玄関から出られんがや。雪すかしお願いできんけ")
    await later(1)
    await claim(post, 21, DISTRICTS["NAGAMACHI"][2])
    await later(19)
    await ask(2, "金曜の朝、病院に付き添ってもらえんやろか")
    await later(20)
    await ask(3, "台所の電球が切れてしもうた。明日の朝替えてもらえんけ")
    await later(4)
    await emu.send_text(uid(4), "ころんでたてない　たすけて")
    await later(2)
    await emu.send_text(uid(5), "知らない業者から電話があって、お金を振り込めと言われた。詐欺やろか")
    await later(1)
    await ask(6, "あしたのゴミ出しを手伝ってほしい")
    await later(1.5)
    await ask(7, "明後日の午後に買い物に行ってもらえんけ")
    await later(0.3)
    await emu.send_unfollow(uid(24))  # a supporter blocked the bot: the details cannot reach her
    await later(0.3)


async def shoot(url: str, out: Path) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(locale="ja-JP", viewport={"width": 1200, "height": 1180})
        await page.goto(f"{url}/dashboard/")
        await page.get_by_label("ログイン名").fill("city")
        await page.get_by_label("パスワード").fill(PASSWORD)
        await page.get_by_role("button", name="ログイン").click()
        await page.wait_for_selector("table.list")
        out.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(out), full_page=False)
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/dashboard.png")))
