"""bench/scale_data.py, the builder of `bench/scale.py`'s data set, at a tiny size (PostgreSQL only).

The bench itself is run by hand; this keeps its builder working as the models change: it must
still copy every column from rows the app wrote and land the counts it promises.
"""

import pytest
from django.db import connection
from django.db.models import F

from bench import scale_data
from connections.models import Connection, SyncRun, WebhookEvent
from orders.models import Order, OrderEvent, OrderItem, OutboundAction
from portal.models import Merchant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the builder writes with PostgreSQL's SQL"),
]


def test_tiny_data_set_has_the_promised_counts():
    sizes = scale_data.Sizes.scaled(300)
    facts = scale_data.build(sizes, log=lambda words: None)

    orders = list(Order.objects.values_list("pk", flat=True))
    assert scale_data.counts() == {
        "merchants": sizes.merchants,  # the templates' merchant is gone, with its rows
        "connections": sizes.connections,
        "orders": sizes.orders,
        "items": sizes.orders * sizes.items_per_order,
        "order_events": sizes.orders + sum(1 for pk in orders if pk % 5 < sizes.second_events_per_5),
        "sync_runs": sizes.runs,
        "webhook_events": sizes.webhook_events,
        "outbound_actions": sizes.orders,  # one an order
    }
    big = Connection.objects.get(pk=facts["big_connection"])
    assert big.merchant_id == facts["big_merchant"]
    assert Order.objects.filter(merchant_id=facts["big_merchant"]).count() == sizes.big_orders
    assert Order.objects.filter(connection=big).count() == sizes.big_orders
    assert SyncRun.objects.filter(connection=big).count() == sizes.big_runs
    hooked = WebhookEvent.objects.filter(connection_id=facts["hook_connection"])
    assert hooked.count() == sizes.big_webhook_events
    # Every order is one a merchant page can show: its merchant is its connection's.
    assert not Order.objects.exclude(merchant_id=F("connection__merchant_id")).exists()
    assert Order.objects.filter(customer_name__icontains="Smith", merchant_id=facts["big_merchant"]).exists()
    assert Order.objects.filter(number__icontains=facts["number_fragment"]).exists()
    assert OrderItem.objects.filter(order_id=facts["order"]).count() == sizes.items_per_order
    assert OrderEvent.objects.filter(order_id=facts["order"]).exists()
    assert OutboundAction.objects.filter(order_id=facts["order"]).count() == 1
    assert Merchant.objects.filter(name="Bench templates").count() == 0
    chain = Connection.objects.filter(merchant__members__user__username=facts["chain_owner"])
    assert chain.count() == sizes.chain
    assert Connection.objects.exclude(merchant__members__user__username=facts["chain_owner"]).count() == (
        sizes.connections - sizes.chain
    )


def test_cheap_connections_for_the_tick():
    scale_data.build(scale_data.Sizes.scaled(300), log=lambda words: None)
    fleet = Connection.objects.count()

    assert scale_data.add_cheap_connections(2 * fleet + 1) == 2 * fleet + 1
    assert Connection.objects.count() == 3 * fleet + 1
    assert Connection.objects.filter(name__contains="-copy").count() == 2 * fleet + 1
