"""The edge and the handling in separate processes that share only the database (issue 16): an edge-only
`sasaeai serve --role edge` and a worker-only `sasaeai serve --role worker`, real processes, the LINE emulator,
real sockets. Each event is handled once and each message sent once; the NLP never enters the edge."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from sqlmodel import select

from bot.clock import SystemClock
from bot.emulator import EmulatorServer
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import HelpRequest, InboxEvent, OutboxMessage
from tests.conftest import all_text, find_action, settled_db
from tests.test_metrics import scrape
from tests.test_scale import RESIDENTS, WORDS, Server, post, server_env, setup_world, start_server, stop


def mapped_libraries(pid: int) -> set[str]:
    """Files mapped into a process: an imported compiled module (spaCy's, SudachiPy's) shows up here."""
    return {m.path for m in psutil.Process(pid).memory_maps() if m.path}


def nlp_libraries(pid: int) -> set[str]:
    return {p for p in mapped_libraries(pid) if "/spacy/" in p or "/sudachipy/" in p or "/thinc/" in p}


def nlp_process(worker_pid: int) -> psutil.Process:
    """The worker's NLP process: the one child of the worker with the NLP's libraries mapped."""
    found = [c for c in psutil.Process(worker_pid).children() if nlp_libraries(c.pid)]
    assert len(found) == 1, found
    return found[0]


@asynccontextmanager
async def worker_and_edge(env: dict[str, str], tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    """`sasaeai serve --role worker` and `--role edge`, two processes sharing only the database; both stopped
    on the way out."""
    started: list[Server] = []
    try:
        started.append(await start_server(env, tmp_path, "worker", "--role", "worker"))
        started.append(await start_server(env, tmp_path, "edge", "--role", "edge"))
        yield started[0], started[1]
    finally:
        stop(started)


async def test_an_edge_and_a_worker_sharing_only_the_database_handle_each_event_once(
    db_url: str, emu: EmulatorServer, tmp_path: Path
) -> None:
    db = Database(db_url)
    await upgrade(db.engine)  # both copies are migrated already: a no-op, kept so the test holds on an empty file
    await db.dispose()
    residents, supporters, group_of = await setup_world(db_url, emu)
    async with worker_and_edge(server_env(emu, db_url), tmp_path) as (worker, edge):
        # The NLP runs in a child process of the worker, which shares no GIL with the worker's loop; neither the
        # edge nor the worker's own interpreter imported it (they map none of its libraries).
        nlp = nlp_process(worker.proc.pid)
        assert nlp_libraries(nlp.pid), "the check must see the NLP where it is loaded"
        assert nlp_libraries(worker.proc.pid) == set()
        assert nlp_libraries(edge.proc.pid) == set()
        assert psutil.Process(worker.proc.pid).nice() > psutil.Process(edge.proc.pid).nice()
        assert nlp.nice() >= psutil.Process(worker.proc.pid).nice()  # it gives way to the edge too

        sent: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as http:

            async def deliver(events: list[dict[str, Any]]) -> None:
                # Each body twice, the second as LINE's redelivery: stored (and handled) once.
                sent.extend(events)
                assert await post(http, emu, edge.url, events) == 200
                again = [{**e, "deliveryContext": {"isRedelivery": True}} for e in events]
                assert await post(http, emu, edge.url, again) == 200

            # The worker has no webhook: events reach it only through the database.
            assert await post(http, emu, worker.url, [emu.events.text(residents[0], WORDS[0])]) == 404

            await asyncio.gather(
                *(deliver([emu.events.text(r, WORDS[i % len(WORDS)])]) for i, r in enumerate(residents))
            )
            confirms = {r: (await emu.wait_for_messages(r, 1, timeout=60))[0] for r in residents}
            await asyncio.gather(
                *(deliver([emu.events.postback(r, find_action([confirms[r]], "はい")["data"])]) for r in residents)
            )
            per_group = Counter(group_of.values())
            posts = {g: await emu.wait_for_messages(g, n, timeout=60) for g, n in per_group.items()}
            presses = [
                [emu.events.postback(s, find_action([m], "引き受け")["data"], group_id=g)]
                for g, msgs in posts.items()
                for m in msgs
                for s in supporters[g]
            ]
            await asyncio.gather(*(deliver(p) for p in presses))

        db = Database(db_url)
        try:
            await settled_db(db, SystemClock(), handled=len(sent), timeout=120)
            async with db.session() as s:
                events = (await s.exec(select(InboxEvent))).all()
                requests = (await s.exec(select(HelpRequest))).all()
                outbox = (await s.exec(select(OutboxMessage))).all()
        finally:
            await db.dispose()

    assert len(events) == len({e["webhookEventId"] for e in sent})
    assert {e.status for e in events} == {"done"}
    assert {m.status for m in outbox} == {"sent"}
    keys = [d.retry_key for d in emu.deliveries if d.retry_key]
    assert len(keys) == len(set(keys))
    for r in residents:
        assert len([m for m in emu.messages_to(r) if "お手伝いですね" in all_text(m)]) == 1, r
    assert len(requests) == RESIDENTS
    assert all(req.status == "claimed" and req.supporter_id is not None for req in requests)
    for g, members in supporters.items():
        wins = sum(1 for s in members for m in emu.messages_to(s) if "引き受けてくださり" in all_text(m))
        assert wins == per_group[g]
    emu.assert_no_violations()


async def test_serve_runs_the_edge_and_a_niced_worker_as_separate_processes(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    """The default `sasaeai serve` on SQLite (the embedded default): a supervisor with one edge and one worker."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    residents: list[str] = []
    started: list[Server] = []
    try:
        db = Database(db_url)
        await upgrade(db.engine)
        await db.dispose()
        residents, _, _ = await setup_world(db_url, emu)
        started.append(await start_server(server_env(emu, db_url), tmp_path, "serve"))
        children = psutil.Process(started[0].proc.pid).children()
        kinds = sorted(c.environ().get("SASAEAI_PROCESS", "?") for c in children)
        assert kinds == ["edge", "worker"]
        by_kind = {c.environ()["SASAEAI_PROCESS"]: c for c in children}
        assert nlp_libraries(by_kind["edge"].pid) == set()
        async with aiohttp.ClientSession() as http:
            for r in residents[:4]:
                assert await post(http, emu, started[0].url, [emu.events.text(r, WORDS[0])]) == 200
        for r in residents[:4]:
            await emu.wait_for_messages(r, 1, timeout=60)
        # Handling answered, so the worker is ready, and once ready it gives way to the edge.
        assert by_kind["worker"].nice() >= by_kind["edge"].nice() + 10
        # The group's metrics (summed over its processes) tell the edge's loop and write lock from handling's.
        seen = await scrape(started[0].url)
        assert seen["sasaeai_edge_loop_lag_seconds_count"] > 0
        assert seen["sasaeai_loop_lag_seconds_count"] > 0
        assert seen['sasaeai_db_write_hold_seconds_count{process="edge"}'] >= 1
        assert seen['sasaeai_db_write_hold_seconds_count{process="handling"}'] >= 4
        started[0].proc.terminate()
        assert started[0].proc.wait(60) == 0
        assert all(not c.is_running() or c.status() == psutil.STATUS_ZOMBIE for c in children)
    finally:
        stop(started)


async def test_on_sqlite_the_edge_writes_before_a_worker_waiting_with_it(tmp_path: Path) -> None:
    """Two processes' writers, as two Database objects on one file (flock locks are per open file, so this is
    the same contention): while a worker holds the write lock, an edge and another worker transaction wait;
    the edge goes first. Left to SQLite's busy handler, the sleeping edge would lose to the worker."""
    import fcntl

    from sqlalchemy import text

    from tests.conftest import eventually

    path = tmp_path / "turns.db"
    worker, edge = Database(f"sqlite+aiosqlite:///{path}"), Database(f"sqlite+aiosqlite:///{path}", edge=True)
    order: list[str] = []
    release = asyncio.Event()

    async def write(db: Database, label: str, hold: bool = False) -> None:
        async with db.session() as s:
            conn = await s.connection()
            await conn.execute(text("CREATE TABLE IF NOT EXISTS t (label TEXT)"))
            await conn.execute(text("INSERT INTO t VALUES (:label)"), {"label": label})
            order.append(label)
            if hold:
                await release.wait()

    def edge_waiting() -> bool:
        with open(f"{path}.edge", "rb") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False

    try:
        first = asyncio.create_task(write(worker, "worker 1", hold=True))
        await eventually(lambda: order == ["worker 1"], "the worker holds the write lock")
        waiting = [asyncio.create_task(write(edge, "edge")), asyncio.create_task(write(worker, "worker 2"))]
        await eventually(edge_waiting, "the edge waits for its turn")
        release.set()
        await asyncio.gather(first, *waiting)
    finally:
        await worker.dispose()
        await edge.dispose()
    assert order == ["worker 1", "edge", "worker 2"]


async def test_a_worker_replaces_its_nlp_process_when_it_dies_and_loses_no_message(
    db_url: str, emu: EmulatorServer, tmp_path: Path
) -> None:
    """The NLP process killed (as the kernel's out-of-memory killer would): the worker starts a new one, and
    the residents' messages that arrive after it are answered, each once."""
    residents, _, _ = await setup_world(db_url, emu)
    async with worker_and_edge(server_env(emu, db_url), tmp_path) as (worker, edge):
        first = nlp_process(worker.proc.pid)
        first.kill()
        first.wait(30)
        async with aiohttp.ClientSession() as http:
            for i, r in enumerate(residents[:3]):
                assert await post(http, emu, edge.url, [emu.events.text(r, WORDS[i])]) == 200
        for r in residents[:3]:
            await emu.wait_for_messages(r, 1, timeout=90)
        second = nlp_process(worker.proc.pid)
        assert second.pid != first.pid
        assert worker.proc.poll() is None
    for r in residents[:3]:
        assert len([m for m in emu.messages_to(r) if "お手伝いですね" in all_text(m)]) == 1, r
    emu.assert_no_violations()


async def test_on_sqlite_the_write_lock_holder_runs_its_statements_on_the_loop_thread(tmp_path: Path) -> None:
    """Handing each call to aiosqlite's thread and back made a write transaction hold SQLite's one lock for
    ~13 ms under a burst (bench/e2e.py); once the lock is held, statements run on the loop's thread. Reads
    outside a write (the dashboard's may be long) and the BEGIN IMMEDIATE that may wait still use the thread."""
    import threading

    from sqlalchemy import event, text

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")

    @event.listens_for(db.engine.sync_engine, "connect")
    def _thread_fn(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.create_function("thread_id", 0, threading.get_ident)

    loop_thread = threading.get_ident()
    try:
        async with db.session() as s:
            in_write = (await s.exec(text("SELECT thread_id()"))).scalar_one()  # type: ignore[call-overload]
            await s.exec(text("CREATE TABLE t (x INTEGER)"))  # type: ignore[call-overload]
            await s.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]
        async with db.read() as s:
            in_read = (await s.exec(text("SELECT thread_id()"))).scalar_one()  # type: ignore[call-overload]
            rows = (await s.exec(text("SELECT count(*) FROM t"))).scalar_one()  # type: ignore[call-overload]
        # After a write, the connection is back in the pool and its next user's reads go to the thread again.
        async with db.read() as s:
            again = (await s.exec(text("SELECT thread_id()"))).scalar_one()  # type: ignore[call-overload]
    finally:
        await db.dispose()
    assert in_write == loop_thread
    assert in_read != loop_thread and again != loop_thread
    assert rows == 1  # committed


async def test_on_sqlite_a_write_waits_for_another_process_off_the_loop(tmp_path: Path) -> None:
    """The BEGIN IMMEDIATE of a writer that has its turn runs on the loop's thread too, without waiting: a
    process outside our turns (the CLI) may hold the lock, and then the write waits in aiosqlite's thread
    while the loop goes on, and takes the lock once that process commits."""
    import subprocess
    import sys

    from sqlalchemy import text

    from bot.metrics import METRICS

    taken_before = METRICS.write_lock_taken._value.get()
    path = tmp_path / "busy.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session() as s:
            await s.exec(text("CREATE TABLE t (x INTEGER)"))  # type: ignore[call-overload]
        with subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE'); c.execute('INSERT INTO t VALUES (1)')\n"
                "print('holding', flush=True); sys.stdin.readline(); c.execute('COMMIT')\n",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as holder:
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline().strip() == "holding"

            async def write() -> None:
                async with db.session() as s:
                    await s.exec(text("INSERT INTO t VALUES (2)"))  # type: ignore[call-overload]

            writing = asyncio.create_task(write())
            ticks = 0
            while ticks < 20:  # the loop keeps turning while the write waits for the other process
                await asyncio.sleep(0.01)
                ticks += 1
            assert not writing.done()
            holder.stdin.write("\n")
            holder.stdin.flush()
            await asyncio.wait_for(writing, 30)
            assert holder.wait(30) == 0
        async with db.read() as s:
            rows = (await s.exec(text("SELECT x FROM t ORDER BY x"))).all()  # type: ignore[call-overload]
    finally:
        await db.dispose()
    assert [r[0] for r in rows] == [1, 2]
    assert METRICS.write_lock_taken._value.get() - taken_before >= 1  # counted for the operators
