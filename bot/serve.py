"""Running the server: the edge and the handling in separate processes, sharing only the database.

The edge (verify the signature, store the events in the inbox, answer 200; also the dashboard) runs in its
own process(es). Handling (dispatcher, NLP, sender, scheduler) runs in worker process(es) at a lower CPU
priority (os.nice), so however long the backlog, LINE's requests are answered first and the NLP never runs
(or is even imported) in the edge's interpreter. Edges and workers need no coordination of their own: the
inbox, the outbox and the job table hand each event, message and job to one process through leases and
conditional updates, and a worker learns of new rows by looking at the database (bot/workers/poller.py).
So they may run on different hosts: `--role edge` on one, `--role worker` on others.

SQLite (the embedded default) runs one edge and one worker: WAL lets the worker read beside the edge's writes
and the busy timeout makes each wait its turn at the single write lock; more processes would only queue there.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any, Literal

from aiohttp import web

from bot.config import ConfigError, Settings, safe_database_url
from bot.store.db import Database, is_sqlite
from bot.store.migrate import upgrade

log = logging.getLogger(__name__)

RESTARTS_PER_MINUTE = 5  # a process that keeps dying is a bug or a broken setup: stop instead of looping
STOP_GRACE_SECONDS = 25.0
SUPERVISOR_ENV = "SASAEAI_SUPERVISOR_PID"  # set for each child: it stops when this process is gone
PROCESS_ENV = "SASAEAI_PROCESS"  # set for each child: "edge" or "worker", the one thing it runs
# At the group's start: a worker writes a byte to this pipe once it handles events; an edge reads one from it
# before it listens. So the port answers when the whole server is ready, as with one process, while both
# start side by side (a worker loads the NLP model meanwhile).
HANDSHAKE_ENV = "SASAEAI_HANDSHAKE_FD"

ServeRole = Literal["all", "edge", "worker", "single"]
Kind = Literal["edge", "worker"]


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    role: ServeRole | None = None,
    edges: int | None = None,
    workers: int | None = None,
    reuse_port: bool = False,
) -> None:
    from bot import logs

    logs.setup(settings.log_level, settings.log_format)
    if os.environ.get(SUPERVISOR_ENV):
        _exit_with_supervisor(int(os.environ[SUPERVISOR_ENV]))
    child = os.environ.get(PROCESS_ENV)
    if child in ("edge", "worker"):
        _run_one(settings, "edge" if child == "edge" else "worker", host, port, reuse_port=reuse_port)
        return
    settings.require_line_credentials()  # here, not in each child: a bad secret is one plain line, not restarts
    role = role or settings.serve_role
    n_edges = edges or settings.edge_processes
    n_workers = workers or settings.worker_processes
    if role == "single":
        _run_one(settings, "single", host, port, reuse_port=reuse_port)
        return
    if is_sqlite(settings.database_url) and (n_workers > 1 or n_edges > 1):
        raise ConfigError(
            "--workers > 1 needs PostgreSQL: SQLite lets one process write at a time, so more processes would "
            "only queue on its lock. Set DATABASE_URL=postgresql+asyncpg://… or run one edge and one worker."
        )
    plan: list[Kind] = []
    if role in ("all", "worker"):
        plan += ["worker"] * n_workers
    if role in ("all", "edge"):
        plan += ["edge"] * n_edges
    if len(plan) == 1:  # one edge or one worker on this host: no supervisor needed
        _run_one(settings, plan[0], host, port, reuse_port=reuse_port)
        return
    # Migrate once, before any process starts: processes migrating side by side would race to create tables.
    asyncio.run(_migrate(settings.database_url))
    if "edge" in plan or role == "worker":
        _check_port(host, port)
    # Workers of "all" need no port (the edge answers health and metrics for the group); workers alone on
    # a host listen on it, for their health checks and metrics.
    sys.exit(Supervisor(host, port, plan, workers_listen=role == "worker").run())


def _run_one(
    settings: Settings, kind: Literal["edge", "worker", "single"], host: str, port: int, *, reuse_port: bool
) -> None:
    from bot.app import create_app

    app = create_app(settings, role=kind)
    nice = settings.worker_nice if kind == "worker" else 0
    asyncio.run(
        _run_app(app, host, port if port > 0 else None, reuse_port=reuse_port, nice=nice, worker=kind == "worker")
    )


async def _run_app(
    app: web.Application, host: str, port: int | None, *, reuse_port: bool, nice: int, worker: bool
) -> None:
    """Start the app (its resources and loops), listen if given a port, and on SIGTERM or SIGINT
    stop gracefully: stop listening, let requests finish, then the app's own shutdown (drain, hand back)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=10)
    await runner.setup()  # a SIGTERM while the model loads is seen below, once setup is done
    if nice:
        # Handling gives way to the edge: the kernel gives the CPU to the edge first whenever both want it.
        # Only now, after start-up, so loading the model is not starved by everything else on the machine.
        lower_priority(nice)
    handshake = os.environ.get(HANDSHAKE_ENV)
    try:
        if handshake is not None and worker:  # say it is ready
            with contextlib.suppress(OSError):
                os.write(int(handshake), b"1")
            os.close(int(handshake))
        elif handshake is not None:  # an edge: wait until the workers are ready
            await _readable(int(handshake), stopping)
        if port is not None and not stopping.is_set():
            await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        await stopping.wait()
    finally:
        await runner.cleanup()


async def _readable(fd: int, stopping: asyncio.Event) -> None:
    """Until the supervisor writes (or closes) its end of the pipe, or we are asked to stop."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, readable)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        waiters: set[asyncio.Future[Any]] = {ready, stop}
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(fd)
        stop.cancel()
        os.close(fd)


def lower_priority(increment: int) -> None:
    """os.nice for the whole process: on Linux a nice value belongs to each thread, and the NLP's executor
    thread (bot/analysis.py) already runs; threads started later inherit it from their starter."""
    try:
        threads = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:  # not Linux: the process's value is everyone's
        os.nice(increment)
        return
    for tid in threads:
        with contextlib.suppress(OSError):  # a thread that just ended
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))


def _check_port(host: str, port: int) -> None:
    """Bind the port as the children will (SO_REUSEPORT) and let go: a port held by another program fails
    here with EADDRINUSE, once, instead of in each child over and over."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        probe.bind((host, port))


def _release(edges: list[int]) -> list[int]:
    """Tell waiting edges to listen: a byte down each pipe."""
    for fd in edges:
        with contextlib.suppress(OSError):
            os.write(fd, b"1")
        os.close(fd)
    return []


def _die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM the moment the supervisor dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _exit_with_supervisor(supervisor: int) -> None:
    """A worker whose supervisor is gone (killed with SIGKILL, say) stops too, gracefully, instead of
    serving on as an orphan nobody will stop."""

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        if await upgrade(db.engine):
            logging.getLogger(__name__).info(
                "database %s was empty: its tables were created now", safe_database_url(url)
            )
    finally:
        await db.dispose()


@dataclass
class _Child:
    kind: Kind
    proc: subprocess.Popen[bytes]


class Supervisor:
    """Starts the workers and the edges; restarts a process that dies; on SIGTERM or SIGINT stops them all
    gracefully (the edges answer what they took; the workers finish or hand back theirs)."""

    def __init__(self, host: str, port: int, plan: list[Kind], *, workers_listen: bool) -> None:
        self._host, self._port = host, port
        self._plan = plan
        self._workers_listen = workers_listen
        self._stopping = False
        self._deaths: list[float] = []

    def _argv(self, kind: Kind) -> list[str]:
        port = self._port if kind == "edge" or self._workers_listen else 0
        return [sys.executable, "-m", "bot", "serve", "--host", self._host, "--port", str(port), "--reuse-port"]

    def _spawn(self, kind: Kind, handshake: int | None = None) -> _Child:
        env = {**os.environ, SUPERVISOR_ENV: str(os.getpid()), PROCESS_ENV: kind}
        if handshake is not None:
            env[HANDSHAKE_ENV] = str(handshake)
        proc = subprocess.Popen(  # noqa: S603 — our own interpreter and module; inherits the environment, stdout and stderr (logs)
            self._argv(kind),
            env=env,
            pass_fds=() if handshake is None else (handshake,),
            preexec_fn=_die_with_parent,
        )
        return _Child(kind, proc)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        # Prometheus: each process writes its figures to files in one directory and any of them answers a
        # scrape with the sum (bot.metrics.exposition); a scrape through the shared port reaches one edge.
        own_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
        if own_dir:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sasaeai-metrics-")
        try:
            return self._supervise()
        finally:
            if own_dir:
                shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)

    def _supervise(self) -> int:
        # All at once (importing the bot takes seconds of CPU, the model more), but the edges listen only once
        # the workers are ready (HANDSHAKE_ENV); a process restarted later starts at once.
        children: list[_Child] = []
        ready: list[int] = []  # our ends of the workers' pipes
        go: list[int] = []  # our ends of the edges' pipes
        for kind in self._plan:
            r, w = os.pipe()
            children.append(self._spawn(kind, w if kind == "worker" else r))
            os.close(w if kind == "worker" else r)
            (ready if kind == "worker" else go).append(r if kind == "worker" else w)
        if not ready:  # edges only (the workers run elsewhere)
            go = _release(go)
        log.info("started %s", ", ".join(f"{c.kind} {c.proc.pid}" for c in children))
        status = 0
        while not self._stopping:
            if ready:  # a ready byte, or end of file from a worker that died (it is restarted below)
                done = select.select(ready, [], [], 0.5)[0]
                for fd in done:
                    ready.remove(fd)
                    os.close(fd)
                if not ready:
                    go = _release(go)
            else:
                time.sleep(0.5)
            for i, c in enumerate(children):
                if c.proc.poll() is None or self._stopping:
                    continue
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < 60] + [now]
                if len(self._deaths) > RESTARTS_PER_MINUTE:
                    log.error("processes keep exiting (last code %s); stopping", c.proc.returncode)
                    self._stopping, status = True, 1
                    break
                log.warning("%s %d exited with %s; starting another", c.kind, c.proc.pid, c.proc.returncode)
                children[i] = self._spawn(c.kind)
        for fd in ready + go:
            os.close(fd)
        # All at once: an edge stops in about a second; a worker lets its events finish, sends what is due and
        # hands back its leases, bounded by its own timeouts (bot/app.py: 8 s to finish events, 8 s for the sender's
        # round, 2 s to send what is due), so the wait here is longer, and within compose's and systemd's 30 s.
        for c in children:
            if c.proc.poll() is None:
                c.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for c in children:
            try:
                c.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s %d did not stop within %.0f s; killed", c.kind, c.proc.pid, STOP_GRACE_SECONDS)
                c.proc.kill()
                c.proc.wait()
        return status
