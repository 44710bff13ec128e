"""The tick's due syncs, queued in bulk: a few statements and one broker push for any number.

What `sync.request_sync` does for one connection, done for every due connection at once:

* The due connections are read in one query, locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so
  two ticks that overlap share them out rather than both queue them. Those with an active run
  (a reconciliation running, a lost run) go through `request_sync` one by one, as before: they
  are few, and its rules for them (a stale run handed over again, a reconciliation asked to
  step aside) stay in one place.
* The others get their runs in one multi-row INSERT that skips a conflict with the partial
  unique index of active runs (`ON CONFLICT DO NOTHING`), so a run queued meanwhile by Fetch
  Orders or another worker wins, and a connection never has two active runs. The runs this tick
  made are read back by their queue time (the tick's own instant); their connections' next
  sync time is cleared, as `queue_run` does, in one UPDATE.
* After commit, one broker push for them all (`portal.queueing`).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from . import sync
from .models import Connection, SyncRun

INSERT_BATCH = 1000


def queue_due_syncs(now) -> int:
    """Queue a sync for each connection whose sync is due. Returns how many runs were made."""
    due = Connection.objects.filter(
        next_sync_at__lte=now, status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION]
    ).order_by("next_sync_at", "pk")
    active = SyncRun.objects.filter(connection=OuterRef("pk"), status__in=SyncRun.ACTIVE)
    started = 0
    for connection in due.filter(Exists(active)):
        try:
            _, created = sync.request_sync(connection, trigger=_trigger(connection.consecutive_failures))
        except sync.SyncRefused:
            continue
        started += created
    with transaction.atomic():
        free = list(
            due.exclude(Exists(active))
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "consecutive_failures")
        )
        if not free:
            return started
        SyncRun.objects.bulk_create(
            [
                SyncRun(
                    connection_id=pk,
                    kind=SyncRun.Kind.SYNC,
                    trigger=_trigger(failures),
                    queued_at=now,
                    enqueued_at=now,
                )
                for pk, failures in free
            ],
            batch_size=INSERT_BATCH,
            ignore_conflicts=True,
        )
        mine = SyncRun.objects.filter(status=SyncRun.Status.QUEUED, kind=SyncRun.Kind.SYNC, queued_at=now)
        run_ids = list(mine.order_by("pk").values_list("pk", flat=True))
        Connection.objects.filter(pk__in=mine.values("connection_id")).update(next_sync_at=None)
        transaction.on_commit(lambda: sync.enqueue_runs(run_ids))
    return started + len(run_ids)


def _trigger(consecutive_failures: int) -> str:
    return SyncRun.Trigger.RETRY if consecutive_failures else SyncRun.Trigger.SCHEDULED
