"""Stage timers for `bench/webhook.py`: in its in-process probe, and in each gunicorn worker.

Given to gunicorn as its config (`--config python:bench.webhook_stages`, which `webhook.py`
passes in GUNICORN_CMD_ARGS along with BENCH_STAGES_DIR), each worker times the stages of
the requests it serves, by the X-Bench-Phase header the benchmark sends, and as it exits
writes its totals to BENCH_STAGES_DIR/<pid>.json. Nothing here imports Django at module
level: gunicorn's master reads this file before any worker has set Django up.

Times are exclusive: a stage's figure leaves out the stages called inside it, so the
stages of a request add up to its whole time. Each wrapper costs about a microsecond.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path

WHOLE = "rest: middleware, DRF, URL resolving, response"


class Stages:
    """Seconds spent in each wrapped callable, by phase, in this process (one thread)."""

    def __init__(self):
        self.seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.requests: dict[str, int] = defaultdict(int)
        self.phase = ""
        self.stack: list[float] = []

    @contextlib.contextmanager
    def timing(self, targets: list[tuple[object, str, str]]):
        saved = self.install(targets)
        try:
            yield self
        finally:
            for owner, attribute, own, real in reversed(saved):
                if own:
                    setattr(owner, attribute, real)
                else:
                    delattr(owner, attribute)

    def install(self, targets: list[tuple[object, str, str]]) -> list[tuple]:
        saved = []
        for owner, attribute, name in targets:
            real = getattr(owner, attribute)
            saved.append((owner, attribute, attribute in vars(owner), real))
            setattr(owner, attribute, self.timed(real, name))
        return saved

    def timed(self, real, name: str):
        stages, stack, clock = self, self.stack, time.perf_counter

        def call(*args, **kwargs):
            if name == WHOLE:  # a request starts: its phase is the header the benchmark sent
                stages.phase = args[1].get("HTTP_X_BENCH_PHASE", "")
                stages.requests[stages.phase] += 1
            stack.append(0.0)
            started = clock()
            try:
                return real(*args, **kwargs)
            finally:
                elapsed = clock() - started
                stages.seconds[stages.phase][name] += elapsed - stack.pop()
                if stack:
                    stack[-1] += elapsed

        return call

    def figures(self) -> dict:
        return {phase: {"requests": self.requests[phase], "seconds": dict(s)} for phase, s in self.seconds.items()}


def targets(db) -> list[tuple[object, str, str]]:
    """What is timed in a webhook request: the view's steps, the database's, the whole request.

    For either platform `webhook.py` posts; a stage name may appear twice (one per platform).
    """
    import orjson
    from django.core.handlers.wsgi import WSGIHandler
    from fernet_fields.fields import EncryptedField

    from connections import webhook_inbox, webhook_limits, webhooks
    from connections.platforms.partner.webhooks import PartnerDeliveries
    from connections.platforms.shopify.webhooks import ShopifyDeliveries

    found = [
        (WSGIHandler, "__call__", WHOLE),
        (webhooks, "connection_for", "find the connection (SELECT)"),
        (EncryptedField, "from_db_value", "Fernet decryption of the credentials"),
        # The platform's scheme: the Partner API's secret header, Shopify's HMAC of the body.
        (webhooks, "authenticate", "authenticate (the platform's scheme)"),
        (webhooks, "read_body", "read the body"),
        (webhooks, "receive", "receive: the rest of it"),
        (orjson, "loads", "parse the body (orjson)"),
        (webhook_limits, "beyond", "check the limits (depth, texts, lists)"),
        # One name for both: a run posts one platform's deliveries, so only one of them is called.
        (PartnerDeliveries, "read", "read it (the platform's Deliveries.read)"),
        (ShopifyDeliveries, "read", "read it (the platform's Deliveries.read)"),
        (PartnerDeliveries, "record", "the drain's record, made to check it (Deliveries.record)"),
        (ShopifyDeliveries, "record", "the drain's record, made to check it (Deliveries.record)"),
        (webhooks, "_kept_headers", "headers to keep"),
        # PostgreSQL: with the drain flag, one statement (connections/webhook_inbox.py).
        (webhook_inbox, "_run", "INSERT the event, committed (waits included)"),
        (webhooks, "_drain_pending", "read the drain flag"),
        (webhooks, "_mark_drain_asked", "UPDATE the drain flag"),
        (webhooks, "queue_drain", "queue a drain (broker)"),
        (webhooks, "_ask_anew", "ask anew after a retried store"),
        (db, "close_if_health_check_failed", "check the database connection (PostgreSQL: SELECT 1)"),
        (db, "connect", "open a database connection"),
        (db, "close", "close it"),
    ]
    return found


# -- gunicorn's hooks (this module as its config) ------------------------------------------------------------

_stages = Stages()


def post_worker_init(worker) -> None:
    if os.environ.get("BENCH_STAGES_DIR"):
        from django.db import connections

        _stages.install(targets(connections["default"]))


def worker_exit(server, worker) -> None:
    if directory := os.environ.get("BENCH_STAGES_DIR"):
        (Path(directory) / f"{os.getpid()}.json").write_text(json.dumps(_stages.figures()))
