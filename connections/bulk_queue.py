"""The tick's due runs, queued in bulk: a few statements and one broker push for any number.

What `sync.request_sync` (and `reconcile.request_reconcile`) does for one connection, done for
every due connection at once:

* The due connections are read in one query, locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so
  two ticks that overlap share them out rather than both queue them. Due syncs of connections
  with an active run (a reconciliation running, a lost run) go through `request_sync` one by
  one, as before: they are few, and its rules for them (a stale run handed over again, a
  reconciliation asked to step aside) stay in one place. A reconciliation is only due where
  nothing runs or waits (`reconcile.start_due`), so all of them go in bulk.
* The others get their runs in one INSERT ... SELECT that skips a conflict with the partial
  unique index of active runs (`ON CONFLICT DO NOTHING`), so a run queued meanwhile by Fetch
  Orders or another worker wins, and a connection never has two active runs. The runs this tick
  made come back from the INSERT (RETURNING); their connections' next time for such runs is
  cleared, as `queue_run` does, in one UPDATE per 5,000.
* After commit, one broker push for them all (`portal.queueing`).
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.db.models import Exists, F, OuterRef

from . import sync
from .models import Connection, SyncRun

# Connections a statement clears the next sync time of (well under every database's parameter limit).
UPDATE_BATCH = 5000


def queue_due_syncs(now) -> int:
    """Queue a sync for each connection whose sync is due. Returns how many runs were made."""
    due = Connection.objects.filter(
        next_sync_at__lte=now, status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION]
    ).order_by("next_sync_at", "pk")
    active = SyncRun.objects.filter(connection=OuterRef("pk"), status__in=SyncRun.ACTIVE)
    started = 0
    for connection in due.filter(Exists(active)):
        try:
            _, created = sync.request_sync(connection, trigger=sync.due_trigger(connection))
        except sync.SyncRefused:
            continue
        started += created
    return started + queue_free(due.exclude(Exists(active)), now, kind=SyncRun.Kind.SYNC, schedule="next_sync_at")


def queue_free(free, now, *, kind: str, schedule: str) -> int:
    """Queue a run of `kind` for each connection of `free` (connections with no active run), clear
    their `schedule` field (their next time for such runs, set again when the run ends), and hand
    the runs to the broker in one push once committed. Returns how many runs were made."""
    free = free.select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        made = _insert_runs(free, now, kind)
        if not made:
            return 0
        connection_ids = [connection_id for _, connection_id in made]
        for start in range(0, len(connection_ids), UPDATE_BATCH):
            Connection.objects.filter(pk__in=connection_ids[start : start + UPDATE_BATCH]).update(**{schedule: None})
        run_ids = [run_id for run_id, _ in made]
        transaction.on_commit(lambda: sync.enqueue_runs(run_ids))
    return len(made)


def _insert_runs(free, now, kind: str) -> list[tuple[int, int]]:
    """One `INSERT INTO syncrun (...) SELECT ... FROM (free connections) ON CONFLICT DO NOTHING
    RETURNING id`: a queued run of `kind` for each, made by the database, none where another run
    became active meanwhile. Every column but the connection takes its value from a scheduled
    `SyncRun(kind=kind)`, defaults included, except that a sync after failures is a retry
    (`sync.due_trigger`, here in SQL; a failed reconciliation has a later time of its own
    instead). Returns the new runs' (id, connection id), in order."""
    db = connections[router.db_for_write(SyncRun)]
    quote = db.ops.quote_name
    template = SyncRun(kind=kind, trigger=SyncRun.Trigger.SCHEDULED, queued_at=now, enqueued_at=now)
    source_sql, source_params = free.values(
        due_id=F("pk"), due_failures=F("consecutive_failures")
    ).query.sql_with_params()
    columns, values, params = [], [], []
    for field in SyncRun._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.name == "connection":
            values.append(f"due.{quote('due_id')}")
        elif field.name == "trigger" and kind == SyncRun.Kind.SYNC:
            values.append(f"CASE WHEN due.{quote('due_failures')} > 0 THEN %s ELSE %s END")
            params += [SyncRun.Trigger.RETRY, SyncRun.Trigger.SCHEDULED]
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, add=True), db))
    sql = (
        f"INSERT INTO {quote(SyncRun._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 (names from the model)
        f"SELECT {', '.join(values)} FROM ({source_sql}) AS due WHERE 1 = 1 "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote(SyncRun._meta.get_field('connection').column)}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])
        return sorted(cursor.fetchall())
