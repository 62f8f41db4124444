"""Running the real `sasaeai serve` as a subprocess, as production does, for crash and restart tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import ROOT, SECRET, TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, *, db_url: str, line_url: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_BASE_URL": line_url,
            "DATABASE_URL": db_url,
            "MESSAGE_MERGE_SECONDS": "0",
            "LINE_TIMEOUT_SECONDS": "2",
            "OUTBOX_BACKOFF_SECONDS": "0.2",
            "LEASE_SECONDS": "5",
            "PYTHONUNBUFFERED": "1",
            # These tests are about what survives a crash or a stop, on a machine other test runs share: a niced
            # worker would get the CPU after all of them, and its graceful stop would outlast the test's wait.
            # The priority itself is tested in tests/test_edge_split.py.
            "WORKER_NICE": "0",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        await self.wait_ready()

    # The edge and the worker start side by side, each importing the bot (~4.5 s of CPU), on a machine that
    # may be shared with other test runs.
    async def wait_ready(self, timeout: float = 180) -> None:
        async with aiohttp.ClientSession() as s:
            for _ in range(int(timeout * 10)):
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise AssertionError(f"server exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
                try:
                    async with s.get(self.url + "/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("server never became ready")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


async def deliver_until_acknowledged(emu: Any, event: dict[str, Any], *, attempts: int = 600) -> int:
    """Send like LINE does: an event not answered 200 is redelivered (same id, isRedelivery) until it is."""
    from bot.emulator.events import redelivery

    current = event
    for _ in range(attempts):
        try:
            status, _ = await emu.send_events([current])
            if status == 200:
                return status
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
        current = redelivery(event)
        await asyncio.sleep(0.1)
    raise AssertionError("event never acknowledged")
