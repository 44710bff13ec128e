"""Partner Picking: the PUT body (`partner_picking`) and `PartnerOrderUpdates.send` against `responses`."""

import copy
import json

import pytest
import responses
from django.core.cache import cache

from connections.platforms.base import PlatformContext
from connections.platforms.errors import AuthError, PlatformError, TransientError
from connections.platforms.partner import picking as partner_picking
from connections.platforms.partner.adapter import PartnerPlatform
from connections.platforms.partner.picking import ItemUpdate, OrderUpdate, done_words, request_body
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID, partner_credentials
from connections.platforms.partner.tests.orders import partner_order

BASE = "https://partner.test"
ORDER_ID = "5b0e3f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
ORDER_URL = f"{BASE}/v2/chains/{PARTNER_CHAIN_ID}/orders/{ORDER_ID}"
adapter = PartnerPlatform()


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    cache.clear()


def ctx(**credentials) -> PlatformContext:
    return PlatformContext(base_url=BASE, credentials=partner_credentials(**credentials))


def order(**kwargs) -> dict:
    return partner_order(ORDER_ID, **kwargs)


def items_by_sku(body) -> dict:
    return {item["sku"]: item for item in body["items"]}


# -- the body ------------------------------------------------------------------------------------


def test_picked_and_not_found_items_are_marked_and_the_rest_sent_as_held():
    current = order()
    held = copy.deepcopy(current)
    body = request_body(
        current,
        OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART"), ItemUpdate("item-2", "NOT_FOUND"))),
    )
    assert body["order_id"] == ORDER_ID and body["status"] == "UPDATE_CART" and "cancellation" not in body
    milk, banana = body["items"]
    assert (milk["_id"], milk["status"], milk["pricing"]) == ("item-1", "IN_CART", held["items"][0]["pricing"])
    assert (banana["_id"], banana["status"]) == ("item-2", "NOT_FOUND")
    assert current == held  # the platform's document is not changed in place


def test_a_picked_quantity_sets_the_item_quantity_and_its_total():
    body = request_body(order(), OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART", quantity=1),)))
    pricing = items_by_sku(body)["MILK-1L"]["pricing"]
    assert (pricing["quantity"], pricing["total_price"], pricing["unit_price"]) == (1, 3.2, 3.2)


def test_a_replaced_item_gets_a_new_line_pointing_at_it():
    change = ItemUpdate("item-1", "REPLACED", replacement_sku="OAT-1L", replacement_name="Oat drink 1 l", quantity=3)
    body = request_body(order(), OrderUpdate("READY_FOR_PICKUP", items=(change,)))
    assert [i["sku"] for i in body["items"]] == ["MILK-1L", "BANANA", "OAT-1L"]
    milk, line = body["items"][0], body["items"][2]
    assert milk["status"] == "REPLACED" and milk["pricing"]["quantity"] == 2  # the original keeps what was ordered
    assert line == {
        "sku": "OAT-1L",
        "name": "Oat drink 1 l",
        "status": "IN_CART",
        "replaced_id": "item-1",
        "pricing": {"pricing_type": "UNIT", "unit_price": 3.2, "total_price": 9.6, "quantity": 3},
    }


def test_a_replacement_without_a_name_is_named_by_its_sku_and_keeps_the_quantity():
    body = request_body(order(), OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "REPLACED", "OAT-1L"),)))
    line = items_by_sku(body)["OAT-1L"]
    assert line["name"] == "OAT-1L" and line["pricing"]["quantity"] == 2


def test_a_held_replacement_line_is_never_left_out_so_the_body_means_the_same_either_way():
    """Whether a PUT's items are the whole list or only the changes is not documented: a held
    replacement line is sent kept (same SKU, new quantity) or withdrawn (NOT_FOUND), never dropped."""
    current = order()
    current["items"][0]["status"] = "REPLACED"
    current["items"].append(
        {"_id": "item-3", "sku": "OAT-1L", "name": "Oat", "status": "IN_CART", "replaced_id": "item-1", "pricing": {}}
    )

    def lines(change):
        body = request_body(current, OrderUpdate("UPDATE_CART", items=(change,)))
        return [(i.get("_id"), i["sku"], i["status"], i.get("replaced_id")) for i in body["items"]]

    assert lines(ItemUpdate("item-1", "REPLACED", "SOY-1L")) == [
        ("item-1", "MILK-1L", "REPLACED", None),
        ("item-2", "BANANA", "NOT_PROCESSED", None),
        ("item-3", "OAT-1L", "NOT_FOUND", "item-1"),  # withdrawn, not left out
        (None, "SOY-1L", "IN_CART", "item-1"),  # the new SKU is a new line
    ]
    assert lines(ItemUpdate("item-1", "REPLACED", "OAT-1L", quantity=1)) == [
        ("item-1", "MILK-1L", "REPLACED", None),
        ("item-2", "BANANA", "NOT_PROCESSED", None),
        ("item-3", "OAT-1L", "IN_CART", "item-1"),  # the same SKU: the platform's line, its id kept
    ]
    assert lines(ItemUpdate("item-1", "IN_CART")) == [  # found after all: the replacement withdrawn
        ("item-1", "MILK-1L", "IN_CART", None),
        ("item-2", "BANANA", "NOT_PROCESSED", None),
        ("item-3", "OAT-1L", "NOT_FOUND", "item-1"),
    ]


def test_a_cancellation_carries_its_reason_and_who_cancelled():
    body = request_body(order(), OrderUpdate("CANCELLED", cancel_reason="TOO_BUSY"))
    assert body["status"] == "CANCELLED" and body["cancellation"] == {"reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    assert request_body(order(), OrderUpdate("CANCELLED"))["cancellation"]["reason"] == "ITEM_UNAVAILABLE"


@pytest.mark.parametrize(
    ("update", "words"),
    [
        (OrderUpdate("ACCEPTED"), "ACCEPTED is not an update the portal sends"),
        (OrderUpdate("UPDATE_CART", items=(ItemUpdate("gone", "IN_CART"),)), "not on this order any more"),
        (OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "ADDITION"),)), "not a picking status"),
        (OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "REPLACED"),)), "needs the SKU"),
        (OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART", quantity=0),)), "at least 1"),
        (
            OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART"), ItemUpdate("item-1", "NOT_FOUND"))),
            "marked twice",
        ),
        (OrderUpdate("CANCELLED", cancel_reason="BORED"), "not a cancellation reason"),
        (OrderUpdate("DISPATCHED"), "send \u201cReady for pickup\u201d"),
    ],
)
def test_updates_the_portal_cannot_send_are_refused_before_any_put(update, words):
    with pytest.raises(PlatformError, match=words):
        request_body(order(), update)


def test_the_fulfilment_must_fit_the_delivery():
    own_riders = order(transport_type="VENDOR_DELIVERY")
    assert request_body(own_riders, OrderUpdate("DISPATCHED"))["status"] == "DISPATCHED"
    with pytest.raises(PlatformError, match="own rider delivers it\\): send \u201cDispatched\u201d"):
        request_body(own_riders, OrderUpdate("READY_FOR_PICKUP"))
    unknown = order(transport_type="")
    assert request_body(unknown, OrderUpdate("READY_FOR_PICKUP"))["status"] == "READY_FOR_PICKUP"
    assert partner_picking.fulfil_statuses("LOGISTICS_DELIVERY") == ("READY_FOR_PICKUP",)
    assert partner_picking.fulfil_statuses("VENDOR_DELIVERY") == ("DISPATCHED",)
    assert partner_picking.fulfil_statuses("") == ("READY_FOR_PICKUP", "DISPATCHED")


@pytest.mark.parametrize("current", [None, [], "order", {"items": "none"}])
def test_something_other_than_an_order_is_a_passing_fault(current):
    with pytest.raises(TransientError):
        request_body(current, OrderUpdate("UPDATE_CART"))


def test_done_words_say_what_the_platform_now_holds():
    picked = (ItemUpdate("a", "IN_CART"), ItemUpdate("b", "IN_CART"), ItemUpdate("c", "REPLACED", "OAT-1L"))
    assert done_words(OrderUpdate("READY_FOR_PICKUP", items=picked)) == (
        "The Partner API marked the order ready for pickup (2 picked, 1 replaced by OAT-1L)."
    )
    assert done_words(OrderUpdate("UPDATE_CART", items=(ItemUpdate("a", "NOT_FOUND"),))) == (
        "The Partner API has the picked items (1 not found)."
    )
    assert done_words(OrderUpdate("CANCELLED", cancel_reason="CLOSED")) == (
        "The Partner API cancelled the order (Store closed)."
    )
    assert done_words(OrderUpdate("DISPATCHED")) == "The Partner API marked the order dispatched."


def test_pelican_connections_are_read_only():
    assert partner_picking.read_only_words({"picking_mode": "pelican"}) == partner_picking.READ_ONLY
    assert partner_picking.read_only_words({"picking_mode": "partner"}) == ""


# -- PartnerOrderUpdates.send over HTTP -------------------------------------------------------


@responses.activate
def test_update_order_gets_the_order_then_puts_the_whole_body():
    responses.get(ORDER_URL, json=order())
    responses.put(ORDER_URL, json={"status": "ok"})
    change = ItemUpdate("item-2", "REPLACED", replacement_sku="APPLE", replacement_name="Apples")
    result = adapter.order_updates.send(
        ctx(), ORDER_ID, OrderUpdate("READY_FOR_PICKUP", items=(ItemUpdate("item-1", "IN_CART"), change)).payload()
    )
    assert [c.request.method for c in responses.calls] == ["GET", "PUT"]
    put = responses.calls[1].request
    assert put.headers["Authorization"] == "Bearer partner-static-token-0001"
    body = json.loads(put.body)
    assert body["status"] == "READY_FOR_PICKUP" and body["order_id"] == ORDER_ID
    assert [(i["sku"], i["status"]) for i in body["items"]] == [
        ("MILK-1L", "IN_CART"),
        ("BANANA", "REPLACED"),
        ("APPLE", "IN_CART"),
    ]
    assert result.message == "The Partner API marked the order ready for pickup (1 picked, 1 replaced by APPLE)."


@responses.activate
def test_an_empty_answer_to_the_put_is_success():
    responses.get(ORDER_URL, json=order(transport_type="VENDOR_DELIVERY"))
    responses.put(ORDER_URL, body="", status=204)
    result = adapter.order_updates.send(ctx(), ORDER_ID, OrderUpdate("DISPATCHED").payload())
    assert result.message == "The Partner API marked the order dispatched."


@responses.activate
def test_pelican_connections_are_refused_without_any_request():
    with pytest.raises(PlatformError, match="Pelican"):
        adapter.order_updates.send(ctx(picking_mode="pelican"), ORDER_ID, OrderUpdate("UPDATE_CART").payload())
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("status", "reply", "words"),
    [
        (
            409,
            {"message": "Order is already cancelled"},
            "Partner API refused the request (HTTP 409): Order is already ",
        ),
        (400, {"error": "unknown sku APPLE"}, "Partner API refused the request (HTTP 400): unknown sku APPLE."),
    ],
)
@responses.activate
def test_a_refused_put_is_said_in_the_platforms_words_with_the_way_out(status, reply, words):
    responses.get(ORDER_URL, json=order())
    responses.put(ORDER_URL, json=reply, status=status)
    with pytest.raises(PlatformError) as caught:
        adapter.order_updates.send(ctx(), ORDER_ID, OrderUpdate("CANCELLED", cancel_reason="TOO_BUSY").payload())
    assert caught.value.message.startswith(words) and caught.value.status == status
    assert adapter.describe(caught.value).startswith(words)
    assert partner_picking.refusal_help(caught.value)  # the way out, by what the platform said


def test_the_way_out_follows_what_the_platform_said():
    def said(words, status=409):
        return PlatformError(f"The Partner API refused the request (HTTP {status}): {words}.", status=status)

    assert "cancelled on the Partner API" in partner_picking.refusal_help(said("Order is already cancelled"))
    assert "60 days" in partner_picking.refusal_help(said("Not Found", status=404))
    assert "replacement SKUs" in partner_picking.refusal_help(said("unknown sku APPLE", status=400))
    assert "moved on" in partner_picking.refusal_help(said("invalid status transition"))
    assert partner_picking.refusal_help(TransientError("The Partner API had a server error (HTTP 500).")) == ""


@responses.activate
def test_a_rejected_token_is_an_auth_error_and_nothing_is_put():
    responses.get(ORDER_URL, json={"message": "invalid token"}, status=401)
    with pytest.raises(AuthError, match="HTTP 401"):
        adapter.order_updates.send(
            ctx(), ORDER_ID, OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART"),)).payload()
        )
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_a_server_error_on_the_put_is_passing_and_not_repeated_inline(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 3
    responses.get(ORDER_URL, json=order())
    responses.put(ORDER_URL, json={"message": "boom"}, status=500)
    with pytest.raises(TransientError, match="HTTP 500"):
        adapter.order_updates.send(
            ctx(), ORDER_ID, OrderUpdate("UPDATE_CART", items=(ItemUpdate("item-1", "IN_CART"),)).payload()
        )
    assert [c.request.method for c in responses.calls] == ["GET", "PUT"]  # the action queue retries it, later
