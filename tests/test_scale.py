"""Several server processes on one PostgreSQL: each event handled once, each message sent once, one winner
per claim, each scheduled job run once. Real `python -m bot serve` processes, the LINE emulator, real sockets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.emulator.webhook import envelope
from bot.store import people
from bot.store.db import Database
from bot.store.models import HelpRequest, InboxEvent, Job, OutboxMessage
from tests.conftest import ROOT, SECRET, TOKEN, Bot, all_text, find_action, gid, pg_database, uid

DISTRICTS = 3
SUPPORTERS = 3  # per district
RESIDENTS = 8
WORDS = [
    "明日の朝、雪すかしお願いしたいがや",
    "台所の電球が切れてしもうた。明日の朝替えてもらえんけ",
    "明日、ゴミ出しを手伝ってほしいです",
]


@pytest.fixture
async def pg() -> AsyncIterator[str]:
    async with pg_database("sasaeai_scale") as url:
        yield url


def die_with_parent() -> None:
    """preexec_fn: the server gets SIGTERM if this test process dies, so a killed test run leaves no server
    behind (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(emu: EmulatorServer, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL", "SASAEAI_"))}
    env |= {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": emu.url,
        "DATABASE_URL": db_url,
        "MESSAGE_MERGE_SECONDS": "0.5",  # every resident's text becomes a merge job in the shared job table
        "SCHEDULER_INTERVAL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
        # The servers run in an empty folder (no stray .env): import this checkout's bot, not an installed one.
        "PYTHONPATH": str(ROOT),
    }
    return env | extra


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path


async def start_server(env: dict[str, str], tmp: Path, name: str, *extra_args: str) -> Server:
    port = free_port()
    log = tmp / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), *extra_args],
            env=env,
            cwd=tmp,  # no stray .env
            preexec_fn=die_with_parent,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        return await _healthy(proc, url, log, name)
    except BaseException:
        proc.kill()  # not left running behind a failed test
        proc.wait()
        raise


async def _healthy(proc: subprocess.Popen[bytes], url: str, log: Path, name: str) -> Server:
    async with aiohttp.ClientSession() as http:
        for _ in range(1200):  # model loading takes a few seconds, much longer on a busy machine
            assert proc.poll() is None, f"{name} exited: {log.read_text()[-2000:]}"
            try:
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        return Server(proc, url, log)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never became healthy: {log.read_text()[-2000:]}")


def stop(servers: list[Server]) -> None:
    for s in servers:
        if s.proc.poll() is None:
            s.proc.terminate()
    for s in servers:
        try:
            s.proc.wait(20)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait()
        print(f"--- {s.log.name} ---\n{s.log.read_text()[-3000:]}")  # shown when the test fails


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    stop(started)


async def post(http: aiohttp.ClientSession, emu: EmulatorServer, url: str, events: list[dict[str, Any]]) -> int:
    body = envelope(emu.state.bot_user_id, events)
    headers = {"Content-Type": "application/json", "X-Line-Signature": emu.sign(body)}
    async with http.post(f"{url}/callback", data=body, headers=headers) as r:
        return r.status


async def handled(url: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as r:
        text = await r.text()
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("sasaeai_events_handled_total{")
    )


async def setup_world(db_url: str, emu: EmulatorServer) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """Districts with a group and supporters each, residents spread over them. Returns residents,
    supporters by group, and each resident's group."""
    now = SystemClock().now()
    db = Database(db_url)
    residents: list[str] = []
    supporters: dict[str, list[str]] = {}
    group_of: dict[str, str] = {}
    try:
        async with db.session() as s:
            for d in range(DISTRICTS):
                code, group = f"D{d:02d}", gid(100 + d)
                await people.add_district(s, code=code, name=f"地区{d}", towns=[f"町{d}"], now=now)
                await people.bind_group(s, group_id=group, district_code=code, now=now)
                supporters[group] = [uid(1000 + d * 100 + i) for i in range(SUPPORTERS)]
                for i, sid in enumerate(supporters[group]):
                    await people.add_supporter(s, line_user_id=sid, district_code=code, name=f"支援{d}-{i}", now=now)
                    emu.add_user(sid, f"支援{d}-{i}")
                emu.add_group(group, f"地区{d}サポーター", members=supporters[group])
            await people.bind_group(s, group_id=gid(99), district_code=None, now=now)
            emu.add_group(gid(99), "コーディネーター", members=[])
            for r in range(RESIDENTS):
                d = r % DISTRICTS
                rid = uid(5000 + r)
                await people.add_resident(
                    s, line_user_id=rid, district_code=f"D{d:02d}", name=f"住民{r}", town=f"町{d}", now=now
                )
                emu.add_user(rid, f"住民{r}")
                residents.append(rid)
                group_of[rid] = gid(100 + d)
    finally:
        await db.dispose()
    return residents, supporters, group_of


async def test_two_processes_share_one_postgresql_exactly_once(
    pg: str, emu: EmulatorServer, servers: list[Server], tmp_path: Path
) -> None:
    residents, supporters, group_of = await setup_world(pg, emu)
    env = server_env(emu, pg)
    servers += await asyncio.gather(start_server(env, tmp_path, "a"), start_server(env, tmp_path, "b"))
    a, b = servers
    sent: list[dict[str, Any]] = []

    async with aiohttp.ClientSession() as http:

        async def deliver(i: int, events: list[dict[str, Any]]) -> None:
            # Every body goes to one process and, as a redelivery, to the other: only one may store it.
            first, second = (a, b) if i % 2 == 0 else (b, a)
            sent.extend(events)
            assert await post(http, emu, first.url, events) == 200
            again = [{**e, "deliveryContext": {"isRedelivery": True}} for e in events]
            assert await post(http, emu, second.url, again) == 200

        # 1. Every resident asks at once, half through each process.
        await asyncio.gather(
            *(deliver(i, [emu.events.text(r, WORDS[i % len(WORDS)])]) for i, r in enumerate(residents))
        )
        confirms = {r: (await emu.wait_for_messages(r, 1, timeout=30))[0] for r in residents}

        # 2. Everyone says はい; the requests reach their districts' groups.
        await asyncio.gather(
            *(
                deliver(i, [emu.events.postback(r, find_action([confirms[r]], "はい")["data"])])
                for i, r in enumerate(residents)
            )
        )
        per_group = Counter(group_of.values())
        posts = {g: await emu.wait_for_messages(g, n, timeout=30) for g, n in per_group.items()}

        # 3. In each group, every supporter presses 引き受け on every request at once, through both processes.
        presses = []
        for g, msgs in posts.items():
            for post_msg in msgs:
                claim = find_action([post_msg], "引き受け")["data"]
                presses += [[emu.events.postback(s, claim, group_id=g)] for s in supporters[g]]
        await asyncio.gather(*(deliver(i, ev) for i, ev in enumerate(presses)))

    # Let both processes finish what they took on: everything stored is handled and sent.
    db = Database(pg)
    try:
        for _ in range(300):
            async with db.session() as s:
                waiting = (await s.exec(select(InboxEvent).where(InboxEvent.status == "pending"))).all()
                unsent = (await s.exec(select(OutboxMessage).where(OutboxMessage.status == "pending"))).all()
                jobs_left = (await s.exec(select(Job).where(Job.status == "pending"))).all()
            if not waiting and not unsent and not jobs_left:
                break
            await asyncio.sleep(0.1)
        async with db.session() as s:
            events = (await s.exec(select(InboxEvent))).all()
            jobs = (await s.exec(select(Job))).all()
            requests = (await s.exec(select(HelpRequest))).all()
            outbox = (await s.exec(select(OutboxMessage))).all()
    finally:
        await db.dispose()

    # Every event stored once (the redelivery to the other process found it there) and handled once.
    assert len(events) == len({e["webhookEventId"] for e in sent})
    assert {e.status for e in events} == {"done"}
    counts = [await handled(a.url), await handled(b.url)]
    assert sum(counts) == len(events), counts
    assert all(c > 0 for c in counts), f"both processes should have handled events: {counts}"

    # Each merge job ran once: claimed once (attempts counts claims) and done.
    merge_jobs = [j for j in jobs if j.kind == "merge"]
    assert len(merge_jobs) == RESIDENTS
    assert all(j.status == "done" and j.attempts == 1 for j in merge_jobs), [(j.status, j.attempts) for j in jobs]

    # Nothing sent twice: one delivery per outbox row, no retry key LINE had to refuse as repeated.
    assert {m.status for m in outbox} == {"sent"}
    keys = [d.retry_key for d in emu.deliveries if d.retry_key]
    assert len(keys) == len(set(keys))
    assert not [c for c in emu.state.api_calls if c.status == 409]
    for r in residents:
        confirmations = [m for m in emu.messages_to(r) if "お手伝いですね" in all_text(m)]
        assert len(confirmations) == 1, r

    # One winner per request, and the losers were told kindly.
    assert len(requests) == RESIDENTS
    assert all(req.status == "claimed" and req.supporter_id is not None for req in requests)
    for g, members in supporters.items():
        wins = sum(1 for s in members for m in emu.messages_to(s) if "引き受けてくださり" in all_text(m))
        assert wins == per_group[g]
    emu.assert_no_violations()


async def test_workers_share_one_port(pg: str, emu: EmulatorServer, servers: list[Server], tmp_path: Path) -> None:
    residents, _, _ = await setup_world(pg, emu)
    servers.append(await start_server(server_env(emu, pg), tmp_path, "workers", "--workers", "2"))
    import psutil

    workers = psutil.Process(servers[0].proc.pid).children()
    # Two handling workers and the edge that answers the port (bot/serve.py).
    assert sorted(w.environ().get("SASAEAI_PROCESS", "?") for w in workers) == ["edge", "worker", "worker"]
    async with aiohttp.ClientSession() as http:
        for r in residents[:6]:
            # A fresh connection each time, so the kernel spreads them over both workers.
            async with aiohttp.ClientSession() as one:
                assert await post(one, emu, servers[0].url, [emu.events.text(r, WORDS[0])]) == 200
        del http
    for r in residents[:6]:
        await emu.wait_for_messages(r, 1, timeout=30)
    # Whichever worker answers /metrics, it reports the figures of both.
    async with aiohttp.ClientSession() as http, http.get(f"{servers[0].url}/metrics") as resp:
        text = await resp.text()
    received = [line for line in text.splitlines() if line.startswith("sasaeai_events_received_total ")]
    assert received and float(received[0].split()[1]) == 6, received
    servers[0].proc.terminate()
    assert servers[0].proc.wait(30) == 0
    assert all(not w.is_running() or w.status() == psutil.STATUS_ZOMBIE for w in workers)


def test_several_workers_on_sqlite_are_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL"))}
    env |= {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--workers > 1 needs PostgreSQL" in out.stderr


async def test_group_commit_stores_a_huge_body_and_concurrent_duplicates_once(bot: Bot, emu: EmulatorServer) -> None:
    """The inbox writer batches concurrent webhook requests into one transaction: a body larger than one
    INSERT may carry, and the same events arriving twice in one batch, are each stored exactly once."""
    group = gid(7)

    def chatter(n: int) -> list[dict[str, Any]]:
        return [emu.events.text(uid(8000 + i % 50), "おはようございます", group_id=group) for i in range(n)]

    async with aiohttp.ClientSession() as http:
        huge = chatter(1500)
        assert await post(http, emu, bot.url, huge) == 200
        bodies = [chatter(3) for _ in range(40)]
        statuses = await asyncio.gather(
            *(post(http, emu, bot.url, b) for b in bodies), *(post(http, emu, bot.url, b) for b in bodies)
        )
    assert set(statuses) == {200}
    async with bot.db.session() as s:
        keys = (await s.exec(select(InboxEvent.event_key))).all()
    sent = {e["webhookEventId"] for e in huge} | {e["webhookEventId"] for b in bodies for e in b}
    assert len(keys) == len(set(keys)) == len(sent) == 1620
    assert set(keys) == sent
