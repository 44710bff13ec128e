"""A connection's page, Order downloads, Manage Connection and a run's page take the same number of
queries however many runs, orders and webhook events the connection has; its counts are capped."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connections.models import SyncRun, WebhookEvent
from connections.platforms.partner.tests.fixtures import make_partner_connection
from portal import counting
from tests.factories import ConnectionFactory
from tests.support.charts import finished_run, imported, local, webhook_events

pytestmark = pytest.mark.django_db


def grow(shop, chain, size: int) -> None:
    """`size` finished runs over the last days, orders imported on the days before today, and
    webhook events in each state the page counts."""
    for n in range(size):
        finished_run(shop, local(n % 20, 1 + n % 20), 3.0)
        finished_run(chain, local(n % 20, 2), 4.0, kind=SyncRun.Kind.SYNC)
    imported(shop, *[local(1 + n % 20, 9) for n in range(size)])
    for state in (WebhookEvent.State.PROCESSED, WebhookEvent.State.FAILED, WebhookEvent.State.NOT_APPLIED):
        webhook_events(chain, local(0, 3), size, state=state)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(db) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def shop(merchant):
    return ConnectionFactory(merchant=merchant, name="bigshop")


@pytest.fixture
def chain(merchant):
    return make_partner_connection(merchant)


def test_the_pages_take_the_same_queries_at_6_and_30_runs_orders_and_events(member_client, shop, chain, settings):
    def urls():
        run = SyncRun.objects.filter(connection=shop).latest("queued_at")
        return [
            reverse("connections:detail", args=[shop.pk]),
            reverse("connections:detail", args=[chain.pk]),
            reverse("connections:downloads"),
            reverse("connections:manage"),
            reverse("connections:run", args=[shop.pk, run.pk]),
        ]

    # Past a connection's first few runs: the runs its page holds then answer the retry notice.
    assert settings.RETRY_NOTICE_RUNS < 6
    grow(shop, chain, 6)
    for url in urls():  # the charts' days before today, counted once and kept
        member_client.get(url)
    small = [queries(member_client, url) for url in urls()]
    grow(shop, chain, 24)
    assert [queries(member_client, url) for url in urls()] == small


def test_the_counts_say_more_than_the_cap_without_counting_past_it(member_client, chain, monkeypatch):
    monkeypatch.setattr(counting, "COUNT_CAP", 5)
    monkeypatch.setattr(counting.count_up_to, "__defaults__", (5,))
    webhook_events(chain, local(0, 3), 7, state=WebhookEvent.State.FAILED)
    imported(chain, *[local(0, 9)] * 7)
    page = member_client.get(reverse("connections:detail", args=[chain.pk])).content.decode()
    assert "5+ failed" in page
    assert 'Orders in the portal</dt><dd id="orders-held">5+ imported' in page
