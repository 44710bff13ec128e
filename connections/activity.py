"""A merchant's connections over the last 30 days: orders imported per day, and how long fetches took.

An order counts on the day it was first imported (`Order.first_seen_at`, set once by ingest),
in the merchant's time zone. Every query is scoped by the connection and its merchant, and
reads a bounded range through an index that starts with the connection
(`order_connection_first_seen`, `syncrun_connection_started`).
"""

from __future__ import annotations

import zoneinfo

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max

from orders.models import Order
from portal.models import Merchant

from . import daily
from .chart_table import Chart, Series, seconds
from .models import Connection, SyncRun

CLOSED_DAYS_SECONDS = 24 * 3600  # how long a connection's counts of the days before today are kept
TOOK = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
# The style numbers (static/charts.js STYLES) of each kind's average and longest.
DURATION_STYLES = {SyncRun.Kind.SYNC: (0, 4), SyncRun.Kind.RECONCILE: (1, 5)}


def merchant_window(merchant: Merchant) -> daily.Window:
    return daily.last_days(zoneinfo.ZoneInfo(merchant.timezone))


def _imported(merchant: Merchant, connections: list[Connection], window: daily.Window) -> dict[int, list[int]]:
    """Each connection's orders first imported per day: the days before today from the cache,
    today counted now.

    Counting the whole window read every order imported in it (100,000 index entries for a
    busy connection, over 100 ms on PostgreSQL), on every view of its page. An order's
    `first_seen_at` is set once, when it is imported, so a day that is over keeps its count:
    the closed days are counted once per connection, time zone and day and kept for a day
    (CLOSED_DAYS_SECONDS; a new day is a new key), and only today's orders are read each time.
    An order deleted meanwhile still counts on its day until the key changes.
    """
    # Scoped through the connection (a primary-key join), not Order.merchant: on PostgreSQL that
    # filter had the planner AND in a bitmap of all the merchant's orders, for nothing.
    connection_ids = [connection.pk for connection in connections]
    orders = Order.objects.filter(connection_id__in=connection_ids, connection__merchant=merchant)
    closed, today = window.before_today()
    keys = {connection.pk: _closed_days_key(merchant, connection, window) for connection in connections}
    known = cache.get_many(list(keys.values()))
    missing = [pk for pk in connection_ids if keys[pk] not in known]
    if missing:
        counted = daily.counts(orders.filter(connection_id__in=missing), "first_seen_at", closed, ("connection_id",))
        fresh = {keys[pk]: counted.get((pk,), closed.zeros()) for pk in missing}
        cache.set_many(fresh, CLOSED_DAYS_SECONDS)
        known.update(fresh)
    now = daily.counts(orders, "first_seen_at", today, ("connection_id",))
    return {pk: [*known[keys[pk]], *now.get((pk,), today.zeros())] for pk in connection_ids}


def _closed_days_key(merchant: Merchant, connection: Connection, window: daily.Window) -> str:
    return daily.kept_key(_connection_key("orders-imported", merchant, connection), window)


def _connection_key(what: str, merchant: Merchant, connection: Connection) -> str:
    """The cache key of a connection's kept figures: the merchant asking, the connection's id and
    creation (ids are reused after a rollback)."""
    return f"{what}:{merchant.pk}:{connection.pk}:{connection.created_at.timestamp()}"


def orders_imported(connection: Connection) -> Chart:
    """Orders first imported per day by one connection."""
    window = merchant_window(connection.merchant)
    values = _imported(connection.merchant, [connection], window).get(connection.pk, window.zeros())
    series = Series("Orders imported", values)
    busiest = max(range(len(values)), key=lambda n: values[n])
    summary = f"Orders imported per day, last {len(window.days)} days: {series.total:,} in all"
    if series.total:
        day = window.days[busiest]
        summary += f", most on {day.day} {day:%b} ({values[busiest]:,})"
    return Chart(
        slug="orders-imported",
        title="Orders imported per day",
        kind="bar",
        x_title="Day",
        y_title="Orders imported",
        rows=list(window.days),
        series=[series],
        summary=summary + ".",
        empty=f"No order was imported in the last {len(window.days)} days.",
    )


def orders_trends(merchant: Merchant, connections: list[Connection]) -> Chart:
    """Orders imported per day, one series per connection (the sparklines of Order downloads); one query."""
    window = merchant_window(merchant)
    ours = [connection for connection in connections if connection.merchant_id == merchant.pk]
    imported = _imported(merchant, ours, window)
    series = [Series(str(connection), imported.get(connection.pk, window.zeros())) for connection in ours]
    return Chart(
        slug="orders-trends",
        title="Orders imported per day, by connection",
        kind="sparkline",
        x_title="Day",
        y_title="Orders imported",
        rows=list(window.days),
        series=series,
        summary=f"Orders imported per day over the last {len(window.days)} days, for each connection.",
    )


def fetch_durations(connection: Connection) -> Chart:
    """How long the connection's finished fetches took per day: the average and the longest, per kind
    (regular syncs, and checks of open orders where the platform has them); one query, two when
    the days before today are not kept yet (CLOSED_DAYS_SECONDS, as for the orders imported).

    Each view read every run of the window (8,000 a month on a connection fetched every five
    minutes); now only today's."""
    window = merchant_window(connection.merchant)
    key = _connection_key("fetch-durations", connection.merchant, connection)
    rows = daily.rows_with_past_kept(lambda days: _durations(connection, days), window, key, CLOSED_DAYS_SECONDS)
    kinds = [SyncRun.Kind.SYNC]
    if connection.adapter.reconciliation or any(row["kind"] == SyncRun.Kind.RECONCILE for row in rows):
        kinds.append(SyncRun.Kind.RECONCILE)
    series = []
    for kind in kinds:
        mine = [row for row in rows if row["kind"] == kind]
        average_style, longest_style = DURATION_STYLES[kind]
        for value, style in (("average", average_style), ("longest", longest_style)):
            per_day = window.spread(mine, value, empty=None).get((), window.zeros(None))
            series.append(Series(f"{kind.label}: {value}", per_day, style, seconds))
    runs_counted = sum(row["n"] for row in rows)
    return Chart(
        slug="fetch-durations",
        title="How long fetches took",
        kind="line",
        x_title="Day",
        y_title="Seconds",
        rows=list(window.days),
        series=series,
        summary=f"How long fetches took per day, last {len(window.days)} days: {runs_counted:,} finished, "
        "the average and the longest each day, fetches and checks of open orders apart.",
        empty=f"No fetch finished in the last {len(window.days)} days.",
    )


def _durations(connection: Connection, window: daily.Window) -> list[dict]:
    """Per day and kind of the window: how many fetches finished, their average and longest in seconds."""
    runs = SyncRun.objects.filter(
        connection=connection, connection__merchant=connection.merchant, finished_at__isnull=False
    )
    rows = (
        window.within(runs.order_by(), "started_at")
        .values("day", "kind")
        .annotate(n=Count("pk"), average=Avg(TOOK), longest=Max(TOOK))
    )
    return [{**row, "average": _seconds(row["average"]), "longest": _seconds(row["longest"])} for row in rows]


def _seconds(took) -> float | None:
    return None if took is None else round(took.total_seconds(), 1)
