"""Scheduled reconciliation: read again the orders the portal holds as open, and the last days'
orders, and repair what the incremental syncs missed, through the same ingest path.

A reconciliation is a SyncRun of kind RECONCILE, so the sync engine's rules hold for it: one
active run per connection, claimed with a lease, each page committed with its counters and
cursor, resumed from its last page when its worker dies, stopped by a pause. What is its own:

* What it reads comes from the platform's `reconciliation` part, given `HeldOrders`: the open
  orders not yet checked by this pass (`orders.held`). Each page's orders are stamped checked in
  the page's transaction, so a resumed pass reads back only what it has not checked, and counts
  each order once.
* It never holds up the incremental syncs. It starts only when no other run is active and no
  sync is due, and after each page it looks again: when the connection's sync has come due (by
  the schedule, or a merchant's Fetch Orders), it steps aside (WAITING, outside the one-active
  rule), queues that sync, and goes on from its last page when the sync ends. After
  RECONCILE_SLICE_SECONDS of work it hands its worker back to the queue, so the syncs of other
  connections never wait behind it for long; and its requests take at most
  RECONCILE_BUDGET_SHARE of a host's shared request budget. A long 429 makes it wait, not fail.
* What it found is recorded on its run (checked, missing, stale, gone: `SyncRun.findings`).
  Repairing more than RECONCILE_PROBLEM_THRESHOLD orders opens a problem (the platform's
  incremental feed loses changes); a pass that repairs nothing closes it.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, DurationField, Exists, F, Func, OuterRef, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Greatest, Mod
from django.utils import timezone

from orders.actions import accept_new_orders
from orders.held import held_orders, mark_checked
from orders.ingest import MAX_EXAMPLES, ImportPolicy, ingest_page, merge_skips

from . import health
from .bulk_queue import queue_free
from .models import Connection, SyncRun
from .platforms import registry
from .platforms.base import PlatformContext
from .platforms.errors import AuthError, RateLimited
from .platforms.faults import FaultLog
from .sync import (
    LeaseLost,
    Stopped,
    SyncRefused,
    describe_failure,
    due_trigger,
    enqueue_run,
    not_active_reason,
    queue_run,
    request_sync,
    run_claimed,
    wake_waiting,
)

log = logging.getLogger(__name__)
RECONCILE = SyncRun.Kind.RECONCILE
# A reconciliation that failed is tried again after this long, or its interval when shorter.
RETRY_AFTER = timedelta(hours=1)


def reconciling_platforms() -> list[str]:
    return [p.key for p in registry.all_platforms() if p.reconciliation is not None]


# -- queueing -----------------------------------------------------------------------------


def request_reconcile(connection: Connection, *, trigger: str, user=None, enqueue: bool = True) -> tuple[SyncRun, bool]:
    """Queue a reconciliation unless a run is active or one waits. Returns (run, created).

    `enqueue=False` leaves the new run for the caller to execute in the foreground."""
    if connection.adapter.reconciliation is None:
        raise SyncRefused(f"{connection.adapter.short_name} orders cannot be checked again this way.")
    if not connection.is_active:
        raise SyncRefused(not_active_reason(connection))
    waiting = SyncRun.objects.filter(connection=connection, status=SyncRun.Status.WAITING).first()
    if waiting is not None:
        return waiting, False
    try:
        return queue_run(
            connection, "next_reconcile_at", user=user, enqueue=enqueue, kind=RECONCILE, trigger=trigger
        ), True
    except IntegrityError:
        return SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first(), False


def start_due(now=None) -> int:
    """The tick's part: start the reconciliations that are due, where nothing else runs and no sync
    is due (that goes first); give a time to the connections that have none. Returns how many started."""
    now = now or timezone.now()
    # Unordered: the default order joins the merchant, and the index gives what is due.
    live = Connection.objects.live().filter(platform__in=reconciling_platforms(), reconcile=True).order_by()
    busy = SyncRun.objects.filter(connection=OuterRef("pk"), status__in=[*SyncRun.ACTIVE, SyncRun.Status.WAITING])
    reconciling = busy.filter(kind=RECONCILE)
    unscheduled = live.filter(next_reconcile_at=None).exclude(status=Connection.Status.PENDING)
    unscheduled.exclude(Exists(reconciling)).update(next_reconcile_at=_first_time(now))
    due = (
        live.filter(status=Connection.Status.CONNECTED, next_reconcile_at__lte=now)
        .exclude(next_sync_at__lte=now)
        .exclude(Exists(busy))
        .order_by("next_reconcile_at", "pk")
    )
    return queue_free(due, now, kind=RECONCILE, schedule="next_reconcile_at")


def _first_time(now) -> CombinedExpression:
    """The time of a connection with no reconciliation time yet (new, resumed, or from before there
    were any), as SQL, so that all of them get theirs in one UPDATE: within its interval, spread by
    its id so that many do not start at once."""
    interval = Greatest(F("reconcile_interval_minutes"), Value(1))
    return Value(now, DateTimeField()) + Minutes(Mod(F("pk") * 37, interval))


class Minutes(Func):
    """A whole number of minutes as a duration to add to a time: an interval on PostgreSQL, and
    microseconds on SQLite, an integer (its MOD, for one, gives a float, which SQLite's time
    arithmetic would not take)."""

    arity = 1
    output_field = DurationField()
    template = "(%(expressions)s * INTERVAL '1 minute')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(CAST(%(expressions)s AS INTEGER) * 60000000)", **extra_context
        )


def wake_due(now=None) -> int:
    """The tick's part: reconciliations waiting with nothing active on their connection (the sync
    they stepped aside for has ended, or a rate limit's wait is over) go on from their last page."""
    now = now or timezone.now()
    active = SyncRun.objects.filter(connection=OuterRef("connection"), status__in=SyncRun.ACTIVE)
    waiting = SyncRun.objects.filter(status=SyncRun.Status.WAITING).exclude(Exists(active))
    waiting = waiting.exclude(retry_at__gt=now)
    return sum(wake_waiting(connection_id) for connection_id in set(waiting.values_list("connection_id", flat=True)))


# -- running ------------------------------------------------------------------------------


def execute(run_id: int) -> SyncRun | None:
    """Run a queued reconciliation until it ends or steps aside. Returns the run, or None if not ours."""
    share = settings.RECONCILE_BUDGET_SHARE
    return run_claimed(run_id, "Reconciliation", _page_through, _finish, wait=_wait, share=share)


def _page_through(
    run: SyncRun, connection: Connection, context: PlatformContext, token: uuid.UUID, faults: FaultLog
) -> bool:
    """Page through the platform's answer; False when the run stepped aside before its end."""
    part = connection.adapter.reconciliation
    policy = ImportPolicy.for_connection(connection)
    stamp = run.started_at  # the pass's stamp, kept by every claim
    held = held_orders(connection, timezone.now() - timedelta(days=settings.RECONCILE_DAYS), stamp)
    if run.total_expected is None:
        SyncRun.objects.filter(pk=run.pk, lease_token=token).update(total_expected=len(held.open))
    skipped_reasons = dict(run.skipped_reasons or {})
    slice_ends = time.monotonic() + settings.RECONCILE_SLICE_SECONDS
    for page in part.pages(context, held, run.cursor):
        with transaction.atomic():
            result = ingest_page(connection, page.records, page.invalid, policy)
            accept_new_orders(connection, result)
            merge_skips(skipped_reasons, result.skipped_reasons)
            checked = mark_checked(connection, page.ids(), stamp)
            examples = _repaired_examples(run, page.records, result.outcomes)
            # Read last, so a pause or a sync asked for while the page was read counts at once:
            # raising here undoes the page.
            state = Connection.objects.live().filter(pk=connection.pk).values("next_sync_at").first()
            if state is None:
                raise Stopped(f"Stopped: {connection} was paused or disconnected during the check.")
            confirmed = len(page.same) + len(page.gone)
            claimed = SyncRun.objects.filter(pk=run.pk, lease_token=token, status=SyncRun.Status.RUNNING).update(
                pages=F("pages") + 1,
                orders_seen=F("orders_seen") + result.seen + confirmed,
                created=F("created") + result.created,
                updated=F("updated") + result.updated,
                unchanged=F("unchanged") + result.unchanged + len(page.same),
                skipped=F("skipped") + result.skipped,
                skipped_reasons=skipped_reasons,
                checked=F("checked") + checked,
                gone=F("gone") + len(page.gone),
                repaired_examples=examples,
                retries=faults.record(),
                heartbeat_at=timezone.now(),
                cursor=page.cursor,
            )
            if not claimed:
                raise LeaseLost
        due = state["next_sync_at"]
        if due is not None and due <= timezone.now():
            _step_aside(run, token)
            return False
        if time.monotonic() > slice_ends:
            _hand_back(run, token)
            return False
    return True


def _repaired_examples(run: SyncRun, records, outcomes: dict[str, str]) -> list[str]:
    """The run's examples of repaired orders, with this page's first ones added (numbers, at most MAX_EXAMPLES)."""
    examples = run.repaired_examples
    for record in records:
        if len(examples) >= MAX_EXAMPLES:
            break
        if outcomes.get(record.external_id) in ("created", "updated"):
            number = record.order().number or record.external_id
            if number not in examples:
                examples.append(number)
    return examples


def _step_aside(run: SyncRun, token: uuid.UUID) -> None:
    """The connection's sync is due: this run waits (no longer active) and the sync is queued; the
    sync's end wakes it (`sync.wake_waiting`), and it goes on from its last page."""
    with transaction.atomic():
        if not _release(run, token, status=SyncRun.Status.WAITING):
            raise LeaseLost
        connection = Connection.objects.get(pk=run.connection_id)
        with contextlib.suppress(SyncRefused):  # paused meanwhile: the tick wakes this run, which then stops
            request_sync(connection, trigger=due_trigger(connection))
    log.info("Reconciliation %s steps aside for a sync of connection %s.", run.pk, run.connection_id)


def _hand_back(run: SyncRun, token: uuid.UUID) -> None:
    """Its slice of work is over: back to the queue, behind what came in meanwhile (still active)."""
    with transaction.atomic():
        if not _release(run, token, status=SyncRun.Status.QUEUED, enqueued_at=timezone.now()):
            raise LeaseLost
        transaction.on_commit(lambda: enqueue_run(run.pk))


def _wait(run: SyncRun, token: uuid.UUID, limited: RateLimited) -> None:
    """The platform (or the host's budget) asks for a long pause: wait for it, then go on from the
    last page (`wake_due`), rather than fail and start over."""
    retry_at = timezone.now() + timedelta(seconds=max(limited.retry_after, 1))
    describe = describe_failure(run.connection, limited, run)[0]
    with transaction.atomic():
        if _release(run, token, status=SyncRun.Status.WAITING, retry_at=retry_at, error=describe):
            Connection.objects.filter(pk=run.connection_id, status=Connection.Status.SYNCING).update(
                status=Connection.Status.CONNECTED
            )


def _release(run: SyncRun, token: uuid.UUID, **fields) -> bool:
    """Give the run up without ending it; the next claim counts again, so this one does not."""
    return bool(
        SyncRun.objects.filter(pk=run.pk, lease_token=token, status=SyncRun.Status.RUNNING).update(
            lease_token=None, claims=F("claims") - 1, heartbeat_at=timezone.now(), **fields
        )
    )


def _finish(run: SyncRun, token: uuid.UUID, failure: Exception | None = None, faults: FaultLog | None = None) -> None:
    now = timezone.now()
    connection = Connection.objects.get(pk=run.connection_id)
    run_fields: dict = {"finished_at": now, "heartbeat_at": now, "retry_at": None}
    if faults is not None:
        run_fields["retries"] = faults.record()
    conn_fields: dict = {}
    if failure is None:
        run_fields.update(status=SyncRun.Status.SUCCEEDED, error="", error_kind="")
        conn_fields.update(next_reconcile_at=connection.schedule_next_reconcile(now))
    elif isinstance(failure, Stopped):
        run_fields.update(status=SyncRun.Status.CANCELLED, error=str(failure), error_kind="stopped")
    else:
        message, kind = describe_failure(connection, failure, run)
        retry = None if isinstance(failure, AuthError) else connection.schedule_next_reconcile(now)
        if retry is not None:
            retry = min(retry, now + RETRY_AFTER)
        run_fields.update(status=SyncRun.Status.FAILED, error=message, error_kind=kind)
        conn_fields.update(next_reconcile_at=retry)
        if kind in health.CAUSE_BY_KIND:  # the merchant must act, as after a sync that failed so
            conn_fields.update(status=Connection.Status.NEEDS_ATTENTION, last_error=message, last_error_at=now)
            if isinstance(failure, AuthError):
                conn_fields.update(next_sync_at=None)
    with transaction.atomic():
        if not SyncRun.objects.filter(pk=run.pk, lease_token=token).update(**run_fields):
            return
        # A pause or disconnect that came in during the run wins over the run's outcome.
        live = Connection.objects.live().filter(pk=connection.pk)
        live.filter(status=Connection.Status.SYNCING).update(status=Connection.Status.CONNECTED)
        if conn_fields and live.update(**conn_fields):
            health.after_reconcile(connection, SyncRun.objects.get(pk=run.pk), failure)
