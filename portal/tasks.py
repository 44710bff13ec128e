"""The scheduler's minute tick: start what is due, recover what a dead worker left."""

import logging

from django.utils import timezone

from connections import reconcile
from connections.bulk_queue import queue_due_syncs
from connections.health import check_webhook_silence
from connections.sync import recover_stale_runs, repair_stuck_connections
from connections.webhooks import drain_due
from orders.actions import requeue_due_actions

from . import retention
from .models import Heartbeat

log = logging.getLogger(__name__)


def tick() -> str:
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": now})
    recovered = recover_stale_runs()
    repaired = repair_stuck_connections()
    started = queue_due_syncs(now)
    # After the syncs, which go first: a reconciliation starts only where no sync is due.
    woken = reconcile.wake_due(now)
    reconciling = reconcile.start_due(now)
    actions = requeue_due_actions()
    drains = drain_due()
    silent = check_webhook_silence(now)
    return (
        f"tick: {started} syncs started, {reconciling} reconciliations started, {woken} waiting runs woken, "
        f"{recovered} runs resumed, {repaired} connections repaired, "
        f"{actions} actions queued, {drains} webhook drains queued, {silent} webhook connections silent"
    )


def prune() -> str:
    """The daily retention prune (portal.retention): its counts are the task's result and log line."""
    return str(retention.prune())
