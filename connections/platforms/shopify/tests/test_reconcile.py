"""Shopify's reconciliation over real HTTP to its sandbox: orders listed by id and update time alone,
and only those the portal does not hold at that time read in full."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from connections.platforms.shopify import client as client_module
from connections.platforms.shopify import queries
from connections.platforms.shopify.sandbox.data import create_order, create_shop, generate_orders
from connections.platforms.shopify.sandbox.orders import cancel_order
from connections.platforms.shopify.tests.fixtures import connect_sandbox_shop
from connections.platforms.values import utc_datetime
from orders.models import Order, SkippedOrder
from tests.integration.test_reconcile import fetch, reconcile

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "lagging-crafts.myshopify.com"


@pytest.fixture(autouse=True)
def sandbox_host(settings):
    cache.clear()
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0
    settings.SYNC_OVERLAP_SECONDS = 60


@pytest.fixture
def sent(monkeypatch):
    """Every GraphQL document sent, by its operation, with its variables."""
    calls = []
    real = client_module.GraphQL.query

    def recorded(self, document, variables=None, **kwargs):
        calls.append((document.split("(")[0].split()[-1], variables or {}))
        return real(self, document, variables, **kwargs)

    monkeypatch.setattr(client_module.GraphQL, "query", recorded)
    return calls


def test_only_the_orders_that_changed_behind_the_syncs_back_are_read_in_full(live_server, merchant, sent):
    shop = create_shop("Lagging Crafts", domain=DOMAIN)
    generate_orders(shop, 40, days=2, mix=("unfulfilled",) * 3 + ("fulfilled",), seed=5)
    connection = connect_sandbox_shop(live_server, merchant, shop)
    first = fetch(connection)
    imported = first.created
    assert first.skipped == 40 - imported and SkippedOrder.objects.count() == 40 - imported  # the fulfilled ones

    # Shopify's search index shows these late, behind the window the next sync reads, and their
    # webhooks never come: a cancellation, an order, and (gone for good) a deleted order.
    connection.refresh_from_db()
    behind = utc_datetime(connection.cursor["since"]) - timedelta(minutes=5)
    unfulfilled = shop.orders.filter(fulfillment_status="UNFULFILLED", updated_at__lt=behind).order_by("legacy_id")
    cancelled, deleted = unfulfilled[0], unfulfilled[1]
    cancel_order(cancelled, notify=False, at=behind)
    late = create_order(shop, created_at=behind, seed=8, notify=False)
    deleted_gid = deleted.gid
    deleted.delete()
    missed = fetch(connection)
    assert (missed.created, missed.updated) == (0, 0)

    sent.clear()
    run = reconcile(connection)

    assert run.status == "succeeded", run.error
    assert (run.created, run.updated, run.gone) == (1, 1, 1)
    listings = [variables for operation, variables in sent if operation == "OrderVersions"]
    since = listings[1]["query"].split("'")[1]  # the pass's RECONCILE_DAYS ago
    assert timedelta(days=3) <= timezone.now() - utc_datetime(since) < timedelta(days=3, minutes=1)
    # One page each, 250 a page: the open orders to ship, then the last days' others (no longer open; shipped).
    assert [v["query"] for v in listings] == [
        "status:open fulfillment_status:unfulfilled",
        f"created_at:>='{since}' NOT status:open",
        f"created_at:>='{since}' status:open NOT fulfillment_status:unfulfilled",
    ]
    assert all(v["first"] == queries.VERSIONS_PAGE for v in listings)
    read_in_full = sorted(v["id"] for operation, v in sent if operation == "Order")
    assert read_in_full == sorted([cancelled.gid, late.gid, deleted_gid])  # each once; the rest were as held
    assert Order.objects.get(external_id=cancelled.gid).status == "cancelled"
    assert Order.objects.get(external_id=late.gid).status == "pending"
    assert run.checked == imported + 1

    sent.clear()
    again = reconcile(connection)
    assert (again.repaired, again.gone) == (0, 1)
    assert [v["id"] for operation, v in sent if operation == "Order"] == [deleted_gid]  # asked for by id, gone
