"""What every benchmark shares: fresh databases, the bot as a real server process, metrics scraping, the machine."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import platform
import pstats
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import psutil

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench0123456789abcdef0123456789ab"
TOKEN = "bench-access-token-for-the-emulator-0001"
PG_ADMIN = os.environ.get("SASAEAI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quantile(values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile (no interpolation): p99 of 100 values is the 99th smallest."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))
    return ordered[k]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds of durations given in seconds."""
    return {
        "n": len(values),
        "p50": round(quantile(values, 0.50) * 1000, 1),
        "p95": round(quantile(values, 0.95) * 1000, 1),
        "p99": round(quantile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1) if values else float("nan"),
    }


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = psutil.virtual_memory().total / 2**30
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem:.1f} GiB",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def prioritise() -> str:
    """Run this benchmark (and the servers and load generators it starts, which inherit it) at a higher CPU
    priority when allowed, so other work on a shared machine disturbs the figures less. Every server measured
    gets the same priority, so the comparison stays fair. Returns what was done, for the report."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -10)
        return "nice -10 (servers, load generators and the emulator alike)"
    except (PermissionError, OSError):
        return "normal priority"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# --- databases ----------------------------------------------------------------------------------------


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


@contextlib.asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    """A new, empty database of `kind` ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sasaeai-bench-") as d:
            yield f"sqlite+aiosqlite:///{d}/bench.db"
        return
    name = f"sasaeai_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield _pg_url(name)
    finally:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def boosted_backends(url: str) -> AsyncIterator[None]:
    """While inside: give the PostgreSQL server processes serving the benchmark's database the benchmark's
    own priority (see `prioritise`), checking every second for new connections. Without this, on a shared
    machine the bot at nice -10 waits on backends at nice 0 and the figures measure the neighbours."""
    if not url.startswith("postgresql") or os.getpriority(os.PRIO_PROCESS, 0) >= 0:
        yield
        return
    name = url.rsplit("/", 1)[1]
    done = asyncio.Event()

    async def loop() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            while not done.is_set():
                rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
                for row in rows:
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, row["pid"], os.getpriority(os.PRIO_PROCESS, 0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), 1.0)
        finally:
            await conn.close()

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        done.set()
        await asyncio.gather(task, return_exceptions=True)


async def migrate(url: str) -> None:
    from bot.store.db import Database
    from bot.store.migrate import upgrade

    db = Database(url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


# --- the bot as a real server process --------------------------------------------------------------------


def bot_env(*, line_api: str, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL", "SASAEAI_"))}
    env.update(
        {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_BASE_URL": line_api,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            # Servers run in an empty folder (no stray .env): import this checkout's bot, not an installed one.
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def processes(self) -> list[psutil.Process]:
        """The process and its children (with --workers N: the master and its workers)."""
        p = psutil.Process(self.pid)
        return [p, *p.children(recursive=True)]

    def rss_mb(self) -> dict[str, float]:
        out = {}
        for p in self.processes():
            with contextlib.suppress(psutil.Error):
                out[f"{p.pid}"] = round(p.memory_info().rss / 2**20, 1)
        return out

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far: a figure other load on the
        machine does not inflate, unlike latencies."""
        return round(sum(self.cpu_by_process().values()), 3)

    def cpu_by_process(self) -> dict[str, float]:
        """The same, per process (keyed by pid as `rss_mb` is): whether one process is the ceiling."""
        out = {}
        for p in self.processes():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                out[f"{p.pid}"] = t.user + t.system
        return out

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(f"{url}/healthz") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


def _die_with_parent() -> None:
    """The server gets SIGTERM if the benchmark dies (prctl PR_SET_PDEATHSIG): no servers left behind."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


async def start_process(
    argv: list[str], env: dict[str, str], port: int, name: str, workdir: Path | None = None, timeout: float = 90.0
) -> Proc:
    """Start a server process (in an empty working directory, so no stray .env is read) and wait for /healthz."""
    cwd = workdir or Path(tempfile.mkdtemp(prefix=f"sasaeai-{name}-"))
    log = cwd / f"{name}.log"
    fh = log.open("wb")
    popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    fh.close()
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, popen, log, timeout)
    except BaseException:
        popen.kill()
        popen.wait()
        raise
    return Proc(popen=popen, url=url, log=log)


async def start_bot(env: dict[str, str], *, workers: int = 1) -> Proc:
    port = free_port()
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if os.environ.get("BENCH_PROFILE"):  # a script that runs bot.cli.main under a profiler (finding hot spots)
        argv[1:3] = [os.environ["BENCH_PROFILE"]]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return await start_process(argv, env, port, "bot")


async def start_plain() -> Proc:
    """The plain line-bot-sdk app every edge figure is compared with (bench/baseline.py), in its own process."""
    port = free_port()
    argv = [sys.executable, str(Path(__file__).resolve().parent / "baseline.py"), "--port", str(port)]
    return await start_process([*argv, "--secret", SECRET], {}, port, "baseline")


def profile_report(path: Path, top: int, *restrictions: str) -> str:
    """A cProfile file as text: the `top` functions by cumulative time, then by own time; `restrictions`
    (pstats' regular expressions) narrow the cumulative list to the code of interest."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("cumulative").print_stats(*restrictions, top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- Prometheus scraping -----------------------------------------------------------------------------------

_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$")


async def scrape(url: str) -> dict[str, float]:
    """Every sample of /metrics as `name{labels}` → value."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as r:
        text = await r.text()
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            key = m["name"] + (f"{{{m['labels']}}}" if m["labels"] else "")
            out[key] = float(m["value"])
    return out


def histogram_quantile(before: dict[str, float], after: dict[str, float], name: str, q: float) -> float:
    """Quantile of the observations made between two scrapes, linearly interpolated inside its bucket
    (as Prometheus's histogram_quantile does)."""
    buckets: list[tuple[float, float]] = []
    for key, value in after.items():
        if key.startswith(f"{name}_bucket{{"):
            le = key.split('le="', 1)[1].split('"', 1)[0]
            bound = float("inf") if le == "+Inf" else float(le)
            buckets.append((bound, value - before.get(key, 0.0)))
    buckets.sort()
    if not buckets or buckets[-1][1] <= 0:
        return float("nan")
    total = buckets[-1][1]
    rank = q * total
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 0.0)
        lower, below = bound, count
    return lower


def metric_sum(samples: dict[str, float], name: str) -> float:
    return sum(v for k, v in samples.items() if k == name or k.startswith(name + "{"))


def fmt(value: float, unit: str = "ms") -> str:
    return "—" if value != value else f"{value:.1f} {unit}"  # NaN → dash


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- watching what the emulator delivered, for a thousand waiters at once ----------------------------------


class Deliveries:
    """Per-chat view of the emulator's deliveries for benchmarks with many simultaneous waiters.

    `EmulatorServer.wait_for_messages` wakes every waiter on every delivery and rescans all deliveries: fine
    for tests, quadratic with 1,000 residents waiting (it made the bench, not the bot, the bottleneck). This
    polls the delivery list every 10 ms and wakes only the chat concerned. Times come from each delivery's
    own `at` (the emulator's clock when it accepted the message), so the polling does not blur them.
    """

    def __init__(self, emu: Any) -> None:
        self._state = emu.state
        self._seen = 0
        self._by_chat: dict[str, list[dict[str, Any]]] = {}
        self._events: dict[str, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Deliveries:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _take(self) -> None:
        new = self._state.deliveries[self._seen :]
        self._seen += len(new)
        for d in new:
            msgs = self._by_chat.setdefault(d.to, [])
            msgs += [{**m, "via": d.via, "at": d.at} for m in d.messages]
            if d.to in self._events:
                self._events[d.to].set()

    async def _run(self) -> None:
        while True:
            self._take()
            await asyncio.sleep(0.01)

    def messages_to(self, chat: str) -> list[dict[str, Any]]:
        self._take()
        return list(self._by_chat.get(chat, []))

    async def wait(self, chat: str, count: int, timeout: float) -> list[dict[str, Any]]:
        event = self._events.setdefault(chat, asyncio.Event())
        async with asyncio.timeout(timeout):
            while len(self._by_chat.get(chat, [])) < count:
                event.clear()
                self._take()
                if len(self._by_chat.get(chat, [])) >= count:
                    break
                await event.wait()
        return list(self._by_chat[chat])
