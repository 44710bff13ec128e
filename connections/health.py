"""A connection's honest health, and its problems: recorded once, grouped, closed by themselves.

`report` is called where a cause shows itself (a sync's end, a Test connection, a push
the platform refused, the tick's webhook check), `resolve` where it goes away (the next
success). Each opening and each closing mails the merchant's members once, after commit:
a problem that repeats only raises its count.

A platform that keeps needing retries (`retry_notices`) is a notice on the health, not a
problem: its faults were absorbed and the orders came in, so there is nothing the merchant
can do and nothing to mail. Once its faults outlast the retries, the fetches fail, and
failures that repeat are a problem (`FAILURES_BEFORE_ATTENTION`).
"""

from __future__ import annotations

import itertools
import logging
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from portal.models import Heartbeat

from .models import Connection, Problem, SyncRun, WebhookEvent
from .platforms import faults, registry
from .platforms.errors import AuthError, PlatformError, PlatformFailure
from .sealed import MERCHANT_WORDS, STAFF_FIX, CredentialsUnreadable

log = logging.getLogger(__name__)
Cause = Problem.Cause
# What a successful sync or credentials check proves is gone.
CLEARED_BY_SUCCESS = (
    Cause.CREDENTIALS_REJECTED,
    Cause.PLATFORM_REFUSING,
    Cause.REPEATED_FAILURES,
    Cause.CREDENTIALS_UNREADABLE,
)
# The problem a failure opens at once, by its kind (a platform's answer, or credentials FERNET_KEYS
# cannot decrypt); other failures (rate limits, outages, our own) become a problem only when they repeat.
CAUSE_BY_KIND = {
    AuthError.kind: Cause.CREDENTIALS_REJECTED,
    PlatformError.kind: Cause.PLATFORM_REFUSING,
    CredentialsUnreadable.kind: Cause.CREDENTIALS_UNREADABLE,
}
# What credentials the platform accepted (Test connection, Edit) prove is gone; fetches
# failing for other reasons wait for a fetch that succeeds.
CLEARED_BY_CHECK = (Cause.CREDENTIALS_REJECTED, Cause.PLATFORM_REFUSING, Cause.CREDENTIALS_UNREADABLE)
# After this many failed runs in a row a connection needs attention, even for passing faults.
FAILURES_BEFORE_ATTENTION = 3
RECENT_EVENTS = 20  # the webhook rhythm is learned from this many recent events
SCHEDULER_STOPPED = (
    "Automatic imports are waiting: the portal's scheduler is not running. Staff see it on /healthz and have "
    "to start a worker."
)


@dataclass(frozen=True)
class Health:
    state: str  # connected, syncing, needs_attention, paused, disconnected, pending
    label: str
    reason: str = ""
    # Worth knowing, nothing to do: the platform keeps needing retries (`retry_notices`).
    notice: str = ""


def health(
    connection: Connection,
    open_problems: list[Problem] | None = None,
    *,
    scheduler_running: bool = True,
    notice: str = "",
) -> Health:
    """What the merchant is told: the state, for needs attention why in words, and a `notice`
    (from `retry_notices`) for an active connection."""
    status = connection.status
    problems = open_problems if open_problems is not None else list(connection.problems.filter(closed_at=None))
    if status in (Connection.Status.DISCONNECTED, Connection.Status.PAUSED, Connection.Status.PENDING):
        return Health(status, connection.get_status_display())
    if problems or status == Connection.Status.NEEDS_ATTENTION:
        reason = problems[0].message if problems else connection.last_error
        return Health(Connection.Status.NEEDS_ATTENTION, "Needs attention", reason, notice)
    if connection.auto_sync and not scheduler_running:
        return Health(Connection.Status.NEEDS_ATTENTION, "Needs attention", SCHEDULER_STOPPED, notice)
    if status == Connection.Status.SYNCING:
        return Health(status, "Syncing", notice=notice)
    return Health(Connection.Status.CONNECTED, "Connected", notice=notice)


def retry_notices(connections: list[Connection]) -> dict[int, str]:
    """The active connections whose recent runs keep needing retries, with the notice in words; one query.

    Of the last RETRY_NOTICE_RUNS finished runs of a connection, at least RETRY_NOTICE_MIN_RUNS
    absorbed a passing fault (a 429, a 5xx, a timeout): "<platform> has needed retries in 4 of
    the last 5 runs (...): it may be struggling."
    """
    window, least = settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS
    active = {c.pk: c for c in connections if c.is_active}
    if not active or window <= 0 or least <= 0:
        return {}
    finished = SyncRun.objects.filter(connection_id__in=list(active), finished_at__isnull=False)
    if len(active) == 1:
        # One connection (its page): its latest runs off the (connection, -queued_at, -id) index, a
        # LIMIT, not a window over all its runs (10,000 sorted on a busy connection). A connection
        # has one active run at a time (syncrun_one_active_per_connection), so its runs finish in
        # the order they were queued, but for a check of open orders that stepped aside for a sync
        # (WAITING): it finishes after the runs queued meanwhile. Counted by queue time it sits one
        # or two places earlier in the window than by finishing time; the notice stays the same
        # unless that shift moves it in or out of the last RETRY_NOTICE_RUNS.
        recent = finished.order_by("-queued_at", "-id").values_list("connection_id", "retries")[:window]
    else:
        latest_first = Window(
            RowNumber(), partition_by=[F("connection_id")], order_by=[F("finished_at").desc(), F("pk").desc()]
        )
        recent = (
            finished.annotate(newness=latest_first).filter(newness__lte=window).values_list("connection_id", "retries")
        )
    runs: dict[int, list[dict]] = {}
    for connection_id, retries in recent:
        runs.setdefault(connection_id, []).append(retries or {})
    return _notices(active, runs)


def _notices(connections: dict[int, Connection], runs: dict[int, list[dict]]) -> dict[int, str]:
    """The notice of each connection whose latest finished runs' retry records (`runs`) say it keeps needing retries."""
    notices = {}
    for pk, records in runs.items():
        needed = [record for record in records if faults.total(record)]
        if len(needed) < settings.RETRY_NOTICE_MIN_RUNS:
            continue
        kinds: Counter[str] = Counter()
        for record in needed:
            kinds.update(dict(faults.by_kind(record)))
        which = ", ".join(faults.kind_words(kind, kinds[kind]) for kind in faults.KIND_WORDS if kinds[kind])
        notices[pk] = (
            f"{connections[pk].adapter.short_name} has needed retries in {len(needed)} of the last {len(records)} runs "
            f"({which}): it may be struggling. The retries absorbed them, so there is nothing to do; if its "
            "faults outlast the retries, fetches fail and this connection will say so."
        )
    return notices


def retry_notice(connection: Connection, latest: Iterable[SyncRun] = ()) -> str:
    """`retry_notices` of one connection ('' when it has none).

    `latest`: runs of it the caller holds, newest first (its page's latest, by queue time as the
    query reads them): when they include the RETRY_NOTICE_RUNS latest finished runs, no query."""
    window, least = settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS
    finished = [run.retries or {} for run in latest if run.finished_at is not None][:window]
    if 0 < window == len(finished) and least > 0 and connection.is_active:
        return _notices({connection.pk: connection}, {connection.pk: finished}).get(connection.pk, "")
    return retry_notices([connection]).get(connection.pk, "")


def report(connection: Connection, cause: str, message: str) -> Problem:
    """Record that `cause` is (still) happening: opens the problem, or counts one more."""
    now = timezone.now()
    for _ in range(2):  # a concurrent opener wins the unique constraint: count on its row
        with transaction.atomic():
            problem = Problem.objects.select_for_update().filter(connection=connection, cause=cause, closed_at=None)
            if problem.update(count=F("count") + 1, last_seen_at=now, message=message):
                return problem.get()
            try:
                with transaction.atomic():
                    opened = Problem.objects.create(
                        connection=connection, cause=cause, message=message, first_seen_at=now, last_seen_at=now
                    )
            except IntegrityError:
                continue
            log.warning("Problem opened on connection %s: %s", connection.pk, message)
            transaction.on_commit(lambda pk=opened.pk: _mail(pk, opening=True))
            return opened
    raise RuntimeError("unreachable: the open problem vanished twice")  # pragma: no cover


def resolve(connection: Connection, *causes: str) -> int:
    """Close the open problems of these causes (all when none are named); returns how many."""
    problems = Problem.objects.filter(connection=connection, closed_at=None)
    if causes:
        problems = problems.filter(cause__in=causes)
    closed = 0
    for pk in list(problems.values_list("pk", flat=True)):
        if Problem.objects.filter(pk=pk, closed_at=None).update(closed_at=timezone.now()):
            closed += 1
            log.info("Problem %s on connection %s closed", pk, connection.pk)
            transaction.on_commit(lambda pk=pk: _mail(pk, opening=False))
    return closed


def log_unreadable(connection: Connection, during: str) -> None:
    """The log line staff find: FERNET_KEYS and the connection, never a value or a key."""
    log.error(
        "FERNET_KEYS cannot decrypt the stored credentials of connection %s (%s): the key that encrypted them "
        "is not in the list. %s",
        connection.pk,
        during,
        STAFF_FIX,
    )


def credentials_unreadable(connection: Connection, during: str) -> Problem:
    """FERNET_KEYS cannot decrypt the connection's credentials: logged for staff, a problem for the merchant."""
    log_unreadable(connection, during)
    return report(connection, Cause.CREDENTIALS_UNREADABLE, MERCHANT_WORDS)


def record_failure(connection: Connection, message: str, *, auth: bool) -> None:
    """Write an error the merchant must see; rejected credentials also stop the schedule."""
    fields = {"last_error": message, "last_error_at": timezone.now()}
    if auth:
        fields.update(status=Connection.Status.NEEDS_ATTENTION, next_sync_at=None)
    Connection.objects.live().filter(pk=connection.pk).update(**fields)


def record_platform_failure(connection: Connection, error: PlatformFailure) -> None:
    """A platform's answer to a push or a download: rejected credentials need the merchant at once."""
    if isinstance(error, AuthError):
        message = connection.adapter.describe(error)
        record_failure(connection, message, auth=True)
        report(connection, CAUSE_BY_KIND[error.kind], message)


def after_sync(connection: Connection, run: SyncRun, failure: Exception | None, failures: int) -> None:
    """A sync ended: its outcome opens, counts or closes the problems it speaks for."""
    if failure is None:
        resolve(connection, *CLEARED_BY_SUCCESS)
        return
    message = run.error or str(failure)
    if cause := CAUSE_BY_KIND.get(getattr(failure, "kind", "")):
        report(connection, cause, message)
    elif failures >= FAILURES_BEFORE_ATTENTION:
        report(connection, Cause.REPEATED_FAILURES, f"{failures} fetches in a row failed. The last: {message}")


def after_reconcile(connection: Connection, run: SyncRun, failure: Exception | None) -> None:
    """A reconciliation ended: a refusal opens its problem as a sync's would; many repairs open the
    problem that the incremental feed loses changes, and a pass that repairs nothing closes it."""
    if failure is not None and (cause := CAUSE_BY_KIND.get(getattr(failure, "kind", ""))):
        report(connection, cause, run.error or str(failure))
    if failure is None:
        resolve(connection, *CLEARED_BY_CHECK)
    if run.repaired > settings.RECONCILE_PROBLEM_THRESHOLD:
        report(connection, Cause.SYNC_MISSES_CHANGES, missed_changes_words(connection, run))
    elif failure is None and not run.repaired:
        resolve(connection, Cause.SYNC_MISSES_CHANGES)


def missed_changes_words(connection: Connection, run: SyncRun) -> str:
    platform = connection.adapter.short_name
    return (
        f"The check of your open and recent orders repaired {run.repaired:,} that the regular sync had missed "
        f"({run.updated:,} out of date, {run.created:,} missing). They are right now; {platform} is not reporting "
        f"every change to the regular sync, so the check keeps catching them{_for_example(run.repaired_examples)}."
    )


def _for_example(numbers: list[str]) -> str:
    return f" (for example {', '.join(numbers[:5])})" if numbers else ""


def check_webhook_silence(now=None) -> int:
    """The tick's part: a webhook connection silent far beyond its rhythm has a problem; returns how
    many were found silent by this tick's checks.

    Only the connections whose check is due are read (`Connection.next_silence_check_at`, a range
    of its partial index; none yet: at once). Each check sets the next: when the connection would
    become silent if nothing came meanwhile; a window on (the silence is reported once per window,
    not every minute); or, with no rhythm yet, after the floor. A silence problem is closed at the
    next tick after an event comes (`_close_returned`), one indexed look per open problem.
    """
    now = now or timezone.now()
    _close_returned()
    due = (
        Connection.objects.live()
        .filter(platform__in=registry.webhook_platforms())
        .filter(Q(next_silence_check_at__lte=now) | Q(next_silence_check_at=None))
        .order_by()  # unordered: the index gives the due ones, a sort by id would tempt a walk of them all
    )
    silent = 0
    for connection in due:
        times = list(
            WebhookEvent.objects.filter(connection=connection)
            .order_by("-received_at")
            .values_list("received_at", flat=True)[:RECENT_EVENTS]
        )
        if len(times) < 2:  # no rhythm yet: a new or quiet store is not a problem
            next_check = now + timedelta(minutes=settings.WEBHOOK_SILENT_MINUTES_MIN)
        else:
            allowed = silence_allowed(times)
            quiet_for = now - times[0]
            if quiet_for > allowed:
                silent += 1
                hours = quiet_for.total_seconds() / 3600
                report(
                    connection,
                    Cause.WEBHOOK_SILENT,
                    f"No webhook for {hours:.1f} hours, though events usually come every "
                    f"{_words(_usual_gap(times))}. Check the webhook URL and secret in the platform's settings; "
                    "the scheduled sync still brings the orders in.",
                )
                next_check = now + allowed
            else:
                resolve(connection, Cause.WEBHOOK_SILENT)
                next_check = times[0] + allowed
        Connection.objects.filter(pk=connection.pk).update(next_silence_check_at=next_check)
    return silent


def _close_returned() -> int:
    """Close the silence problems of connections that have sent an event since it was last seen; their
    rhythm is checked again at once."""
    returned = Problem.objects.filter(cause=Cause.WEBHOOK_SILENT, closed_at=None).filter(
        Exists(WebhookEvent.objects.filter(connection=OuterRef("connection"), received_at__gt=OuterRef("last_seen_at")))
    )
    closed = 0
    for problem in returned.select_related("connection"):
        closed += resolve(problem.connection, Cause.WEBHOOK_SILENT)
        Connection.objects.filter(pk=problem.connection_id).update(next_silence_check_at=None)
    return closed


def silence_allowed(times: list) -> timedelta:
    """How long a connection may stay quiet: many times its usual gap, never under the floor."""
    floor = timedelta(minutes=settings.WEBHOOK_SILENT_MINUTES_MIN)
    return max(floor, _usual_gap(times) * settings.WEBHOOK_SILENT_FACTOR)


def _usual_gap(times: list) -> timedelta:
    gaps = [(newer - older).total_seconds() for newer, older in itertools.pairwise(times)]
    return timedelta(seconds=statistics.median(gaps))


def _words(gap: timedelta) -> str:
    minutes = gap.total_seconds() / 60
    return f"{minutes:.0f} minutes" if minutes < 120 else f"{minutes / 60:.0f} hours"


def _mail(problem_pk: int, *, opening: bool) -> None:
    """Mail the members once per opening or closing; the conditional update makes it once."""
    field = "opened_mail_at" if opening else "closed_mail_at"
    if not Problem.objects.filter(pk=problem_pk, **{f"{field}__isnull": True}).update(**{field: timezone.now()}):
        return
    problem = Problem.objects.select_related("connection__merchant").get(pk=problem_pk)
    connection = problem.connection
    recipients = [
        email
        for email in connection.merchant.members.filter(user__is_active=True).values_list("user__email", flat=True)
        if email
    ]
    if not recipients:
        return
    link = f"{settings.PORTAL_BASE_URL}{reverse('connections:detail', args=[connection.pk])}"
    if opening:
        subject = f"{connection.name} needs attention: {problem.get_cause_display().lower()}"
        body = f"{problem.message}\n\nThe connection's page: {link}\n\nWe will write again when it is fixed."
    else:
        subject = f"{connection.name} is working again"
        body = (
            f"Fixed: {problem.get_cause_display().lower()} (seen {problem.count} time"
            f"{'s' if problem.count != 1 else ''} since {problem.first_seen_at:%d %b %H:%M} UTC).\n\n{link}"
        )
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # a mail server down must not undo the record; staff see it in the log
        log.exception("Could not mail the members of merchant %s about problem %s", connection.merchant_id, problem_pk)


def healths(connections: list[Connection], open_problems: list[Problem]) -> None:
    """Set `.health` on each connection, given their open problems (newest first); two queries more."""
    running = Heartbeat.is_recent(Heartbeat.last_tick())
    notices = retry_notices(connections)
    by_connection: dict[int, list[Problem]] = {}
    for problem in open_problems:
        by_connection.setdefault(problem.connection_id, []).append(problem)
    for connection in connections:
        connection.health = health(
            connection,
            by_connection.get(connection.pk, []),
            scheduler_running=running,
            notice=notices.get(connection.pk, ""),
        )
