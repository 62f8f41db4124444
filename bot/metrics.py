"""Prometheus metrics, served at /metrics. One registry per process."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events_received = Counter("sasaeai_events_received", "Webhook events stored", registry=r)
        self.events_duplicate = Counter("sasaeai_events_duplicate", "Webhook events already stored", registry=r)
        self.events_handled = Counter(
            "sasaeai_events_handled", "Webhook events handled", ["kind", "result"], registry=r
        )
        self.webhook_latency = Histogram(
            "sasaeai_webhook_seconds",
            "Time to answer a webhook request",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2),
            registry=r,
        )
        self.handle_latency = Histogram(
            "sasaeai_handle_seconds",
            "Time from receiving an event to finishing its handling",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.nlp_latency = Histogram("sasaeai_nlp_seconds", "Time to analyse one message", registry=r)
        self.outbox_sent = Counter("sasaeai_outbox_sent", "Messages delivered to LINE", ["via"], registry=r)
        self.outbox_retries = Counter("sasaeai_outbox_retries", "Send attempts to retry later", registry=r)
        self.outbox_claims = Counter(
            "sasaeai_outbox_claims", "Claims of the outbox's heads (one write transaction each)", registry=r
        )
        self.outbox_failed = Counter("sasaeai_outbox_failed", "Messages LINE will never accept", registry=r)
        self.outbox_unsure = Counter(
            "sasaeai_outbox_unsure",
            "Replies to supporters or groups that may have arrived, not pushed again",
            registry=r,
        )
        self.outbox_repushed = Counter(
            "sasaeai_outbox_repushed",
            "Answers to residents pushed after a reply that may have arrived (they may read it twice)",
            registry=r,
        )
        # Read from the database at each scrape: with several worker processes the latest reading is the truth.
        self.outbox_depth = Gauge(
            "sasaeai_outbox_depth", "Messages waiting to be sent", registry=r, multiprocess_mode="mostrecent"
        )
        self.unclaimed = Gauge(
            "sasaeai_unclaimed_requests", "Open requests nobody has taken", registry=r, multiprocess_mode="mostrecent"
        )
        # Scale and load (bench/, deploy/): read from the database at each scrape, or probed in-process.
        self.inbox_depth = Gauge(
            "sasaeai_inbox_depth",
            "Webhook events stored and not yet handled",
            registry=r,
            multiprocess_mode="mostrecent",
        )
        # Sign-in (bench/login_flood.py): how many passwords were really checked, and how many were refused unchecked.
        self.password_checks = Counter("sasaeai_password_checks", "Passwords verified with argon2", registry=r)
        self.logins_throttled = Counter(
            "sasaeai_logins_throttled", "Sign-ins refused before any password check", registry=r
        )
        # SQLite's one write lock (bot/store/db.py): how long a write transaction waited for its turn and how
        # long it held the lock, by process ("edge" or "handling"): where the embedded default's time goes.
        write_buckets = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
        self.write_wait = Histogram(
            "sasaeai_db_write_wait_seconds",
            "Time a write transaction waited for SQLite's write lock",
            ["process"],
            buckets=write_buckets,
            registry=r,
        )
        self.write_hold = Histogram(
            "sasaeai_db_write_hold_seconds",
            "Time a write transaction held SQLite's write lock",
            ["process"],
            buckets=write_buckets,
            registry=r,
        )
        self.write_lock_taken = Counter(
            "sasaeai_db_write_lock_taken",
            "Write transactions that found SQLite's lock held by a process outside the bot's turns (the CLI)",
            registry=r,
        )
        # Copies of the write-ahead log back into the file (bot/store/checkpoint.py), beside the writers.
        self.checkpoints = Counter(
            "sasaeai_db_checkpoints",
            "SQLite checkpoints run beside the writers, by outcome (done, partial: a reader still needed the log)",
            ["outcome"],
            registry=r,
        )
        self.checkpoint_seconds = Histogram(
            "sasaeai_db_checkpoint_seconds",
            "Time a SQLite checkpoint took: beside the writers, or catching up in a turn at the write lock",
            ["where"],
            buckets=write_buckets,
            registry=r,
        )
        lag_buckets = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1)
        self.loop_lag = Histogram(
            "sasaeai_loop_lag_seconds",
            "How late the handling loop wakes a timer (the whole server's loop when one process does everything)",
            buckets=lag_buckets,
            registry=r,
        )
        # Apart from the above: under `serve` the edge is its own process, and its loop is the one every
        # webhook request waits on; a worker's lag (niced, sharing the cores) says nothing about answers.
        self.edge_loop_lag = Histogram(
            "sasaeai_edge_loop_lag_seconds",
            "How late the edge process's event loop wakes a timer (time every webhook would have waited)",
            buckets=lag_buckets,
            registry=r,
        )


def exposition() -> bytes:
    """The text Prometheus scrapes. Under `serve --workers N` (PROMETHEUS_MULTIPROC_DIR set by the
    supervisor) every worker writes its figures to files there, and any worker answers with the sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(registry))
    return bytes(generate_latest(METRICS.registry))


METRICS = Metrics()
