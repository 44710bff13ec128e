"""The scheduler's minute tick: start what is due, recover what a dead worker left."""

import logging

from django.utils import timezone

from connections.models import Connection, SyncRun
from connections.sync import SyncRefused, enqueue_run, request_sync, stale_runs
from orders.actions import due_actions, enqueue_action

from .models import Heartbeat

log = logging.getLogger(__name__)

TICK = "tick"


def tick() -> str:
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=TICK, defaults={"at": now})
    started = 0
    due = Connection.objects.filter(
        next_sync_at__lte=now, status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION]
    )
    for connection in due:
        trigger = SyncRun.Trigger.RETRY if connection.consecutive_failures else SyncRun.Trigger.SCHEDULED
        try:
            _, created = request_sync(connection, trigger=trigger)
        except SyncRefused:
            continue
        started += created
    recovered = 0
    for run_id in stale_runs().values_list("pk", flat=True):
        log.warning("Sync run %s lost its worker; queueing it to resume from its last page.", run_id)
        enqueue_run(run_id)
        recovered += 1
    actions = 0
    for action_id in due_actions().values_list("pk", flat=True)[:1000]:
        enqueue_action(action_id)
        actions += 1
    return f"tick: {started} syncs started, {recovered} runs resumed, {actions} actions queued"
