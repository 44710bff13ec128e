"""What a connection's pages say about when its orders are fetched: the next sync in every state,
and the first download, which starts by itself after Add Account.

The merchant follows guides that say "click Fetch Orders to begin"; when the schedule has
already begun, the page says so, and it never says "none" while a fetch or a check is under way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .models import Connection, SyncRun

Status = Connection.Status
# The portal's style for a moment on a page: "4 Dec, 14:12" (24-hour).
MOMENT = "j M, H:i"
# A run started by the portal itself, not by a person.
AUTOMATIC = (SyncRun.Trigger.SCHEDULED, SyncRun.Trigger.RETRY)


def moment(value) -> str:
    return format_date(timezone.localtime(value), MOMENT)


def next_sync_words(connection: Connection, active_run: SyncRun | None, *, scheduler_running: bool = True) -> str:
    """The "Next scheduled sync" line: what is happening now, and when the next fetch is due."""
    if connection.status == Status.DISCONNECTED:
        return "none: the connection is disconnected"
    if connection.status == Status.PENDING:
        return "none until the authorization is finished"
    if connection.status == Status.PAUSED:
        return "none while paused: Resume starts automatic imports again"
    if active_run is not None:
        return _while_active(connection, active_run)
    if not connection.auto_sync:
        return "automatic import is off"
    if connection.next_sync_at is None:
        if connection.status == Status.NEEDS_ATTENTION:
            return "stopped until the credentials are fixed"
        return "set by the scheduler within a minute"
    return _due(connection, scheduler_running)


def _while_active(connection: Connection, run: SyncRun) -> str:
    since = moment(run.started_at or run.queued_at)
    if run.is_reconciliation:
        now = f"checking the open orders now (since {since})"
        if not connection.auto_sync:
            return f"{now}; automatic import is off"
        if connection.next_sync_at is None:
            return now
        if connection.next_sync_at <= timezone.now():
            return f"{now}; a fetch is due and the check steps aside for it at its next page"
        return f"{now}; the next fetch is due {moment(connection.next_sync_at)}"
    if run.lost_words:
        now = f"a fetch started {since} is under way. {run.lost_words}"
    elif run.status == SyncRun.Status.QUEUED:
        now = f"a fetch is queued (since {since}) and starts when a worker is free"
    else:
        now = f"a fetch is running now (started {since})"
    if not connection.auto_sync:
        return f"{now}; automatic import is off"
    interval = connection.get_sync_interval_minutes_display().lower()
    return f"{now}; then {interval}, counted from when it ends"


def _due(connection: Connection, scheduler_running: bool) -> str:
    due = connection.next_sync_at
    retry = " (a retry after the last failure)" if connection.consecutive_failures else ""
    if due > timezone.now():
        return f"{moment(due)}{retry}"
    if scheduler_running:
        return f"due now{retry}: it starts within a minute"
    return f"due since {moment(due)}{retry}, waiting for the scheduler"


def first_download_words(connection: Connection, only_fetch: SyncRun | None) -> str:
    """After Add Account: the first download starts (or started) by itself; '' once it no longer matters.

    `only_fetch` is the connection's one fetch so far (None when it has none); pass it only while
    the connection has at most one (`first_fetches`)."""
    if only_fetch is None:
        if not (connection.auto_sync and connection.status == Status.CONNECTED and connection.next_sync_at):
            return ""
        due = connection.next_sync_at
        when = "within a minute" if due <= timezone.now() else f"at {moment(due)}"
        return f"The first download starts automatically {when}: there is no need to click Fetch Orders."
    if only_fetch.trigger not in AUTOMATIC:
        return ""
    said = f"The first download started automatically at {moment(only_fetch.started_at or only_fetch.queued_at)}"
    if only_fetch.status == SyncRun.Status.QUEUED:
        return f"{said}; it is queued and starts when a worker is free."
    if only_fetch.status == SyncRun.Status.RUNNING:
        return f"{said} and is running now: its progress is shown here."
    if only_fetch.status == SyncRun.Status.SUCCEEDED:
        return f"{said} and finished at {moment(only_fetch.finished_at)}: {only_fetch.created} new orders."
    return f"{said} and did not finish: see the latest fetch."


def first_fetches(connections: list[Connection], seen: Iterable[SyncRun] = ()) -> dict[int, SyncRun | None]:
    """For each connection with at most one fetch so far: that fetch (or None); at most two queries.

    "A second fetch exists" reads at most two runs of each connection, where counting them all
    read 10,000 on a busy one. `seen` are runs the caller already holds (a connection page's
    latest): a connection with two fetches among them is asked nothing."""
    fetched = Counter(run.connection_id for run in seen if run.kind == SyncRun.Kind.SYNC)
    asked = [c.pk for c in connections if fetched[c.pk] < 2]
    if not asked:
        return {}
    fetches = SyncRun.objects.filter(connection=OuterRef("pk"), kind=SyncRun.Kind.SYNC).order_by()
    early = list(
        Connection.objects.order_by().filter(pk__in=asked).filter(~Exists(fetches[1:2])).values_list("pk", flat=True)
    )
    found = {run.connection_id: run for run in SyncRun.objects.filter(connection_id__in=early, kind=SyncRun.Kind.SYNC)}
    return {c.pk: found.get(c.pk) for c in connections if c.pk in early}
