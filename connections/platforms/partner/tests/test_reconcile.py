"""The Partner API's reconciliation over real HTTP to the sandbox: the sync lists orders by creation
time, once per window, so a status whose webhook the platform dropped is repaired here."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from connections.platforms.base import OrderRecord
from connections.platforms.partner import adapter as partner
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.sandbox.data import create_chain, create_order, generate_orders, set_status
from connections.platforms.partner.sandbox.models import LOGISTICS_DELIVERY
from connections.platforms.partner.tests.fixtures import (
    PARTNER_CHAIN_ID,
    make_partner_connection,
    platform_statuses,
    portal_statuses,
)
from orders.ingest import ingest_page
from tests.integration.test_reconcile import fetch, reconcile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    cache.clear()
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.PARTNER_PAGE_SIZE = 25
    settings.RECONCILE_DAYS = 1
    settings.PARTNER_REQUESTS_PER_MINUTE = 60_000  # the budget has its own tests (test_throttle.py)


def test_statuses_whose_webhooks_were_dropped_are_repaired(live_server, merchant, monkeypatch):
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    chain = create_chain(
        "Quiet Grocer", chain_id=PARTNER_CHAIN_ID, token="partner-static-token-0001", vendor_ids=("v-1",)
    )
    generate_orders(chain, 60, days=2, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=3)
    # One the portal imported two months ago and still holds open; the platform keeps 60 days.
    ancient = create_order(
        chain, chain.vendors.get(), created_at=timezone.now() - timedelta(days=61), seed=4, notify=False
    )
    assert fetch(connection).created == 60
    ingest_page(connection, [OrderRecord(str(ancient.order_id), ancient.parsed(), normalize_order)])

    day_ago = timezone.now() - timedelta(days=1)
    recent = chain.orders.filter(created_at__gt=day_ago + timedelta(minutes=5)).order_by("created_at")
    older = chain.orders.filter(created_at__lt=day_ago - timedelta(minutes=5)).exclude(pk=ancient.pk)
    # The platform moves them on and its webhooks never arrive (the sync's windows are past them).
    set_status(recent.first(), "READY_FOR_PICKUP", notify=False)
    set_status(older.order_by("created_at").first(), "CANCELLED", notify=False)
    missed = fetch(connection)
    assert (missed.created, missed.updated) == (0, 0)

    fetched = []
    real = partner.PLATFORM.fetch_order
    monkeypatch.setattr(partner.PLATFORM, "fetch_order", lambda ctx, i: fetched.append(i) or real(ctx, i))
    run = reconcile(connection)

    assert run.status == "succeeded", run.error
    assert (run.updated, run.created, run.gone) == (2, 0, 1)
    assert portal_statuses(connection) == {**platform_statuses(chain), str(ancient.order_id): "RECEIVED"}
    # The last day's orders in pages of 25; each open order from before them by id, one request each.
    held_before = {str(i) for i in older.values_list("order_id", flat=True)}
    assert sorted(fetched) == sorted([*held_before, str(ancient.order_id)])
    assert run.pages == -(-recent.count() // 25) + -(-len(fetched) // partner.PLATFORM.reconciliation.batch)
    assert run.checked == 61

    again = reconcile(connection)
    assert (again.repaired, again.gone, again.checked) == (0, 1, 60)  # the cancelled one is no longer open
