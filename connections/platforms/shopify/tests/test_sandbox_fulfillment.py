"""The sandbox Shopify's `fulfillmentCreate`: what a fulfilment moves (quantities, statuses, the order's
updated_at, a webhook), and each refusal, which comes back as userErrors with HTTP 200."""

import pytest

from connections.platforms.shopify import queries
from connections.platforms.shopify.sandbox import orders as shopify_orders
from connections.platforms.shopify.sandbox.models import SandboxShopifyDelivery

from .sandbox_helpers import data_of, gql, make_order, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return make_shop(webhook_url="http://127.0.0.1:9/hooks")


def fulfillment_orders(client, order) -> dict:
    return data_of(gql(client, queries.FULFILLMENT_ORDERS, {"id": order.gid}))["order"]


def create(client, lines_by_fo, tracking=None, **extra) -> dict:
    fulfillment = {"lineItemsByFulfillmentOrder": lines_by_fo, **extra}
    if tracking is not None:
        fulfillment["trackingInfo"] = tracking
    return data_of(gql(client, queries.FULFILLMENT_CREATE, {"fulfillment": fulfillment}))["fulfillmentCreate"]


def only_fo(client, order) -> dict:
    (fo,) = fulfillment_orders(client, order)["fulfillmentOrders"]["nodes"]
    return fo


def test_fulfilling_everything_closes_the_fulfillment_order(client, shop):
    order = make_order(shop, line_items=2)
    before = order.updated_at
    fo = only_fo(client, order)
    tracking = {
        "number": "RM123456789GB",
        "url": "https://tracking.example.com/rm/RM123456789GB",
        "company": "Royal Mail",
    }
    payload = create(client, [{"fulfillmentOrderId": fo["id"]}], tracking, notifyCustomer=True)
    assert payload["userErrors"] == []
    made = payload["fulfillment"]
    assert made["id"].startswith("gid://shopify/Fulfillment/") and made["status"] == "SUCCESS"
    assert made["trackingInfo"] == [tracking]
    after = fulfillment_orders(client, order)
    assert after["displayFulfillmentStatus"] == "FULFILLED"
    (fo_after,) = after["fulfillmentOrders"]["nodes"]
    assert fo_after["status"] == "CLOSED"
    assert all(line["remainingQuantity"] == 0 for line in fo_after["lineItems"]["nodes"])
    assert after["fulfillments"] == [made]
    order.refresh_from_db()
    assert order.updated_at > before and order.fulfillment_status == "FULFILLED"
    (delivery,) = SandboxShopifyDelivery.objects.filter(order=order)
    assert delivery.topic == "orders/updated"
    assert '"fulfillment_status":"fulfilled"' in delivery.body


def test_fulfilling_part_then_the_rest(client, shop):
    order = make_order(shop, line_items=2)
    fo = only_fo(client, order)
    first, second = fo["lineItems"]["nodes"]
    payload = create(
        client,
        [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": first["id"], "quantity": 1}]}],
        {"numbers": ["A1", "A2"], "urls": ["https://t.example/A1", "https://t.example/A2"], "company": "DPD UK"},
    )
    assert payload["userErrors"] == []
    assert [t["number"] for t in payload["fulfillment"]["trackingInfo"]] == ["A1", "A2"]
    state = fulfillment_orders(client, order)
    assert state["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    fo = state["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "IN_PROGRESS"
    remaining = {line["id"]: line["remainingQuantity"] for line in fo["lineItems"]["nodes"]}
    assert remaining[first["id"]] == first["totalQuantity"] - 1
    assert remaining[second["id"]] == second["totalQuantity"]
    payload = create(client, [{"fulfillmentOrderId": fo["id"]}])  # the rest
    assert payload["userErrors"] == [] and payload["fulfillment"]["trackingInfo"] == []
    state = fulfillment_orders(client, order)
    assert state["displayFulfillmentStatus"] == "FULFILLED" and len(state["fulfillments"]) == 2
    ids = [f["id"] for f in state["fulfillments"]]
    assert len(set(ids)) == 2


def refused(payload) -> tuple[list[str], str]:
    assert payload["fulfillment"] is None
    (error,) = payload["userErrors"]
    return error["field"], error["message"]


def test_an_unknown_fulfillment_order(client, shop):
    make_order(shop)
    for unknown in ("gid://shopify/FulfillmentOrder/42", "gid://shopify/Order/42", "42"):
        field, message = refused(create(client, [{"fulfillmentOrderId": unknown}]))
        assert field == ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"]
        assert message == "Fulfillment order does not exist."


def test_another_shops_fulfillment_order_does_not_exist(client, shop):
    other = make_shop(domain="other-crafts.myshopify.com", token="shpat_other", client_id="other-client")
    order = make_order(other)
    fo_id = f"gid://shopify/FulfillmentOrder/{order.parsed()['fulfillment_orders'][0]['id']}"
    assert refused(create(client, [{"fulfillmentOrderId": fo_id}]))[1] == "Fulfillment order does not exist."


def test_a_closed_fulfillment_order(client, shop):
    order = make_order(shop, mix="fulfilled")
    fo = only_fo(client, order)
    assert fo["status"] == "CLOSED"
    field, message = refused(create(client, [{"fulfillmentOrderId": fo["id"]}]))
    assert field == ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"]
    assert message == f"Fulfillment order {fo['id']} has an unfulfillable status= closed."


def test_more_than_remains(client, shop):
    order = make_order(shop, line_items=1)
    fo = only_fo(client, order)
    (line,) = fo["lineItems"]["nodes"]
    asked = [{"id": line["id"], "quantity": line["remainingQuantity"] + 1}]
    field, message = refused(create(client, [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": asked}]))
    assert field[-1] == "quantity" and message.startswith("Invalid fulfillment order line item quantity requested")
    assert only_fo(client, order)["lineItems"]["nodes"][0]["remainingQuantity"] == line["remainingQuantity"]
    # a line item of the order is not a fulfillment order's line item
    order_line = data_of(gql(client, queries.ORDER, {"id": order.gid, "lineItems": 1}))["order"]["lineItems"]
    asked = [{"id": order_line["nodes"][0]["id"], "quantity": 1}]
    field, message = refused(create(client, [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": asked}]))
    assert message == "Fulfillment order line item does not exist."


def test_fulfillment_orders_of_two_orders(client, shop):
    one, two = make_order(shop, seed=1), make_order(shop, seed=2)
    ids = [{"fulfillmentOrderId": only_fo(client, order)["id"]} for order in (one, two)]
    field, message = refused(create(client, ids))
    assert field == ["fulfillment"] and "same order" in message
    assert only_fo(client, one)["status"] == "OPEN" and only_fo(client, two)["status"] == "OPEN"


def test_a_cancelled_order(client, shop):
    order = make_order(shop)
    fo = only_fo(client, order)
    shopify_orders.cancel_order(order)
    field, message = refused(create(client, [{"fulfillmentOrderId": fo["id"]}]))
    assert field == ["fulfillment"] and "cancelled" in message


def test_nothing_changes_and_nothing_is_queued_on_a_refusal(client, shop):
    order = make_order(shop)
    before = order.document
    fo = only_fo(client, order)
    (line,) = fo["lineItems"]["nodes"][:1]
    asked = [{"id": line["id"], "quantity": 999}]
    refused(create(client, [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": asked}]))
    order.refresh_from_db()
    assert order.document == before and not SandboxShopifyDelivery.objects.exists()


def test_singular_and_plural_tracking_do_not_mix(client, shop):
    order = make_order(shop)
    fo = only_fo(client, order)
    field, message = refused(create(client, [{"fulfillmentOrderId": fo["id"]}], {"number": "A", "numbers": ["B"]}))
    assert field == ["fulfillment", "trackingInfo"] and "not both" in message
