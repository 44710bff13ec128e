"""Marking a Shopify order shipped, from the order page and from the portal's API, over real HTTP to the
sandbox: the fulfillment orders are fulfilled with the tracking through fulfillmentCreate, each attempt
is recorded, a refusal is said in Shopify's words, and nothing is sent twice.

The broker is synchronous in tests (Q_SYNC): the push runs when the shipment commits.
"""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from connections.context import platform_context
from connections.platforms.base import ShipmentRequest
from connections.platforms.shopify.sandbox.data import create_shop, generate_orders
from connections.platforms.shopify.sandbox.orders import cancel_order
from connections.sync import execute, request_sync
from orders.actions import retry_action
from orders.models import Order, OutboundAction, Shipment

from .fixtures import connect_sandbox_shop

pytestmark = pytest.mark.django_db(transaction=True)
TRACKING = {"tracking_number": "RM 1234 5678 GB", "tracking_url": "https://track.example/RM1", "carrier": "Royal Mail"}


@pytest.fixture(autouse=True)
def fresh(settings):
    cache.clear()
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


@pytest.fixture
def store(live_server, merchant):
    shop = create_shop("Ship Crafts", domain="ship-crafts.myshopify.com")
    generate_orders(shop, 3, days=2, mix=("unfulfilled",), line_items=(2, 2), seed=2)
    connection = connect_sandbox_shop(live_server, merchant, shop)
    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    assert execute(run.pk).status == "succeeded"
    return shop, connection


def sandbox_order(shop, order: Order):
    return shop.orders.get(legacy_id=int(order.external_id.rsplit("/", 1)[1]))


def fulfillments(shop, order: Order) -> list[dict]:
    return json.loads(sandbox_order(shop, order).document).get("fulfillments") or []


def test_mark_dispatched_on_the_order_page_fulfils_it_on_shopify_with_the_tracking(member_client, store):
    shop, connection = store
    order = Order.objects.filter(connection=connection).first()
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "a carrier Shopify knows" in page and "NOTHS" not in page
    response = member_client.post(reverse("orders:dispatch", args=[order.pk]), TRACKING)
    assert response.status_code == 302
    action = OutboundAction.objects.get(order=order, kind="shipment")
    assert action.state == "done" and "Shopify marked the order fulfilled with tracking RM12345678GB" in action.result
    assert action.attempt_log.get().outcome == "done"
    (made,) = fulfillments(shop, order)
    assert made["tracking"][0]["number"] == "RM12345678GB"
    order.refresh_from_db()
    assert (order.platform_status, order.status) == ("fulfilled", "shipped")  # read back from Shopify


def test_the_api_ships_the_same_way_and_a_second_dispatch_is_refused(store, member, merchant):
    shop, connection = store
    order = Order.objects.filter(connection=connection).first()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(member, merchant, 'Warehouse')[1]}")
    response = api.post(f"/api/v1/orders/{order.pk}/shipments/", TRACKING, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["push"]["state"] == "done"
    again = api.post(f"/api/v1/orders/{order.pk}/shipments/", TRACKING, format="json")
    assert again.status_code == 409
    assert len(fulfillments(shop, order)) == 1


def test_a_retry_after_an_answer_that_was_lost_sends_nothing_twice(store, member):
    """The fulfilment arrived but its answer did not: the retry finds it on Shopify and is done."""
    shop, connection = store
    order = Order.objects.filter(connection=connection).first()
    shipment = Shipment.objects.create(order=order, tracking_number="RM12345678GB", carrier="Royal Mail")
    action = OutboundAction.objects.create(order=order, kind="shipment", shipment=shipment, state="failed")
    first = ShipmentRequest(tracking_number="RM12345678GB", carrier="Royal Mail")
    connection.adapter.shipments.push(platform_context(connection), order.external_id, first)  # its answer was lost
    retried = retry_action(action, member)
    retried.refresh_from_db()
    assert retried.state == "done" and "already" in retried.result
    assert len(fulfillments(shop, order)) == 1


def test_an_order_cancelled_on_shopify_is_refused_in_words_and_retry_is_offered(member_client, store):
    shop, connection = store
    order = Order.objects.filter(connection=connection).first()
    cancel_order(sandbox_order(shop, order), notify=False)
    member_client.post(reverse("orders:dispatch", args=[order.pk]), TRACKING)
    action = OutboundAction.objects.get(order=order, kind="shipment")
    assert action.state == "rejected" and "cancelled on Shopify" in action.last_error
    assert not fulfillments(shop, order)
    order.refresh_from_db()
    assert order.platform_status == "cancelled"  # read back after the refusal
