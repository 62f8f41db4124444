"""What operators watch: Prometheus figures at /metrics and JSON log lines (LOG_FORMAT=json)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.emulator import EmulatorServer
from tests.conftest import SECRET, TOKEN, Bot, World, find_action
from tests.test_scale import die_with_parent, free_port


async def scrape(url: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as r:
        assert r.status == 200
        text = await r.text()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def total(samples: dict[str, float], name: str) -> float:
    return sum(v for k, v in samples.items() if k == name or k.startswith(name + "{"))


async def test_metrics_follow_a_request_from_webhook_to_group(bot: Bot, emu: EmulatorServer, world: World) -> None:
    before = await scrape(bot.url)
    await emu.send_text(world.resident, "明日の朝、雪すかしお願いしたいがや")
    confirm = await emu.wait_for_messages(world.resident, 1)
    await emu.send_postback(world.resident, find_action(confirm, "はい")["data"])
    post = await emu.wait_for_messages(world.group, 1)
    await emu.wait_for_messages(world.resident, 2)

    after = await scrape(bot.url)
    # Counters are per process (tests share one): compare with before.
    assert total(after, "sasaeai_events_received_total") - total(before, "sasaeai_events_received_total") == 2
    assert total(after, "sasaeai_events_handled_total") - total(before, "sasaeai_events_handled_total") >= 2
    assert after["sasaeai_webhook_seconds_count"] - before["sasaeai_webhook_seconds_count"] == 2
    assert after["sasaeai_handle_seconds_count"] > before.get("sasaeai_handle_seconds_count", 0)
    assert after["sasaeai_nlp_seconds_count"] > before.get("sasaeai_nlp_seconds_count", 0)
    assert total(after, "sasaeai_outbox_sent_total") - total(before, "sasaeai_outbox_sent_total") >= 3
    assert after["sasaeai_loop_lag_seconds_count"] > 0
    # Gauges are read from this test's database at each scrape.
    assert after["sasaeai_unclaimed_requests"] == 1
    assert after["sasaeai_inbox_depth"] == 0

    await emu.send_postback(world.supporters[0], find_action(post, "引き受け")["data"], group_id=world.group)
    await emu.wait_for_messages(world.supporters[0], 1)
    for _ in range(50):
        if (await scrape(bot.url))["sasaeai_unclaimed_requests"] == 0:
            break
        await asyncio.sleep(0.1)
    final = await scrape(bot.url)
    assert final["sasaeai_unclaimed_requests"] == 0
    assert final["sasaeai_outbox_depth"] >= 0


async def test_json_logs_are_one_object_a_line_without_personal_data(tmp_path: Path, emu: EmulatorServer) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL", "SASAEAI_", "LOG_"))}
    env |= {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": emu.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                assert proc.poll() is None
                try:
                    async with http.get(f"{url}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        # A stranger writes personal details; nothing of it may reach the logs.
        emu.webhook_url = f"{url}/callback"
        emu.add_user("U" + "e" * 32, "金沢花子")
        await emu.send_text("U" + "e" * 32, "金沢花子です。電話は076-123-4567、長町2丁目5-13に住んどります")
        await emu.wait_for_messages("U" + "e" * 32, 1, timeout=10)
        status, _ = await emu.send_raw(b'{"events": []}', "forged")
        assert status == 400
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    lines = [line for line in out.decode().splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for rec in records:
        assert {"asctime", "level", "name", "message"} <= rec.keys(), rec
    assert any(rec["message"] == "ready" for rec in records)
    everything = "\n".join(lines)
    for secret in ("金沢花子", "076-123-4567", "長町2丁目"):
        assert secret not in everything
