"""The fleet's health for staff: connections by health and platform, problems opened and closed
per day, webhook events per day (the last 30 days, in UTC).

A handful of grouped queries whatever the number of connections: each connection's health is
`health.health` of its group (platform, status, automatic import, whether it has an open
problem), never worked out connection by connection.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from portal.models import Heartbeat

from . import daily, health
from .chart_table import Chart, Series
from .models import Connection, Problem, WebhookEvent
from .platforms import registry

# The health states in the order the bars stack them, best first; each its own style in charts.js.
HEALTH_ORDER = (
    Connection.Status.CONNECTED,
    Connection.Status.SYNCING,
    Connection.Status.NEEDS_ATTENTION,
    Connection.Status.PENDING,
    Connection.Status.PAUSED,
    Connection.Status.DISCONNECTED,
)
# Each webhook state's style: processed like a connected connection, failed like one needing attention.
EVENT_STYLES = {
    WebhookEvent.State.PROCESSED: 0,
    WebhookEvent.State.RECEIVED: 1,
    WebhookEvent.State.FAILED: 2,
    WebhookEvent.State.PROCESSING: 3,
    WebhookEvent.State.NOT_APPLIED: 4,
}


def utc_window() -> daily.Window:
    return daily.last_days(timezone.get_default_timezone())


def health_counts() -> Counter:
    """{(platform key, health state): connections}: one grouped query and the scheduler's heartbeat."""
    open_problem = Exists(Problem.objects.filter(connection=OuterRef("pk"), closed_at=None))
    groups = (
        Connection.objects.order_by()
        .annotate(troubled=open_problem)
        .values("platform", "status", "auto_sync", "troubled")
        .annotate(n=Count("pk"))
    )
    running = Heartbeat.is_recent(Heartbeat.last_tick())
    tally: Counter = Counter()
    for group in groups:
        alike = Connection(platform=group["platform"], status=group["status"], auto_sync=group["auto_sync"])
        state = health.health(alike, [Problem()] if group["troubled"] else [], scheduler_running=running).state
        tally[group["platform"], state] += group["n"]
    return tally


def connections_by_health() -> Chart:
    tally = health_counts()
    platforms = registry.all_platforms()
    series = [
        Series(Connection.Status(state).label, [tally[platform.key, state] for platform in platforms], style)
        for style, state in enumerate(HEALTH_ORDER)
    ]
    attention = sum(n for (_, state), n in tally.items() if state == Connection.Status.NEEDS_ATTENTION)
    return Chart(
        slug="fleet-health",
        title="Connections by health and platform",
        kind="stacked",
        x_title="Platform",
        y_title="Connections",
        rows=[platform.name for platform in platforms],
        series=series,
        summary=f"{sum(tally.values()):,} connections on {len(platforms)} platforms, {attention:,} needing attention.",
        empty="No connection yet.",
    )


def problems_per_day() -> Chart:
    window = utc_window()
    opened = daily.counts(Problem.objects.all(), "first_seen_at", window).get((), window.zeros())
    closed = daily.counts(Problem.objects.all(), "closed_at", window).get((), window.zeros())
    series = [Series("Opened", opened, 2), Series("Closed", closed, 0)]
    return Chart(
        slug="fleet-problems",
        title="Problems opened and closed per day",
        kind="bar",
        x_title="Day (UTC)",
        y_title="Problems",
        rows=list(window.days),
        series=series,
        summary=f"Problems over the last {len(window.days)} days: "
        f"{series[0].total:,} opened, {series[1].total:,} closed.",
        empty=f"No problem opened or closed in the last {len(window.days)} days.",
    )


def webhook_events_per_day() -> Chart:
    """Webhook events received per day, stacked by their state now.

    Counting them all read every event of the last 30 days (500,000: 290 ms on PostgreSQL) on
    each view; the days before today are now counted every FLEET_PAST_DAYS_SECONDS (kept
    briefly, not for the day, because a past event's state can still change: a failed one
    retried), and today on each view."""
    window = utc_window()
    # Through the connections, so each one's range is read from (connection, received_at).
    events = WebhookEvent.objects.filter(connection__in=Connection.objects.order_by().values("pk"))
    per_state = daily.counts_with_past_kept(
        events, "received_at", window, ("state",), key="fleet-webhooks", seconds=settings.FLEET_PAST_DAYS_SECONDS
    )
    series = [
        Series(state.label, per_state.get((state.value,), window.zeros()), style)
        for state, style in EVENT_STYLES.items()
    ]
    return Chart(
        slug="fleet-webhooks",
        title="Webhook events per day",
        kind="stacked",
        x_title="Day (UTC)",
        y_title="Events received",
        rows=list(window.days),
        series=series,
        summary=f"Webhook events over the last {len(window.days)} days: {sum(s.total for s in series):,} received.",
        empty=f"No webhook event in the last {len(window.days)} days.",
    )


def fleet_charts() -> list[Chart]:
    return [connections_by_health(), problems_per_day(), webhook_events_per_day()]
