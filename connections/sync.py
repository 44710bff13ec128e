"""Fetching a connection's orders: queue a run, claim it, page through, record it.

Rules this module keeps:

* One active run per connection: a partial unique index on SyncRun refuses a second
  queued/running run, so clicks, schedules and workers all converge on one run.
* A run is claimed with a lease (a token and a heartbeat). Each page is ingested,
  counted and its cursor stored in one transaction that also checks the lease and that
  the connection is still live, so a worker that lost its lease cannot commit, a pause
  or disconnect stops the run at its next page, and the cursor never runs ahead of the
  data.
* While the run lasts, a thread of the worker keeps its heartbeat (heartbeat.py), during
  a page as well as between pages. A run whose heartbeat is older than SYNC_LOST_SECONDS
  has lost its worker: the pages say so, and it is claimed again and resumes from the
  cursor of its last committed page, at most MAX_CLAIMS times.
* The passing faults the run's requests absorbed by retrying (`FaultLog`, in its
  context) are written with each page and at its end, so a run that succeeded still
  says that the platform needed them; a resumed run goes on from what was kept.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.actions import accept_new_orders
from orders.ingest import ImportPolicy, ingest_page, merge_skips
from portal import queueing

from . import clock, health, heartbeat
from .context import platform_context
from .models import Connection, SyncRun
from .platforms.backoff import backoff_seconds
from .platforms.base import PlatformContext
from .platforms.errors import AuthError, PlatformError, PlatformFailure, RateLimited, TransientError
from .platforms.faults import FaultLog
from .sealed import MERCHANT_WORDS, CredentialsUnreadable

log = logging.getLogger(__name__)

MAX_CLAIMS = SyncRun.MAX_CLAIMS


class SyncRefused(Exception):
    """The connection cannot sync now (paused, disconnected, not yet connected)."""


class LeaseLost(Exception):
    """Another worker took this run over; this one must stop without writing."""


class Stopped(Exception):
    """The connection was paused or disconnected while the run was under way."""


# -- queueing -----------------------------------------------------------------------------


def request_sync(
    connection: Connection, *, trigger: str, user=None, full: bool = False, enqueue: bool = True
) -> tuple[SyncRun, bool]:
    """Queue a sync unless one is already active. Returns (run, created).

    `enqueue=False` leaves the new run for the caller to execute in the foreground.
    """
    if not connection.is_active:
        raise SyncRefused(not_active_reason(connection))
    try:
        run = queue_run(connection, "next_sync_at", user=user, enqueue=enqueue, trigger=trigger, full_resync=full)
        return run, True
    except IntegrityError:
        run = SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()
        if run is None:  # finished between our insert and this read: try once more
            return request_sync(connection, trigger=trigger, user=user, full=full, enqueue=enqueue)
        if run in stale_runs():
            requeue(run)
        if run.kind == SyncRun.Kind.RECONCILE:
            # A reconciliation steps aside for a due sync at its next page (connections.reconcile).
            Connection.objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())
        return run, False


def queue_run(connection: Connection, schedule: str, *, user, enqueue: bool, **fields) -> SyncRun:
    """A new queued run of the connection (IntegrityError while another is active). Its `schedule`
    field (the connection's next time for such runs) is set again when it ends; until then the tick
    leaves it be."""
    with transaction.atomic():
        run = SyncRun.objects.create(
            connection=connection,
            requested_by=user if user is not None and user.is_authenticated else None,
            **fields,
        )
        Connection.objects.filter(pk=connection.pk).update(**{schedule: None})
        if enqueue:
            transaction.on_commit(lambda: enqueue_run(run.pk))
    return run


def not_active_reason(connection: Connection) -> str:
    if connection.status == Connection.Status.PAUSED:
        return f"{connection} is paused; resume it first."
    return f"{connection} is {connection.get_status_display().lower()}; Edit it and enter its credentials to connect."


RUN_TASK = "connections.tasks.run_sync"  # what a queued run is handed to the broker as, alone or in bulk


def _run_task_name(run_id: int) -> str:
    return f"sync-run-{run_id}"


def due_trigger(connection: Connection) -> str:
    """What starts a sync that falls due: a retry after failures, else the schedule."""
    return SyncRun.Trigger.RETRY if connection.consecutive_failures else SyncRun.Trigger.SCHEDULED


def enqueue_run(run_id: int) -> None:
    queueing.push(RUN_TASK, run_id, name=_run_task_name(run_id), group="sync")


def enqueue_runs(run_ids: list[int]) -> None:
    """Hand many runs to the broker in one push (`enqueue_run` for each, when tasks run inline)."""
    if queueing.runs_inline():
        for run_id in run_ids:
            enqueue_run(run_id)
        return
    queueing.push_many(RUN_TASK, [(_run_task_name(run_id), (run_id,)) for run_id in run_ids], group="sync")


def requeue(run: SyncRun) -> None:
    """Hand a run that nobody is working on to the broker again."""
    SyncRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now())
    enqueue_run(run.pk)


def stale_runs():
    """Active runs nobody is working on, to hand to the broker again: running with a heartbeat
    older than SYNC_LOST_SECONDS (the worker was lost) and not handed over since; or handed over
    (queued, or lost and handed over) and not started within SYNC_LEASE_SECONDS (the queue lost
    the task, or is busy: it is handed over again no sooner, so the queue never fills with copies)."""
    not_started_in_time = Q(enqueued_at__lt=timezone.now() - timedelta(seconds=settings.SYNC_LEASE_SECONDS))
    lost = Q(status=SyncRun.Status.RUNNING, heartbeat_at__lt=SyncRun.lost_before()) & (
        Q(enqueued_at__lte=F("heartbeat_at")) | not_started_in_time
    )
    queued_too_long = Q(status=SyncRun.Status.QUEUED) & not_started_in_time
    return SyncRun.objects.filter(lost | queued_too_long)


def recover_stale_runs() -> int:
    """The tick's part: resume silent runs; give up on one that killed its worker too often."""
    recovered = 0
    for run in stale_runs().select_related("connection"):
        if run.claims >= MAX_CLAIMS:
            _give_up(run)
            continue
        log.warning("Sync run %s lost its worker; queueing it to resume from its last page.", run.pk)
        requeue(run)
        recovered += 1
    return recovered


def _give_up(run: SyncRun) -> None:
    message = (
        f"The fetch stopped {run.claims} times at the same point because the worker running it died. "
        "It will not be retried by itself; staff have the worker logs. Fetch Orders tries again."
    )
    now = timezone.now()
    with transaction.atomic():
        if SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE).update(
            status=SyncRun.Status.FAILED, error=message, error_kind="internal", finished_at=now
        ):
            Connection.objects.live().filter(pk=run.connection_id).update(
                status=Connection.Status.NEEDS_ATTENTION, last_error=message, last_error_at=now, next_sync_at=None
            )
    log.error("Sync run %s abandoned after %s claims.", run.pk, run.claims)


def wake_waiting(connection_id: int) -> int:
    """A run that stepped aside for another (a reconciliation, for a sync) goes on from its last page,
    once no run of the connection is active and any wait it was given is over. Returns 1 or 0."""
    now = timezone.now()
    waiting = SyncRun.objects.filter(connection_id=connection_id, status=SyncRun.Status.WAITING)
    pk = waiting.exclude(retry_at__gt=now).values_list("pk", flat=True).first()
    if pk is None:
        return 0
    try:
        with transaction.atomic():
            if not SyncRun.objects.filter(pk=pk, status=SyncRun.Status.WAITING).update(
                status=SyncRun.Status.QUEUED, enqueued_at=now, retry_at=None
            ):
                return 0
            transaction.on_commit(lambda: enqueue_run(pk))
    except IntegrityError:  # another run is active: its end wakes this one
        return 0
    return 1


def repair_stuck_connections() -> int:
    """A connection shown as syncing with no active run (its run was abandoned) is idle again."""
    stuck = Connection.objects.filter(status=Connection.Status.SYNCING).exclude(sync_runs__status__in=SyncRun.ACTIVE)
    return stuck.update(status=Connection.Status.CONNECTED)


# -- running ------------------------------------------------------------------------------


def claim(run_id: int, token: uuid.UUID) -> bool:
    """Take the run if it is queued, or running with a lost worker (no heartbeat for SYNC_LOST_SECONDS)."""
    now = timezone.now()
    takeover = Q(status=SyncRun.Status.RUNNING, heartbeat_at__lt=SyncRun.lost_before(), claims__lt=MAX_CLAIMS)
    return bool(
        SyncRun.objects.filter(pk=run_id)
        .filter(Q(status=SyncRun.Status.QUEUED) | takeover)
        .update(
            status=SyncRun.Status.RUNNING,
            lease_token=token,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
            claims=F("claims") + 1,
        )
    )


def execute(run_id: int) -> SyncRun | None:
    """Run a queued sync to the end. Returns the finished run, or None if not ours to run."""
    return run_claimed(run_id, "Sync run", _page_through, _finish)


def run_claimed(run_id: int, name: str, page_through, finish, wait=None, share: float = 1.0) -> SyncRun | None:
    """Claim a queued run, page through it, record how it ended. Returns the run, or None if not ours.

    `page_through(run, connection, context, token, faults)` returns False when the run stepped aside
    to go on later (a reconciliation), which is not an end; `finish(run, token, failure, faults)`
    records the end; `wait(run, token, limited)`, when given, waits out a long rate limit instead of
    ending the run. `share`: the part of a host's request budget the run may use."""
    token = uuid.uuid4()
    if not claim(run_id, token):
        log.info("%s %s is finished or held by another worker; nothing to do.", name, run_id)
        return None
    with heartbeat.kept(run_id, token):
        return _execute_claimed(run_id, token, name, page_through, finish, wait, share)


def _execute_claimed(run_id: int, token: uuid.UUID, name: str, page_through, finish, wait, share: float):
    run = SyncRun.objects.select_related("connection__merchant").get(pk=run_id)
    connection = run.connection
    if not Connection.objects.live().filter(pk=connection.pk).update(status=Connection.Status.SYNCING):
        finish(run, token, failure=Stopped(f"The connection was {connection.get_status_display().lower()}."))
        return SyncRun.objects.get(pk=run_id)
    faults = FaultLog(run.retries)
    context = None
    try:
        context = platform_context(connection, faults=faults, share=share)
        complete = page_through(run, connection, context, token, faults)
    except LeaseLost:
        log.warning("%s %s was taken over by another worker; this worker stops.", name, run_id)
        return None
    except (PlatformFailure, Stopped) as exc:
        if wait is not None and isinstance(exc, RateLimited):
            wait(run, token, exc)
        else:
            finish(run, token, failure=exc, faults=faults)
    except CredentialsUnreadable as exc:
        health.log_unreadable(connection, f"{name.lower()} {run_id}")
        finish(run, token, failure=exc, faults=faults)
    except Exception as exc:
        log.exception("%s %s failed with an unexpected error", name, run_id)
        finish(run, token, failure=exc, faults=faults)
    else:
        if complete is not False:
            finish(run, token, faults=faults)
    finally:
        if context is not None:  # what the platform's answers said of its clock, whatever the outcome
            clock.note(connection, context.clock)
    return SyncRun.objects.get(pk=run_id)


def _page_through(
    run: SyncRun, connection: Connection, context: PlatformContext, token: uuid.UUID, faults: FaultLog
) -> None:
    adapter = connection.adapter
    policy = ImportPolicy.for_connection(connection)
    # A resumed run continues from its own last page; a new one from the connection's cursor.
    if run.cursor is not None:
        cursor = run.cursor
    else:
        cursor = None if run.full_resync else connection.cursor
    skipped_reasons = dict(run.skipped_reasons or {})
    for page in adapter.fetch_orders(context, cursor):
        with transaction.atomic():
            if not Connection.objects.live().filter(pk=connection.pk).update(cursor=page.cursor):
                raise Stopped(f"Stopped: {connection} was paused or disconnected during the fetch.")
            result = ingest_page(connection, page.records, page.invalid, policy)
            accept_new_orders(connection, result)
            merge_skips(skipped_reasons, result.skipped_reasons)
            claimed = SyncRun.objects.filter(pk=run.pk, lease_token=token, status=SyncRun.Status.RUNNING).update(
                pages=F("pages") + 1,
                orders_seen=F("orders_seen") + result.seen,
                created=F("created") + result.created,
                updated=F("updated") + result.updated,
                unchanged=F("unchanged") + result.unchanged,
                skipped=F("skipped") + result.skipped,
                skipped_reasons=skipped_reasons,
                retries=faults.record(),
                total_expected=page.total,
                heartbeat_at=timezone.now(),
                cursor=page.cursor,
            )
            if not claimed:
                raise LeaseLost


def _finish(run: SyncRun, token: uuid.UUID, failure: Exception | None = None, faults: FaultLog | None = None) -> None:
    now = timezone.now()
    connection = Connection.objects.get(pk=run.connection_id)
    run_fields = {"finished_at": now, "heartbeat_at": now}
    if faults is not None:
        run_fields["retries"] = faults.record()
    conn_fields: dict = {}
    if failure is None:
        run_fields.update(status=SyncRun.Status.SUCCEEDED, error="", error_kind="")
        conn_fields.update(
            last_success_at=now,
            last_error="",
            consecutive_failures=0,
            next_sync_at=connection.schedule_next_sync(now),
            status=Connection.Status.CONNECTED,
        )
    elif isinstance(failure, Stopped):
        # What was committed stays; the pause or disconnect itself set the connection's state.
        run_fields.update(status=SyncRun.Status.CANCELLED, error=str(failure), error_kind="stopped")
    else:
        message, kind = describe_failure(connection, failure, run)
        failures = connection.consecutive_failures + 1
        retry_at = _retry_time(failure, failures, now)
        run_fields.update(status=SyncRun.Status.FAILED, error=message, error_kind=kind, retry_at=retry_at)
        needs_attention = (
            isinstance(failure, AuthError | PlatformError | CredentialsUnreadable)
            or failures >= health.FAILURES_BEFORE_ATTENTION
        )
        conn_fields.update(
            last_error=message,
            last_error_at=now,
            consecutive_failures=failures,
            next_sync_at=retry_at,
            status=Connection.Status.NEEDS_ATTENTION if needs_attention else Connection.Status.CONNECTED,
        )
    with transaction.atomic():
        if not SyncRun.objects.filter(pk=run.pk, lease_token=token).update(**run_fields):
            return
        # A pause or disconnect that came in during the run wins over the run's outcome.
        if conn_fields and Connection.objects.live().filter(pk=connection.pk).update(**conn_fields):
            run.error = run_fields.get("error", "")
            health.after_sync(connection, run, failure, conn_fields.get("consecutive_failures", 0))
        wake_waiting(connection.pk)


def describe_failure(connection: Connection, failure: Exception, run: SyncRun) -> tuple[str, str]:
    """The run's error in plain words with the way out, and its kind."""
    if isinstance(failure, PlatformFailure):
        message = connection.adapter.describe(failure)
        if isinstance(failure, RateLimited | TransientError):
            message += " The sync resumes by itself from the last saved page."
        return message, failure.kind
    if isinstance(failure, CredentialsUnreadable):
        return MERCHANT_WORDS, failure.kind
    return (
        f"Something went wrong on our side during this fetch (run #{run.pk}); it is retried by itself from "
        "the last saved page, and staff can see the details in the logs.",
        "internal",
    )


def _retry_time(failure: Exception, failures: int, now):
    """When to try again: never for rejected credentials, else backoff with jitter (up to
    SYNC_RETRY_MAX_SECONDS, so credentials FERNET_KEYS cannot decrypt are tried again now and
    then until the key is back, never in a tight loop)."""
    if isinstance(failure, AuthError):
        return None
    delay = backoff_seconds(failures, base=settings.SYNC_RETRY_BASE_SECONDS, cap=settings.SYNC_RETRY_MAX_SECONDS)
    if isinstance(failure, RateLimited):
        delay = max(delay, failure.retry_after)
    return now + timedelta(seconds=delay)
