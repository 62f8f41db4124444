"""The aiohttp application: routes, and the resources and workers it owns from start to shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.analysis import AnalysisService
from bot.clock import Clock, clock_from_setting
from bot.config import Settings, safe_database_url
from bot.dashboard import setup as setup_dashboard
from bot.gateway import LineGateway
from bot.httpsec import install as install_headers
from bot.jobs_table import job_handlers
from bot.loopwatch import freeze_heap, unclaimed_count, watch_loop
from bot.metrics import METRICS, exposition
from bot.services import SERVICES, Services
from bot.store import inbox, jobs, outbox, people
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.webhook import callback, inbox_writer_ctx
from bot.workers.dispatcher import Dispatcher
from bot.workers.poller import QueuePoller, Wakes
from bot.workers.scheduler import JobHandler, Scheduler
from bot.workers.sender import OutboxSender

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 8.0


async def healthz(request: web.Request) -> web.Response:
    services = request.app.get(SERVICES)
    if services is None or not services.ready:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    # Only the exact spelling: the router also matches percent-encoded ones (/%6detrics), which a proxy's
    # "block /metrics" rule does not see as /metrics.
    if request.raw_path.split("?", 1)[0] != "/metrics":
        raise web.HTTPNotFound()
    services = request.app[SERVICES]
    try:
        async with services.db.read() as s:
            METRICS.outbox_depth.set(await outbox.depth(s))
            METRICS.inbox_depth.set(await inbox.pending_count(s))
            METRICS.unclaimed.set(await unclaimed_count(s))
    except Exception:  # metrics must answer even when the database does not
        log.warning("metrics: database unavailable")
    body = exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _hand_back(services: Services) -> None:
    try:
        async with services.db.session() as s:
            await inbox.release_owned(s, owner=services.owner)
            await outbox.release_owned(s, owner=services.owner)
            await jobs.release_owned(s, owner=services.owner)
    except Exception:  # the database may be the reason we stop; leases then simply expire
        log.warning("could not hand back leases at shutdown")


async def _say_unrouted(db: Database) -> None:
    """At start, name the districts whose alerts would reach no coordinators' group (they are kept and shown in
    red on the dashboard, but nobody is told on LINE)."""
    async with db.read() as s:
        missing, city_wide = await people.unrouted_districts(s)
    if city_wide:
        return
    if missing:
        log.warning(
            "no coordinators' group for district(s) %s and no city-wide coordinators' group: their emergency and "
            "consultation alerts reach nobody on LINE (kept on the dashboard); bind one with "
            "`sasaeai group bind GROUP_ID --coordinators [--district CODE]`",
            ", ".join(f"{d.code} ({d.name})" for d in missing),
        )
    log.warning(
        "no city-wide coordinators' group: unacknowledged alerts are not escalated; bind one with "
        "`sasaeai group bind GROUP_ID --coordinators`"
    )


Role = Literal["single", "edge", "worker"]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    role: Role = "single",
    jobs: Mapping[str, JobHandler] | None = None,
) -> web.Application:
    """The server of one process. "single": everything (tests, the demo, one small host). "edge": the webhook,
    the dashboard, health and metrics; nothing that handles events, and the NLP is never imported. "worker":
    the dispatcher, NLP, sender and scheduler, with health and metrics; it learns of new work through the
    database (bot/workers/poller.py)."""
    settings.require_line_credentials()
    # client_max_size: aiohttp refuses larger bodies with 413 before reading them whole.
    app = web.Application(client_max_size=settings.webhook_max_body_bytes)
    install_headers(app, settings)  # every response, errors included
    if role != "worker":
        app.router.add_post("/callback", callback)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if role != "worker":
        if settings.simulator:  # the browser simulator: only with the emulator, never by default
            from bot.simulator import add_routes as add_simulator

            add_simulator(app, settings)
        setup_dashboard(app, settings)  # coordinators' pages under /dashboard/, JSON under /api/

    async def resources(app: web.Application) -> AsyncIterator[None]:
        db = Database(settings.database_url, edge=role == "edge")  # on SQLite the edge writes first
        gateway = LineGateway(settings)
        process = settings.nlp_process if settings.nlp_process is not None else role == "worker"
        analysis = AnalysisService(process=process, nice=settings.worker_nice if role == "worker" else 0)
        services = Services(
            settings=settings,
            db=db,
            gateway=gateway,
            analysis=analysis,
            clock=clock or clock_from_setting(settings.clock),
        )
        app[SERVICES] = services
        try:
            if await upgrade(db.engine):
                # Named, so a server started from the wrong folder (a relative SQLite path) is noticed at once.
                log.info("database %s was empty: its tables were created now", safe_database_url(settings.database_url))
            if role == "edge":
                freeze_heap()
                probe = None
                if settings.loop_probe_seconds > 0:
                    probe = asyncio.create_task(
                        watch_loop(settings.loop_probe_seconds, METRICS.edge_loop_lag), name="edge-loop-probe"
                    )
                services.ready = True
                log.info("ready (edge)")
                yield
                services.ready = False
                if probe is not None:
                    probe.cancel()
                    await asyncio.gather(probe, return_exceptions=True)
                return
            await _say_unrouted(db)
            async with handling(services, poll=role == "worker", jobs=jobs):
                yield
        finally:
            analysis.close()
            await gateway.close()
            await db.dispose()

    app.cleanup_ctx.append(resources)
    if role != "worker":
        app.cleanup_ctx.append(inbox_writer_ctx)  # after resources: it writes through their database
    return app


@asynccontextmanager
async def handling(
    services: Services, *, poll: bool, jobs: Mapping[str, JobHandler] | None = None
) -> AsyncIterator[None]:
    """The dispatcher, sender and scheduler (and the NLP they use), from start to a graceful stop."""
    settings, db = services.settings, services.db
    await services.analysis.load()
    freeze_heap()
    dispatcher = Dispatcher(services)
    sender = OutboxSender(
        db=db,
        gateway=services.gateway,
        clock=services.clock,
        owner=services.owner,
        concurrency=settings.outbox_concurrency,
        max_attempts=settings.outbox_max_attempts,
        lease_seconds=settings.lease_seconds,
        backoff_base=settings.outbox_backoff_seconds,
    )
    scheduler = Scheduler(services, job_handlers(jobs))
    services.wake_inbox = dispatcher.wake
    services.wake_outbox = sender.wake
    services.wake_scheduler = scheduler.wake
    workers = [
        asyncio.create_task(dispatcher.run(), name="dispatcher"),
        asyncio.create_task(sender.run(), name="sender"),
        asyncio.create_task(scheduler.run(), name="scheduler"),
    ]
    poller = None
    if poll:  # the edge is another process: new events show up only in the database
        poller = QueuePoller(
            db, Wakes(dispatcher.wake, sender.wake, scheduler.wake), interval=settings.worker_poll_seconds
        )
        workers.append(asyncio.create_task(poller.run(), name="poller"))
    if settings.loop_probe_seconds > 0:
        workers.append(asyncio.create_task(watch_loop(settings.loop_probe_seconds), name="loop-probe"))
    services.ready = True
    log.info("ready")
    yield
    services.ready = False
    if poller is not None:
        poller.stop()
    # Graceful shutdown: stop taking work, let in-flight events finish, send what is due.
    dispatcher.stop()
    scheduler.stop()
    # The loops must have stopped claiming before we wait for what they started.
    loops = [w for w in workers if w.get_name() in ("dispatcher", "scheduler")]
    await asyncio.wait(loops, timeout=SHUTDOWN_GRACE_SECONDS)
    await dispatcher.drain(SHUTDOWN_GRACE_SECONDS)
    sender.stop()
    # Let the sender finish the round it is in: cancelling it mid-send would strand a
    # database connection half-closed. Then send what is due, briefly.
    await asyncio.wait([w for w in workers if w.get_name() == "sender"], timeout=SHUTDOWN_GRACE_SECONDS)
    await sender.drain(services.clock.now() + timedelta(seconds=2))
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, *services.tasks, return_exceptions=True)
    await _hand_back(services)
