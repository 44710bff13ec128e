"""The NuORDER order endpoints: buckets, single orders, status changes and updates."""

import re

import pytest

from connections.platforms.nuorder.sandbox.models import NUORDER_STATUSES, SandboxNuorderOrder

from .sandbox_helpers import RETAIL, call, make_app

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MIDNIGHT = re.compile(r"^\d{4}-\d\d-\d\dT00:00:00\.000Z$")


@pytest.fixture
def brand(db):
    return make_app(orders=6, statuses=("approved", "pending"), lines=2, sizes=3)


def ids(client, creds, status="approved"):
    return call(client, "GET", f"/api/orders/{status}/list", creds).json()


def first_order(client, creds, status="approved"):
    return call(client, "GET", f"/api/order/{ids(client, creds, status)[0]}", creds).json()


# -- reading -----------------------------------------------------------------------------------------


def test_list_and_detail_agree(client, brand):
    total = 0
    for status in NUORDER_STATUSES:
        listed = call(client, "GET", f"/api/orders/{status}/list", brand)
        detail = call(client, "GET", f"/api/orders/{status}/detail", brand)
        assert listed.status_code == detail.status_code == 200
        assert listed["Content-Type"] == detail["Content-Type"] == "application/json"
        assert all(OBJECT_ID.match(i) for i in listed.json())
        assert [order["_id"] for order in detail.json()] == listed.json()
        assert {order["status"] for order in detail.json()} <= {status}
        total += len(listed.json())
    assert total == 6


@pytest.mark.parametrize("status", ["edited", "APPROVED", "whatever"])
def test_unknown_status_is_an_empty_bucket(client, brand, status):
    for kind in ("list", "detail"):
        response = call(client, "GET", f"/api/orders/{status}/{kind}", brand)
        assert (response.status_code, response.content) == (200, b"[]")


def test_an_empty_bucket(client, brand):
    assert call(client, "GET", "/api/orders/shipped/detail", brand).json() == []


def test_order_document_shape(client, brand):
    for order in call(client, "GET", "/api/orders/approved/detail", brand).json():
        assert OBJECT_ID.match(order["_id"])
        assert order["order_number"].isdigit()
        assert order["currency_code"] == "USD"
        for key in ("created_on", "modified_on"):
            assert ISO_MS.match(order[key])
        assert MIDNIGHT.match(order["start_ship"]) and MIDNIGHT.match(order["end_ship"])
        assert order["start_ship"] < order["end_ship"]
        assert set(order["retailer"]) >= {"_id", "retailer_name", "retailer_code", "buyer_name", "buyer_email"}
        for key in ("billing_address", "shipping_address"):
            assert set(order[key]) >= {"display_name", "line_1", "line_2", "city", "state", "zip", "country"}
        assert order["customer_po_number"] and "rep_name" in order and "notes" in order
        assert order["shipments"] == [] and order["shipping_information"] == {}
        assert len(order["line_items"]) == 2
        total = quantity = 0
        for item in order["line_items"]:
            assert set(item["product"]) >= {"_id", "style_number", "color", "color_code", "brand_id", "season"}
            assert item["warehouse"] and item["id"]
            assert 1 <= len(item["sizes"]) <= 3
            for size in item["sizes"]:
                assert set(size) >= {"size", "quantity", "price", "upc"}
                assert len(size["upc"]) == 12 and size["upc"].isdigit()
                total += size["quantity"] * size["price"]
                quantity += size["quantity"]
        assert order["total"] == pytest.approx(total)
        assert order["total_quantity"] == quantity


def test_one_order_by_id_and_by_number(client, brand):
    order = first_order(client, brand)
    by_id = call(client, "GET", f"/api/order/{order['_id']}", brand)
    by_number = call(client, "GET", f"/api/order/number/{order['order_number']}", brand)
    assert by_id.status_code == by_number.status_code == 200
    assert by_id.json() == by_number.json() == order


def test_unknown_orders_are_404(client, brand):
    for path in ("/api/order/ffffffffffffffffffffffff", "/api/order/number/999999", "/api/order/not-an-id"):
        response = call(client, "GET", path, brand)
        assert response.status_code == 404
        assert response.json() == {"code": 404, "message": "order not found"}


def test_another_accounts_order_is_not_found(client, brand):
    other = make_app(shortcode="other", orders=1)
    order = first_order(client, other)
    assert call(client, "GET", f"/api/order/{order['_id']}", brand).status_code == 404
    assert call(client, "POST", f"/api/order/{order['_id']}/processed", brand).status_code == 404


def test_populate_payments_on_one_order(client, brand):
    order = first_order(client, brand)
    populated = call(client, "GET", f"/api/order/{order['_id']}?__populate=__payments", brand).json()
    assert populated["__metadata"] == {"payments": []}
    assert {k: v for k, v in populated.items() if k != "__metadata"} == order


# -- status changes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_status_change_by_id(client, brand, method):
    order = first_order(client, brand)
    response = call(client, method, f"/api/order/{order['_id']}/processed", brand)
    assert response.status_code == 200
    changed = response.json()
    assert changed["status"] == "processed"
    assert changed["modified_on"] > order["modified_on"]
    assert order["_id"] in ids(client, brand, "processed")
    assert order["_id"] not in ids(client, brand, "approved")
    assert call(client, "GET", f"/api/order/{order['_id']}", brand).json() == changed


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_status_change_by_number(client, brand, method):
    order = first_order(client, brand)
    response = call(client, method, f"/api/order/number/{order['order_number']}/shipped", brand, dialect="legacy")
    assert response.status_code == 200
    assert response.json()["status"] == "shipped"


def test_same_status_is_304_with_an_empty_body(client, brand):
    order = first_order(client, brand)
    response = call(client, "POST", f"/api/order/{order['_id']}/approved", brand)
    assert response.status_code == 304
    assert response.content == b""
    assert call(client, "GET", f"/api/order/{order['_id']}", brand).json()["modified_on"] == order["modified_on"]


def test_verb_aliases(client, brand):
    order = first_order(client, brand)
    processed = call(client, "POST", f"/api/order/{order['_id']}/process", brand)
    assert (processed.status_code, processed.json()["status"]) == (200, "processed")
    cancelled = call(client, "POST", f"/api/order/{order['_id']}/cancel", brand)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert cancelled.json()["locked"] is True


def test_cancelled_orders_are_locked(client, brand):
    order = first_order(client, brand)
    call(client, "POST", f"/api/order/{order['_id']}/cancelled", brand)
    for status in ("approved", "processed", "shipped"):
        response = call(client, "POST", f"/api/order/{order['_id']}/{status}", brand)
        assert response.status_code == 400
        assert response.json() == {"code": 400, "message": "order is cancelled and locked"}
    update = call(client, "POST", f"/api/order/{order['_id']}", brand, body={"notes": "too late"})
    assert update.json() == {"code": 400, "message": "order is cancelled and locked"}
    # Cancelling again is "not modified", not an error.
    assert call(client, "POST", f"/api/order/{order['_id']}/cancelled", brand).status_code == 304


@pytest.mark.parametrize("status", ["PROCESSED", "done", "approve", "ship"])
def test_bad_status_is_400(client, brand, status):
    order = first_order(client, brand)
    response = call(client, "POST", f"/api/order/{order['_id']}/{status}", brand)
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert "invalid status" in response.json()["message"]


def test_retail_may_read_but_never_write(client, db):
    buyer = make_app("retail", shortcode="buyer", orders=3)
    assert buyer.prefix == RETAIL
    order = first_order(client, buyer)
    assert call(client, "GET", "/api/orders/approved/detail", buyer).status_code == 200
    writes = [
        ("POST", f"/api/order/{order['_id']}/shipped", None),
        ("PUT", f"/api/order/{order['_id']}/processed", None),
        ("POST", f"/api/order/{order['_id']}/cancel", None),
        ("PUT", f"/api/order/number/{order['order_number']}/shipped", None),
        ("POST", f"/api/order/{order['_id']}", {"shipments": [{"tracking_numbers": ["1Z1"]}]}),
        ("POST", "/api/order/ffffffffffffffffffffffff/shipped", None),
    ]
    for method, path, body in writes:
        response = call(client, method, path, buyer, body=body)
        assert response.status_code == 403, path
        assert response.json()["code"] == 403
        assert "Retail" in response.json()["message"]
    assert call(client, "GET", f"/api/order/{order['_id']}", buyer).json() == order


# -- order updates ---------------------------------------------------------------------------------------


def test_shipments_are_stored_and_returned(client, brand):
    order = first_order(client, brand)
    shipments = [
        {
            "type": "shipment",
            "tracking_numbers": ["1Z999AA10123456784", "1Z999AA10123456785"],
            "status": "shipped",
            "shipment_date": "2024-06-01T00:00:00.000Z",
            "carrier": "UPS",
        }
    ]
    response = call(client, "POST", f"/api/order/{order['_id']}", brand, body={"shipments": shipments})
    assert response.status_code == 200
    updated = response.json()
    assert updated["shipments"] == shipments
    assert updated["modified_on"] > order["modified_on"]
    assert updated["status"] == order["status"] and updated["line_items"] == order["line_items"]
    fetched = call(client, "GET", f"/api/order/{order['_id']}", brand, dialect="legacy").json()
    assert fetched["shipments"] == shipments
    # Then shipped, as the adapter does.
    shipped = call(client, "POST", f"/api/order/{order['_id']}/shipped", brand).json()
    assert shipped["shipments"] == shipments and shipped["status"] == "shipped"


def test_update_keeps_the_servers_keys(client, brand):
    order = first_order(client, brand)
    body = {"_id": "0" * 24, "order_number": "1", "notes": "Leave at the back door", "external_id": "ERP-7"}
    updated = call(client, "POST", f"/api/order/{order['_id']}", brand, body=body).json()
    assert (updated["_id"], updated["order_number"]) == (order["_id"], order["order_number"])
    assert (updated["notes"], updated["external_id"]) == ("Leave at the back door", "ERP-7")
    row = SandboxNuorderOrder.objects.get(nuorder_id=order["_id"])
    assert row.parsed() == updated


@pytest.mark.parametrize(
    "body",
    [
        {"shipments": "1Z1"},
        {"shipments": [{"tracking_numbers": "1Z1"}]},
        {"shipments": [{"tracking_numbers": [1]}]},
        {"shipments": ["1Z1"]},
        {"shipping_address": "somewhere"},
        {"status": "shipped"},
        [1, 2],
    ],
)
def test_bad_updates_are_400(client, brand, body):
    order = first_order(client, brand)
    response = call(client, "POST", f"/api/order/{order['_id']}", brand, body=body)
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert call(client, "GET", f"/api/order/{order['_id']}", brand).json() == order


def test_update_of_an_unknown_order(client, brand):
    response = call(client, "POST", "/api/order/ffffffffffffffffffffffff", brand, body={"notes": "x"})
    assert response.status_code == 404


def test_wrong_method_and_unknown_paths(client, brand):
    order = first_order(client, brand)
    wrong = call(client, "DELETE", f"/api/order/{order['_id']}", brand)
    assert wrong.status_code == 405 and wrong.json()["code"] == 405
    assert call(client, "GET", f"/api/order/{order['_id']}/processed", brand).status_code == 405
    unknown = client.get("/sandbox/nuorder/wholesale/api/nothing/here")
    assert unknown.status_code == 404 and unknown.json() == {"code": 404, "message": "not found"}
    assert client.get("/sandbox/nuorder/elsewhere/api/orders/approved/list").status_code == 404
