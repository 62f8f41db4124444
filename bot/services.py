"""The long-lived resources of one server process, created inside the running loop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.analysis import AnalysisService
from bot.clock import Clock
from bot.config import Settings
from bot.edgeload import EdgeLoad
from bot.gateway import LineGateway
from bot.store.db import Database


def _owner_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Services:
    settings: Settings
    db: Database
    gateway: LineGateway
    analysis: AnalysisService
    clock: Clock
    owner: str = field(default_factory=_owner_id)  # this process's name on leases
    edge: EdgeLoad = field(default_factory=EdgeLoad)  # how busy the webhook edge is (background work gives way)
    wake_inbox: Callable[[], None] = lambda: None
    wake_outbox: Callable[[], None] = lambda: None
    wake_scheduler: Callable[[], None] = lambda: None
    ready: bool = False
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a side task (a courtesy like the loading animation), keeping a reference so it is not lost."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(_quiet)

    @property
    def secret(self) -> bytes:
        return self.settings.line_channel_secret.get_secret_value().encode()


def _quiet(task: asyncio.Task[Any]) -> None:
    """Side tasks are courtesies: their failure is logged quietly, never left 'never retrieved'."""
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger(__name__).info("side task failed: %s", type(task.exception()).__name__)


SERVICES = web.AppKey("services", Services)
