"""Running the server: one process, or N worker processes sharing one port (SO_REUSEPORT) on one PostgreSQL.

Each worker is a whole server — its own event loop, database pool, NLP model, dispatcher, sender and
scheduler. They need no coordination of their own: the inbox, the outbox and the job table hand each
event, message and job to one process through leases and conditional updates in the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from types import FrameType

from aiohttp import web

from bot.config import ConfigError, Settings, safe_database_url
from bot.store.db import Database, is_sqlite
from bot.store.migrate import upgrade

log = logging.getLogger(__name__)

RESTARTS_PER_MINUTE = 5  # a worker that keeps dying is a bug or a broken setup: stop instead of looping
STOP_GRACE_SECONDS = 20.0
SUPERVISOR_ENV = "SASAEAI_SUPERVISOR_PID"  # set for each worker: it stops when this process is gone


def serve(settings: Settings, host: str, port: int, *, workers: int = 1, reuse_port: bool = False) -> None:
    from bot import logs
    from bot.app import create_app

    logs.setup(settings.log_level, settings.log_format)
    if os.environ.get(SUPERVISOR_ENV):
        _exit_with_supervisor(int(os.environ[SUPERVISOR_ENV]))
    if workers <= 1:
        app = create_app(settings)
        web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10, reuse_port=reuse_port or None)
        return
    if is_sqlite(settings.database_url):
        raise ConfigError(
            "--workers > 1 needs PostgreSQL: SQLite lets one process write at a time, so more processes would "
            "only queue on its lock. Set DATABASE_URL=postgresql+asyncpg://… or run one worker."
        )
    # Migrate once, before any worker starts: workers migrating side by side would race to create tables.
    asyncio.run(_migrate(settings.database_url))
    sys.exit(Supervisor(host, port, workers).run())


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


class Supervisor:
    """Starts the workers, restarts one that dies, and stops them all on SIGTERM or SIGINT."""

    def __init__(self, host: str, port: int, workers: int) -> None:
        self._argv = [sys.executable, "-m", "bot", "serve", "--host", host, "--port", str(port), "--reuse-port"]
        self._n = workers
        self._stopping = False
        self._deaths: list[float] = []

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, SUPERVISOR_ENV: str(os.getpid())}
        return subprocess.Popen(self._argv, env=env)  # noqa: S603 — our own interpreter and module; inherits the environment, stdout and stderr (logs)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        # Prometheus: each worker writes its figures to files in one directory and any of them answers a
        # scrape with the sum (bot.metrics.exposition); a scrape through the shared port reaches one worker.
        own_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
        if own_dir:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sasaeai-metrics-")
        try:
            return self._supervise()
        finally:
            if own_dir:
                shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)

    def _supervise(self) -> int:
        procs = [self._spawn() for _ in range(self._n)]
        log.info("started %d workers: %s", self._n, [p.pid for p in procs])
        status = 0
        while not self._stopping:
            time.sleep(0.5)
            for i, p in enumerate(procs):
                if p.poll() is None or self._stopping:
                    continue
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < 60] + [now]
                if len(self._deaths) > RESTARTS_PER_MINUTE:
                    log.error("workers keep exiting (last code %s); stopping", p.returncode)
                    self._stopping, status = True, 1
                    break
                log.warning("worker %d exited with %s; starting another", p.pid, p.returncode)
                procs[i] = self._spawn()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # each worker shuts down gracefully (drains, hands back leases)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return status
