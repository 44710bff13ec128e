"""Updating orders through the fake Partner API's PUT: Partner Picking's rules, refusals and webhooks."""

import uuid

import pytest

from connections.platforms.partner import picking as partner_picking
from connections.platforms.partner.picking import ItemUpdate, OrderUpdate
from connections.platforms.partner.sandbox import data as partner_data
from connections.platforms.partner.sandbox.models import PELICAN, SandboxPartnerDelivery

from .sandbox_helpers import (
    API,
    OTHER_CHAIN_ID,
    SECRET,
    TOKEN,
    api_get,
    api_put,
    bearer,
    error,
    make_chain,
    make_order,
    order_path,
    put_body,
)

pytestmark = pytest.mark.django_db
CANCEL = {"cancellation": {"reason": "ITEM_UNAVAILABLE", "cancelled_by": "VENDOR"}}


@pytest.fixture
def chain(db):
    return make_chain(webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET)


@pytest.fixture
def order(chain):
    return make_order(chain, items=3, notify=False)


@pytest.fixture
def vendor_order(chain):
    return make_order(chain, items=2, transport_type="VENDOR_DELIVERY", seed=2, notify=False)


def put(client, order, status, items=None, **extra):
    return api_put(client, order_path(order), put_body(order, status, items, **extra))


def events(order):
    return list(order.deliveries.order_by("next_attempt_at").values_list("status", flat=True))


def held(order):
    return order.parsed()["items"]


def test_update_cart_marks_items_replaces_one_and_sends_no_webhook(client, order):
    first, second, third = held(order)
    stamp = order.parsed()["sys"]["updated_at"]
    items = [
        {**first, "status": "IN_CART", "pricing": {**first["pricing"], "quantity": 4}},
        {**second, "status": "NOT_FOUND"},
        {**third, "status": "REPLACED"},
        {"sku": "OAT-MILK-1L", "name": "Oat milk 1 L", "status": "IN_CART", "replaced_id": third["_id"]},
    ]
    response = put(client, order, "UPDATE_CART", items)
    assert response.status_code == 200
    doc = response.json()
    assert doc["status"] == "RECEIVED" and doc["sys"]["updated_at"] > stamp and doc["sys"]["updated_by"] == "PARTNER"
    statuses = [(i["sku"], i["status"]) for i in doc["items"]]
    assert statuses == [
        (first["sku"], "IN_CART"),
        (second["sku"], "NOT_FOUND"),
        (third["sku"], "REPLACED"),
        ("OAT-MILK-1L", "IN_CART"),
    ]
    line = doc["items"][3]
    assert line["replaced_id"] == third["_id"] and line["_id"] and line["_id"] not in {first["_id"], third["_id"]}
    assert line["pricing"]["unit_price"] == third["pricing"]["unit_price"]  # the replaced line's price
    charged = [doc["items"][0], line]
    assert doc["payment"]["sub_total"] == round(sum(i["pricing"]["total_price"] for i in charged), 2)
    assert api_get(client, order_path(order)).json() == doc
    assert events(order) == []


def test_the_adapters_own_body_is_accepted(client, order):
    """What the portal's Partner Picking sends, built by its own code, goes through."""
    first, second, third = held(order)
    update = OrderUpdate(
        "READY_FOR_PICKUP",
        items=(
            ItemUpdate(first["_id"], "IN_CART", quantity=2),
            ItemUpdate(second["_id"], "NOT_FOUND"),
            ItemUpdate(third["_id"], "REPLACED", replacement_sku="EGGS-6", replacement_name="Eggs, 6"),
        ),
    )
    response = api_put(client, order_path(order), partner_picking.request_body(order.parsed(), update))
    assert response.status_code == 200, response.json()
    doc = response.json()
    assert doc["status"] == "READY_FOR_PICKUP"
    assert [i["status"] for i in doc["items"]] == ["IN_CART", "NOT_FOUND", "REPLACED", "IN_CART"]
    assert doc["items"][3]["sku"] == "EGGS-6" and doc["items"][3]["replaced_id"] == third["_id"]


def test_ready_for_pickup_sends_its_webhook_with_the_order(client, order):
    response = put(client, order, "READY_FOR_PICKUP")
    assert response.status_code == 200
    delivery = order.deliveries.get()
    assert (delivery.status, delivery.state) == ("READY_FOR_PICKUP", SandboxPartnerDelivery.QUEUED)
    order.refresh_from_db()
    assert delivery.body == order.document
    assert response.json()["status"] == "READY_FOR_PICKUP"


def test_each_delivery_takes_its_own_fulfilment(client, order, vendor_order):
    response = put(client, vendor_order, "READY_FOR_PICKUP")
    assert error(response) == (400, "bad_request") and "send DISPATCHED" in response.json()["message"]
    response = put(client, order, "DISPATCHED")
    assert error(response) == (400, "bad_request") and "send READY_FOR_PICKUP" in response.json()["message"]
    assert put(client, vendor_order, "DISPATCHED").json()["status"] == "DISPATCHED"
    assert events(vendor_order) == ["DISPATCHED"]
    assert events(order) == []


def test_the_webhook_after_a_vendor_dispatch_follows_the_chains_reading(client, chain, vendor_order):
    chain.vendor_delivery_confirmation = "READY_FOR_PICKUP"
    chain.save()
    assert put(client, vendor_order, "DISPATCHED").status_code == 200
    delivery = vendor_order.deliveries.get()
    assert delivery.status == "READY_FOR_PICKUP"
    assert delivery.body.count('"status":"READY_FOR_PICKUP"') == 1  # the event's status in the pushed body
    assert api_get(client, order_path(vendor_order)).json()["status"] == "DISPATCHED"


@pytest.mark.parametrize(
    ("cancellation", "words"),
    [
        (None, "cancellation.reason"),
        ({"reason": "BORED", "cancelled_by": "VENDOR"}, "cancellation.reason"),
        ({"reason": "TOO_BUSY"}, "cancelled_by"),
        ({"reason": "TOO_BUSY", "cancelled_by": " "}, "cancelled_by"),
    ],
    ids=["none", "unknown-reason", "no-cancelled-by", "blank-cancelled-by"],
)
def test_cancelling_needs_a_reason_and_who(client, order, cancellation, words):
    response = put(client, order, "CANCELLED", **({"cancellation": cancellation} if cancellation else {}))
    assert error(response) == (400, "bad_request") and words in response.json()["message"]
    order.refresh_from_db()
    assert order.status == "RECEIVED" and events(order) == []


def test_a_cancelled_order_is_final_and_cancelling_again_changes_nothing(client, order):
    response = put(client, order, "CANCELLED", **CANCEL)
    assert response.json()["cancellation"] == CANCEL["cancellation"]
    order.refresh_from_db()
    stamp = order.updated_at
    again = put(client, order, "CANCELLED", cancellation={"reason": "TOO_BUSY", "cancelled_by": "VENDOR"})
    assert again.status_code == 200 and again.json()["cancellation"] == CANCEL["cancellation"]
    for status in ("READY_FOR_PICKUP", "UPDATE_CART"):
        response = put(client, order, status, [])
        assert error(response) == (409, "conflict") and "already cancelled" in response.json()["message"]
    order.refresh_from_db()
    assert order.updated_at == stamp and events(order) == ["CANCELLED"]


def test_a_dispatched_order_can_no_longer_change(client, vendor_order):
    put(client, vendor_order, "DISPATCHED")
    assert put(client, vendor_order, "DISPATCHED").status_code == 200
    response = put(client, vendor_order, "CANCELLED", **CANCEL)
    assert error(response) == (409, "conflict") and "already dispatched" in response.json()["message"]
    assert events(vendor_order) == ["DISPATCHED"]


def test_the_cart_changes_only_before_fulfilment(client, order):
    put(client, order, "READY_FOR_PICKUP")
    response = put(client, order, "UPDATE_CART", [{**held(order)[0], "status": "NOT_FOUND"}])
    assert error(response) == (409, "conflict")
    assert put(client, order, "CANCELLED", **CANCEL).status_code == 200  # before the rider has it


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([{"_id": "nope", "status": "IN_CART"}], "Unknown item _id"),
        ("all of them", "items must be a list"),
        (["x"], "must be an object"),
        ([{"_id": "FIRST", "status": "PACKED"}], "status must be one of"),
        ([{"_id": "FIRST", "status": "IN_CART"}, {"_id": "FIRST", "status": "NOT_FOUND"}], "listed twice"),
        ([{"sku": "NEW-1", "status": "IN_CART"}], "must replace one"),
        ([{"sku": "NEW-1", "status": "IN_CART", "replaced_id": "nope"}], "replaced_id"),
        ([{"sku": "NEW-1", "status": "IN_CART", "replaced_id": "FIRST"}], "must be REPLACED"),
        ([{"status": "ADDITION"}], "needs a sku"),
        ([{"_id": "FIRST", "status": "IN_CART", "pricing": {"quantity": "two"}}], "must be a number"),
    ],
    ids=[
        "unknown",
        "not-a-list",
        "not-an-object",
        "bad-status",
        "twice",
        "orphan-line",
        "replaces-nothing",
        "original-not-replaced",
        "no-sku",
        "bad-quantity",
    ],
)
def test_bad_items_are_400_in_words(client, order, items, words):
    first = held(order)[0]["_id"]
    if isinstance(items, list):
        items = [{k: (first if v == "FIRST" else v) for k, v in i.items()} if isinstance(i, dict) else i for i in items]
    stamp = order.updated_at
    response = put(client, order, "UPDATE_CART", items)
    assert error(response) == (400, "bad_request")
    assert words in response.json()["message"]
    order.refresh_from_db()
    assert order.updated_at == stamp


def test_an_addition_is_a_new_line(client, order):
    addition = {
        "sku": "BAG-1",
        "name": "Paper bag",
        "status": "ADDITION",
        "pricing": {"unit_price": 0.2, "quantity": 2},
    }
    doc = put(client, order, "UPDATE_CART", [addition]).json()
    assert len(doc["items"]) == 4 and doc["items"][3]["status"] == "ADDITION"
    assert doc["items"][3]["pricing"]["total_price"] == 0.4
    assert doc["payment"]["sub_total"] == round(sum(i["pricing"]["total_price"] for i in doc["items"]), 2)


def test_the_same_cart_twice_changes_nothing(client, order):
    items = [{**held(order)[0], "status": "IN_CART"}]
    first = put(client, order, "UPDATE_CART", items).json()
    second = put(client, order, "UPDATE_CART", items).json()
    assert first == second


def test_accepted_is_for_own_riders_and_needs_accepted_for(client, order, vendor_order):
    assert error(put(client, order, "ACCEPTED", accepted_for="2026-11-24T10:00:00Z")) == (400, "bad_request")
    response = put(client, vendor_order, "ACCEPTED")
    assert error(response) == (400, "bad_request") and "accepted_for" in response.json()["message"]
    doc = put(client, vendor_order, "ACCEPTED", accepted_for="2026-11-24T10:00:00Z").json()
    assert (doc["status"], doc["accepted_for"]) == ("ACCEPTED", "2026-11-24T10:00:00.000Z")
    assert events(vendor_order) == []
    assert put(client, vendor_order, "UPDATE_CART", [{**held(vendor_order)[0], "status": "IN_CART"}]).status_code == 200


def test_pelican_orders_are_read_only(client, db):
    pelican = make_chain(picking_mode=PELICAN, chain_id=OTHER_CHAIN_ID, token="pelican-token-1", client_id="p")
    order = make_order(pelican)
    response = api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP"), token="pelican-token-1")
    assert error(response) == (403, "forbidden") and "Pelican" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"status": "PACKED"}, "status must be one of"),
        ({"status": "UPDATE_CART"}, "needs the items"),
        ({"status": "READY_FOR_PICKUP", "order_id": str(uuid.uuid4())}, "not the order in the path"),
        ([], "JSON object"),
    ],
    ids=["unknown-status", "cart-without-items", "other-order-id", "not-an-object"],
)
def test_bad_bodies_are_400(client, order, body, words):
    response = api_put(client, order_path(order), body)
    assert error(response) == (400, "bad_request") and words in response.json()["message"]


def test_a_body_that_is_not_json_is_400(client, order):
    response = client.put(f"{API}{order_path(order)}", "{nope", content_type="application/json", **bearer(TOKEN))
    assert error(response) == (400, "bad_request")


def test_no_webhook_url_no_delivery(client, db):
    quiet = make_chain(chain_id=OTHER_CHAIN_ID, token="quiet-token-1", client_id="q")
    order = make_order(quiet)
    assert api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP"), "quiet-token-1").status_code == 200
    assert not SandboxPartnerDelivery.objects.exists()
    assert partner_data.set_status(order, "DISPATCHED") and not SandboxPartnerDelivery.objects.exists()
