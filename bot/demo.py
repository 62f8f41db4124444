"""`sasaeai demo` (and `make run`): the whole life of a request, played against the built-in LINE
emulator on the embedded SQLite database, printed as the conversation each person sees."""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.app import create_app
from bot.clock import SystemClock
from bot.config import Settings
from bot.emulator import EmulatorServer
from bot.services import SERVICES, Services
from bot.simulator.clock import SimulatorClock
from bot.store import approval, inbox, jobs, outbox, people

SECRET = "demo-channel-secret-0123456789abcdef"  # noqa: S105 (the emulator's, not LINE's)
TOKEN = "demo-channel-access-token-0123456789"  # noqa: S105

RESIDENT = "U" + "a1" * 16
SUPPORTERS = {"U" + "b1" * 16: "山田太郎", "U" + "b2" * 16: "佐藤良子"}
GROUP = "C" + "c1" * 16
COORDINATORS = "C" + "c2" * 16
NAMES = {
    RESIDENT: "金沢花子さん",
    GROUP: "長町サポーターのグループ",
    COORDINATORS: "コーディネーターのグループ",
    **{k: f"{v}さん" for k, v in SUPPORTERS.items()},
}


def render(message: dict[str, Any]) -> list[str]:
    """A LINE message as a person would read it, buttons in 【】."""
    texts: list[str] = []
    buttons: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            if node.get("type") in ("postback", "uri", "message", "datetimepicker") and "label" in node:
                buttons.append(f"【{node['label']}】")
                return
            for k, v in node.items():
                if k not in ("altText",):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message)
    lines = [line for t in texts for line in t.splitlines()]
    if buttons:
        lines.append(" ".join(buttons))
    return lines


async def _busy(services: Services) -> bool:
    """Whether the bot has work left at its "now": an event to handle, a message to send, a job due."""
    async with services.db.read() as s:
        due = await jobs.next_due(s)
        if due is not None and due.tzinfo is None:
            due = due.replace(tzinfo=UTC)  # SQLite hands datetimes back naive; they were written in UTC
        return (
            await inbox.pending_count(s) > 0
            or await outbox.depth(s) > 0
            or (due is not None and due <= services.clock.now())
        )


class Story:
    def __init__(self, emu: EmulatorServer, services: Services) -> None:
        self.emu = emu
        self.services = services
        self.seen = 0

    def say(self, who: str, text: str) -> None:
        print(f"\n  {NAMES[who]} ▶ {text}")

    async def show_new(self, timeout: float = 60.0) -> list[tuple[str, dict[str, Any]]]:  # noqa: ASYNC109
        """Print what the bot sent since last time, once it has nothing left to do (each step's webhook is
        stored before the emulator's send returns). Two quiet looks in a row: not between two commits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while quiet < 2 and loop.time() < deadline:
            quiet = 0 if await _busy(self.services) else quiet + 1
            await asyncio.sleep(0.05)
        new = self.emu.deliveries[self.seen :]
        self.seen = len(self.emu.deliveries)
        out = []
        for d in new:
            for m in d.messages:
                print(f"  🤖 → {NAMES.get(d.to, d.to)}:")
                for line in render(m):
                    print(f"      {line}")
                out.append((d.to, m))
        return out

    def button(self, to: str, label: str) -> str:
        for d in reversed(self.emu.deliveries):
            if d.to != to:
                continue
            for m in d.messages:
                found = _find(m, label)
                if found:
                    return found
        raise RuntimeError(f"no button {label} for {to}")


def _find(node: Any, label: str) -> str | None:
    if isinstance(node, dict):
        if node.get("type") == "postback" and label in str(node.get("label", "")):
            return str(node["data"])
        for v in node.values():
            if (r := _find(v, label)) is not None:
                return r
    elif isinstance(node, list):
        for v in node:
            if (r := _find(v, label)) is not None:
                return r
    return None


async def play(db_path: Path, *, serve: bool = False) -> None:
    # Serving: fixed loopback ports, so the simulator's address can be printed and bookmarked.
    emu_port = _port("SASAEAI_DEMO_EMULATOR_PORT", 8089) if serve else 0
    async with EmulatorServer(channel_secret=SECRET, access_token=TOKEN, port=emu_port) as emu:
        bot_port = _port("SASAEAI_DEMO_BOT_PORT", 8080) if serve else 0
        settings = Settings(
            line_channel_secret=SecretStr(SECRET),
            line_channel_access_token=SecretStr(TOKEN),
            line_api_base_url=emu.url,
            database_url=f"sqlite+aiosqlite:///{db_path}",
            message_merge_seconds=0,
            consult_phone=os.environ.get("CONSULT_PHONE", DEMO_CONSULT_PHONE),
            public_base_url=f"http://127.0.0.1:{bot_port or 8080}",
        )
        print("起動中（日本語モデルを読み込んでいます）…")
        # The story runs on a bot of its own (its own database, any free port); the browser gets a fresh one.
        runner, port, services = await _start(settings, 0)
        emu.webhook_url = f"http://127.0.0.1:{port}/callback"
        await _seed(services)
        emu.add_user(RESIDENT, "はなこ")
        for uid, name in SUPPORTERS.items():
            emu.add_user(uid, name)
        emu.add_group(GROUP, "長町サポーター", members=list(SUPPORTERS))
        emu.add_group(COORDINATORS, "コーディネーター", members=[])
        await _rich_menu(settings)
        st = Story(emu, services)
        print("\n=== 1. 金沢花子さんがボットを友だち追加して、登録します ===")
        await emu.send_follow(RESIDENT)
        await st.show_new()
        for words in ("ながまちにすんどります", "はい", "金沢花子です", "金沢市長町2丁目5-13", "076-123-4567"):
            st.say(RESIDENT, words)  # answered in her own words, the town in hiragana
            await emu.send_text(RESIDENT, words)
            await st.show_new()
        st.say(RESIDENT, "【はい、登録します】")
        await emu.send_postback(RESIDENT, st.button(RESIDENT, "はい"))
        await st.show_new()

        print("\n=== 2. 困りごとを、ふだんの言葉で ===")
        words = "台所の電球が切れてしもうた。明日の朝替えてもらえんけ"
        st.say(RESIDENT, words)
        await emu.send_text(RESIDENT, words)
        await st.show_new()
        st.say(RESIDENT, "ちがう、あさってや")
        await emu.send_text(RESIDENT, "ちがう、あさってや")
        await st.show_new()
        st.say(RESIDENT, "【はい、お願いします】")
        await emu.send_postback(RESIDENT, st.button(RESIDENT, "はい"))
        await st.show_new()

        print("\n=== 2b. はじめての方なので、地区の担当者がダッシュボードで確認して承認します ===")
        print("\n  長町の担当者（ダッシュボード） ▶ 【承認する】")
        async with services.db.session() as s:
            await approval.decide_by_line_id(
                s, line_user_id=RESIDENT, approve=True, by="長町の担当者", now=services.clock.now()
            )
        services.wake_scheduler()
        await st.show_new()

        print("\n=== 3. サポーターの二人が同時に「引き受けます」を押します（引き受けるのは一人だけ） ===")
        claim = st.button(GROUP, "引き受け")
        for uid in SUPPORTERS:
            st.say(uid, "【引き受けます】（グループで）")
        await asyncio.gather(*(emu.send_postback(uid, claim, group_id=GROUP) for uid in SUPPORTERS))
        await st.show_new()

        print("\n=== 4. サポーターと本人が、ボットを通して話します（LINE IDも電話番号もいりません） ===")
        winner = next(
            uid for uid in SUPPORTERS if any(d.to == uid and "完了" in str(d.messages) for d in emu.deliveries)
        )
        for who, words in (
            (RESIDENT, "だれがくるん？"),
            (winner, "あさって10時ごろ伺います"),
            (RESIDENT, "まっとります"),
        ):
            st.say(who, words)
            await emu.send_text(who, words)
            await st.show_new()

        print("\n=== 5. お手伝いが終わって「完了」 ===")
        st.say(winner, "【完了】")
        await emu.send_postback(winner, st.button(winner, "完了"))
        await st.show_new()

        print("\n=== 6. 緊急のときは、ボランティアには送らず、すぐに119番の案内と担当者への連絡 ===")
        words = "ころんでたてない　たすけて"
        st.say(RESIDENT, words)
        await emu.send_text(RESIDENT, words)
        await st.show_new()

        print("\n=== 7. 依頼の状況 ===")
        st.say(RESIDENT, "依頼の状況")
        await emu.send_text(RESIDENT, "依頼の状況")
        await st.show_new()
        problems = emu.violations
        print(f"\nLINE の公式仕様に照らした送信チェック：{problems if problems else '問題なし'}")
        await runner.cleanup()
        if not serve:
            return
        # A fresh database for the browser: its requests start at #1, not after the story's.
        sim_settings = settings.model_copy(
            update={"database_url": f"sqlite+aiosqlite:///{db_path.with_name('simulator.db')}", "simulator": True}
        )
        runner, port, services = await _start(sim_settings, bot_port)
        try:
            emu.webhook_url = f"http://127.0.0.1:{port}/callback"
            password = secrets.token_urlsafe(9)
            await _seed(services, resident=True, coordinator_password=password)
            print(f"\nコーディネーターのダッシュボード：http://127.0.0.1:{port}/dashboard/")
            print(f"  ログイン名 {DEMO_LOGIN} ／ パスワード {password} （このデモの間だけ使えます）")
            print(f"\nブラウザで試せます：http://127.0.0.1:{port}/simulator （Ctrl-C で終わります）")
            await asyncio.Event().wait()
        finally:
            print("\n終了しています…（数秒かかります）")
            await runner.cleanup()


DEMO_LOGIN = "demo"


async def _start(settings: Settings, port: int) -> tuple[web.AppRunner, int, Services]:
    # The simulator's clock: the wall clock until a visitor presses 時間をすすめる.
    app = create_app(settings, clock=SimulatorClock())
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, bound, app[SERVICES]


async def _seed(services: Any, *, resident: bool = False, coordinator_password: str | None = None) -> None:
    """The demo's district, groups and supporters; for the browser also the resident (registered in the
    story) and a coordinator account for the dashboard."""
    from bot.store import coordinators

    now = SystemClock().now()
    async with services.db.session() as s:
        await people.add_district(s, code="NAGAMACHI", name="長町", towns=["長町", "中央通町", "長土塀"], now=now)
        await people.bind_group(s, group_id=GROUP, district_code="NAGAMACHI", now=now)
        await people.bind_group(s, group_id=COORDINATORS, district_code=None, now=now)
        for uid, name in SUPPORTERS.items():
            await people.add_supporter(s, line_user_id=uid, district_code="NAGAMACHI", name=name, now=now)
        if resident:
            await people.add_resident(
                s, line_user_id=RESIDENT, district_code="NAGAMACHI", name="金沢花子", town="長町", now=now
            )
        if coordinator_password:
            await coordinators.add(
                s,
                login=DEMO_LOGIN,
                name="長町 コーディネーター",
                password=coordinator_password,
                districts=["NAGAMACHI"],
                is_admin=False,
                now=now,
            )


def main(serve: bool | None = None) -> None:
    """`serve`: keep the bot and emulator running for the browser simulator (default unless
    SASAEAI_DEMO_SERVE=0; `sasaeai demo --no-serve` prints the story and exits)."""
    if serve is None:
        serve = os.environ.get("SASAEAI_DEMO_SERVE", "1") != "0"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(os.environ.get("SASAEAI_DEMO_DB", Path(tmp) / "demo.db"))
        try:
            asyncio.run(play(path, serve=serve))
        except KeyboardInterrupt:
            print("\nおしまい。")
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            raise SystemExit(
                f"sasaeai demo: {e.strerror or e}: a port is taken; set SASAEAI_DEMO_BOT_PORT or "
                "SASAEAI_DEMO_EMULATOR_PORT, or run with --no-serve"
            ) from None


# --- Serving the simulator after the story (bot/simulator/) -------------------------------------------

DEMO_CONSULT_PHONE = "076-000-0000"  # a placeholder: the simulator only shows what would be dialled


def _port(env: str, default: int) -> int:
    return int(os.environ.get(env, str(default)))


async def _rich_menu(settings: Settings) -> None:
    """The residents' rich menu, so the simulator shows it under the resident's chat."""
    from bot import richmenu

    try:
        await richmenu.setup(settings, say=lambda _line: None)
    except richmenu.RichMenuError as e:
        print(f"（リッチメニューは作れませんでした：{e}）")
