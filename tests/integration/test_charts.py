"""The charts' figures: counted per day in the database, zero-filled, in the viewer's time zone,
one merchant's only; the fleet's in a constant number of queries; and the pages that show them."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from connections import activity, daily, fleet
from connections.models import Connection, Problem, SyncRun, WebhookEvent
from connections.platforms import registry
from portal.models import Heartbeat
from tests.factories import ConnectionFactory
from tests.support.charts import UTC, finished_run, imported, local, problem, webhook_events
from tests.support.two_factor import staff_user

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def tick():
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})


@pytest.fixture
def shop(merchant):
    merchant.timezone = "UTC"
    merchant.save()
    return ConnectionFactory(merchant=merchant, name="giftshop")


# -- the window ---------------------------------------------------------------------------------


def test_the_window_is_today_and_the_29_days_before_it_in_the_zone_given():
    now = datetime(2026, 3, 8, 3, 30, tzinfo=UTC)  # 7 March, 22:30 in New York
    window = daily.last_days(NEW_YORK, now=now)
    assert len(window.days) == 30
    assert str(window.days[-1]) == "2026-03-07" and str(window.days[0]) == "2026-02-06"
    assert window.start == datetime(2026, 2, 6, tzinfo=NEW_YORK)
    assert window.end == datetime(2026, 3, 8, tzinfo=NEW_YORK)  # the end of 7 March, local


# -- orders imported ----------------------------------------------------------------------------


def test_orders_imported_are_counted_on_their_day_and_the_days_between_are_zero(shop):
    imported(shop, local(0, 9), local(0, 10), local(2, 23, 59), local(29, 0, 0))
    imported(shop, local(30, 23, 59))  # the day before the window: not counted
    chart = activity.orders_imported(shop)
    values = chart.series[0].values
    assert len(values) == 30 and chart.rows[-1] == local(0, 0).date()
    assert values[-1] == 2 and values[-3] == 1 and values[0] == 1
    assert sum(values) == 4 and values.count(0) == 27
    assert "4 in all" in chart.summary


def test_an_order_counts_on_the_day_it_was_first_imported_not_when_it_was_last_updated(shop):
    (order,) = imported(shop, local(5, 12))
    order.updated_at = local(0, 8)
    order.save(update_fields=["updated_at"])
    values = activity.orders_imported(shop).series[0].values
    assert values[-6] == 1 and values[-1] == 0


def test_days_are_the_merchants_own_around_midnight(shop):
    """An order at 23:30 in New York is that day's there, though it is the next day in UTC."""
    shop.merchant.timezone = "America/New_York"
    shop.merchant.save()
    late_yesterday = local(1, 23, 30, tz=NEW_YORK)
    early_today = local(0, 0, 30, tz=NEW_YORK)
    assert late_yesterday.astimezone(UTC).date() == early_today.astimezone(UTC).date()  # one UTC day...
    imported(shop, late_yesterday, early_today)
    chart = activity.orders_imported(Connection.objects.get(pk=shop.pk))
    assert chart.rows[-1] == timezone.localtime(timezone.now(), NEW_YORK).date()
    assert chart.series[0].values[-2:] == [1, 1]  # ...two New York days


def test_one_merchant_never_counts_anothers_orders(shop, other_merchant):
    theirs = ConnectionFactory(merchant=other_merchant, name="theirs")
    imported(theirs, local(0, 9), local(0, 10))
    imported(shop, local(0, 11))
    assert activity.orders_imported(shop).series[0].values[-1] == 1
    trends = activity.orders_trends(shop.merchant, [shop, theirs])  # another's connection handed in by mistake
    assert [series.name for series in trends.series] == [str(shop)]
    assert trends.series[0].values[-1] == 1
    # Even a connection that moved to another merchant after the page listed it: the query checks again.
    Connection.objects.filter(pk=shop.pk).update(merchant=other_merchant)
    assert activity.orders_trends(shop.merchant, [shop]).series[0].values[-1] == 0


def test_the_trends_of_every_connection_come_in_two_queries_then_one(shop, django_assert_num_queries):
    """The days before today once (then from the cache), today's each time: for every connection at once."""
    second = ConnectionFactory(merchant=shop.merchant, name="second")
    imported(shop, local(1, 9))
    imported(second, local(0, 9), local(0, 9))
    with django_assert_num_queries(2):
        trends = activity.orders_trends(shop.merchant, [shop, second])
    assert [series.values[-2:] for series in trends.series] == [[1, 0], [0, 2]]
    imported(second, local(0, 10))  # today's orders are counted each time
    with django_assert_num_queries(1):
        trends = activity.orders_trends(shop.merchant, [shop, second])
    assert [series.values[-2:] for series in trends.series] == [[1, 0], [0, 3]]


def test_the_days_before_today_are_read_once_however_many_orders(shop, django_assert_num_queries):
    imported(shop, *[local(day, 9) for day in range(1, 30) for _ in range(3)])
    assert sum(activity.orders_imported(shop).series[0].values) == 87
    imported(shop, local(0, 9))
    with django_assert_num_queries(1):  # today only
        assert sum(activity.orders_imported(shop).series[0].values) == 88


# -- fetch durations ----------------------------------------------------------------------------


def test_fetch_durations_average_and_longest_per_day_with_syncs_and_checks_apart(shop):
    finished_run(shop, local(0, 1), 2.0)
    finished_run(shop, local(0, 2), 4.0)
    finished_run(shop, local(3, 2), 10.0)
    finished_run(shop, local(0, 3), 30.0, kind=SyncRun.Kind.RECONCILE)
    SyncRun.objects.create(connection=shop, status=SyncRun.Status.RUNNING, started_at=local(0, 4))  # not finished
    chart = activity.fetch_durations(shop)
    named = {series.name: series.values for series in chart.series}
    assert list(named) == [
        "Fetch: average",
        "Fetch: longest",
        "Check of open orders: average",
        "Check of open orders: longest",
    ]
    assert named["Fetch: average"][-1] == 3.0 and named["Fetch: longest"][-1] == 4.0
    assert named["Fetch: average"][-4] == 10.0
    assert named["Fetch: average"][-2] is None  # no run that day: a gap, not a zero
    assert named["Check of open orders: average"][-1] == 30.0 and named["Check of open orders: average"][-4] is None
    assert chart.series[0].cells()[-1] == (3.0, "3 s") and chart.series[0].cells()[-2] == ("", "\u2013")
    assert "4 finished" in chart.summary


def test_fetch_durations_read_the_days_before_today_once_then_only_today(shop, django_assert_num_queries):
    for day in range(1, 30):
        finished_run(shop, local(day, 2), 10.0)
    finished_run(shop, local(0, 1), 2.0)
    with django_assert_num_queries(2):  # the days before today, then today
        assert "30 finished" in activity.fetch_durations(shop).summary
    finished_run(shop, local(0, 2), 4.0)
    with django_assert_num_queries(1):  # today only: the past is kept
        chart = activity.fetch_durations(shop)
    assert "31 finished" in chart.summary
    assert chart.series[0].values[-1] == 3.0 and chart.series[0].values[-2] == 10.0
    other = ConnectionFactory(merchant=shop.merchant, name="other")
    with django_assert_num_queries(2):  # each connection keeps its own
        assert activity.fetch_durations(other).is_empty


def test_fetch_durations_are_one_connections_only(shop):
    other = ConnectionFactory(merchant=shop.merchant, name="other")
    finished_run(other, local(0, 1), 50.0)
    assert activity.fetch_durations(shop).is_empty


# -- the fleet ----------------------------------------------------------------------------------


def _counts_by_state(chart, platform_name):
    row = chart.rows.index(platform_name)
    return {series.name: series.values[row] for series in chart.series if series.values[row]}


def test_fleet_health_counts_each_connection_once_by_its_health_and_platform(db):
    tick()
    ConnectionFactory.create_batch(3)
    ConnectionFactory(status=Connection.Status.PAUSED)
    troubled = ConnectionFactory()
    problem(troubled, local(0, 1))
    paused_with_problem = ConnectionFactory(status=Connection.Status.PAUSED)
    problem(paused_with_problem, local(0, 1))  # paused wins, as on the merchant's page
    ConnectionFactory(status=Connection.Status.NEEDS_ATTENTION)
    closed = ConnectionFactory()
    problem(closed, local(2, 1), closed=local(1, 1))
    chart = fleet.connections_by_health()
    assert _counts_by_state(chart, registry.get("noths").name) == {"Connected": 4, "Paused": 2, "Needs attention": 2}
    assert "8 connections" in chart.summary and "2 needing attention" in chart.summary


def test_fleet_health_with_the_scheduler_stopped_is_what_the_merchant_is_told(db):
    """No tick for long: automatic connections need attention, as health.health says."""
    ConnectionFactory(auto_sync=True)
    ConnectionFactory(auto_sync=False)
    counts = fleet.health_counts()
    assert counts["noths", Connection.Status.NEEDS_ATTENTION] == 1
    assert counts["noths", Connection.Status.CONNECTED] == 1


def test_fleet_health_takes_the_same_queries_for_many_connections(db, django_assert_max_num_queries):
    tick()
    for n in range(40):
        connection = ConnectionFactory(status=[Connection.Status.CONNECTED, Connection.Status.PAUSED][n % 2])
        if n % 3 == 0:
            problem(connection, local(0, 1))
    with django_assert_max_num_queries(3):  # the grouped connections, and the heartbeat
        counts = fleet.health_counts()
    assert sum(counts.values()) == 40


def test_fleet_health_names_the_platforms_from_the_registry(db):
    assert fleet.connections_by_health().rows == [platform.name for platform in registry.all_platforms()]


def test_problems_opened_and_closed_per_day(db):
    connection = ConnectionFactory()
    problem(connection, local(3, 10), closed=local(1, 10))
    problem(connection, local(1, 9), cause=Problem.Cause.CREDENTIALS_REJECTED)
    problem(connection, local(40, 9), closed=local(0, 9), cause=Problem.Cause.WEBHOOK_SILENT)  # opened long ago
    opened, closed = fleet.problems_per_day().series
    assert (opened.name, closed.name) == ("Opened", "Closed")
    assert opened.values[-4] == 1 and opened.values[-2] == 1 and opened.total == 2
    assert closed.values[-2] == 1 and closed.values[-1] == 1 and closed.total == 2


def test_webhook_events_per_day_by_state_across_the_fleet(db):
    one, two = ConnectionFactory(), ConnectionFactory()
    webhook_events(one, local(0, 9), 3)
    webhook_events(two, local(0, 10), 2)
    webhook_events(two, local(1, 10), 1, state=WebhookEvent.State.FAILED)
    webhook_events(two, local(31, 10), 5)  # before the window
    chart = fleet.webhook_events_per_day()
    named = {series.name: series.values for series in chart.series}
    assert named["Processed"][-1] == 5 and named["Failed"][-2] == 1
    assert sum(sum(values) for values in named.values()) == 6
    assert "6 received" in chart.summary


def test_webhook_events_per_day_counts_past_days_once_then_only_today(db, settings, django_assert_num_queries):
    settings.FLEET_PAST_DAYS_SECONDS = 300
    connection = ConnectionFactory()
    webhook_events(connection, local(2, 10), 2)
    webhook_events(connection, local(0, 10), 1)
    first = fleet.webhook_events_per_day()
    webhook_events(connection, local(2, 11), 4)  # a past day: not seen until counted again
    webhook_events(connection, local(0, 11), 3)  # today: seen at once
    with django_assert_num_queries(1):  # today's events only
        second = fleet.webhook_events_per_day()
    before, after = ({s.name: s.values for s in chart.series}["Processed"] for chart in (first, second))
    assert (before[-3], before[-1]) == (2, 1)
    assert (after[-3], after[-1]) == (2, 4)


# -- the pages ----------------------------------------------------------------------------------


def test_the_connection_page_shows_its_charts_with_their_numbers(member_client, shop):
    imported(shop, local(0, 9), local(0, 10), local(1, 9))
    finished_run(shop, local(0, 1), 2.5)
    body = member_client.get(reverse("connections:detail", args=[shop.pk])).content.decode()
    assert 'id="chart-orders-imported"' in body and 'id="chart-fetch-durations"' in body
    assert 'data-numbers="chart-orders-imported-numbers"' in body
    assert '<td class="num" data-value="2">2</td>' in body  # today's orders, in the numbers table
    assert '<td class="num" data-value="2.5">2 s</td>' in body
    assert "Show the numbers" in body and "/static/charts.js" in body


def test_a_new_connections_charts_say_there_is_nothing_yet(member_client, shop):
    body = member_client.get(reverse("connections:detail", args=[shop.pk])).content.decode()
    assert "No order was imported in the last 30 days." in body
    assert "No fetch finished in the last 30 days." in body
    finished_run(shop, local(0, 1), 2.5)
    body = member_client.get(reverse("connections:detail", args=[shop.pk])).content.decode()
    assert "No fetch finished" not in body


def test_order_downloads_shows_a_trend_per_connection_and_only_the_merchants(member_client, shop, other_merchant):
    theirs = ConnectionFactory(merchant=other_merchant, name="their-secret-shop")
    imported(theirs, local(0, 9))
    imported(shop, local(0, 9), local(0, 9), local(0, 9))
    body = member_client.get(reverse("connections:downloads")).content.decode()
    assert body.count('data-chart="sparkline"') == 1
    assert "3 orders</span>" in body
    assert "their-secret-shop" not in body


def test_order_downloads_without_connections_draws_nothing(member_client):
    body = member_client.get(reverse("connections:downloads")).content.decode()
    assert "data-chart" not in body and "charts.js" not in body


def test_fleet_health_is_for_staff_and_linked_from_the_admin_index(client, member):
    url = reverse("fleet_health")
    client.force_login(member)
    assert client.get(url).status_code == 302  # a merchant's member is sent to the admin's sign-in
    client.force_login(staff_user())
    assert f'href="{url}"' in client.get(reverse("admin:index")).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    for slug in ("fleet-health", "fleet-problems", "fleet-webhooks"):
        assert f'id="chart-{slug}"' in body and f'id="chart-{slug}-numbers"' in body


def test_fleet_health_asks_for_the_second_factor_where_the_admin_does(client, settings):
    settings.ADMIN_REQUIRE_2FA = True
    client.force_login(staff_user())
    response = client.get(reverse("fleet_health"))
    assert response.status_code == 302 and "fleet-health" in response.url
