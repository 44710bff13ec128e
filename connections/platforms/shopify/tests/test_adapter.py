"""The Shopify adapter against `responses`: its token, its cost budget, its errors, its pages,
its orders in both shapes, its webhook part and its fulfilment. (Over real HTTP to the sandbox:
test_sync.py, test_webhooks.py, test_fulfilment.py.)"""

import base64
import hashlib
import hmac
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import responses
from django.core.cache import cache
from django.http.request import HttpHeaders

from connections.platforms.base import OrderStatus, PlatformContext, ShipmentRequest, UnreadableRecord
from connections.platforms.errors import AuthError, PlatformError, RateLimited, TransientError
from connections.platforms.faults import FaultLog
from connections.platforms.shopify import client as client_module
from connections.platforms.shopify import queries
from connections.platforms.shopify.adapter import PLATFORM as adapter
from connections.platforms.shopify.orders import HIDDEN_CUSTOMER, normalize_order, record

FIXTURES = Path(__file__).parent.parent / "fixtures"
NODE = json.loads((FIXTURES / "order_node.json").read_text())
WEBHOOK = json.loads((FIXTURES / "order_webhook.json").read_text())
SHOP = "corner-crafts.myshopify.com"
BASE = f"https://{SHOP}"
GRAPHQL = f"{BASE}/admin/api/2026-10/graphql.json"
TOKEN_URL = f"{BASE}/admin/oauth/access_token"
TOKEN = "shpat_" + "a1" * 16


@pytest.fixture(autouse=True)
def fast(settings, monkeypatch):
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    settings.SHOPIFY_API_VERSION = "2026-10"
    slept = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    cache.clear()
    return slept


def ctx(faults: FaultLog | None = None, **credentials) -> PlatformContext:
    values = {"shop": SHOP, "access_token": TOKEN, "client_id": "", "client_secret": "", "webhook_secret": ""}
    return PlatformContext(
        base_url=BASE, credentials={**values, **credentials}, import_from=date(2026, 11, 1), faults=faults
    )


def cost(requested=10, actual=10, available=990.0, maximum=1000.0, rate=100.0):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate},
        }
    }


def answer(data, **bucket):
    return {"data": data, "extensions": cost(**bucket)}


def throttled(available=50.0, requested=763):
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": cost(requested=requested, available=available),
    }
    body["extensions"]["cost"]["actualQueryCost"] = None
    return body


SHOP_DATA = {
    "shop": {
        "name": "Corner Crafts",
        "myshopifyDomain": SHOP,
        "currencyCode": "GBP",
        "ianaTimezone": "Europe/London",
        "plan": {"displayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False},
    },
    "orders": {"nodes": [{"id": NODE["id"]}]},
}


def sent(call) -> dict:
    return json.loads(call.request.body)


# -- the check, the token -----------------------------------------------------------------------


@responses.activate
def test_the_check_is_one_shop_query_that_says_the_shop_plan_currency_zone_and_version():
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    facts = adapter.check(ctx())
    assert "Corner Crafts" in facts.summary and "Basic" in facts.summary and "GBP" in facts.summary
    assert "Europe/London" in facts.summary and "Admin API 2026-10" in facts.summary
    assert facts.details["api_version"] == "2026-10"
    (call,) = responses.calls
    assert call.request.headers["X-Shopify-Access-Token"] == TOKEN
    assert sent(call)["query"] == queries.SHOP


@responses.activate
def test_staff_pin_another_api_version_per_connection():
    responses.post(f"{BASE}/admin/api/2027-01/graphql.json", json=answer(SHOP_DATA))
    context = ctx()
    context.options["api_version"] = "2027-01"
    assert "Admin API 2027-01" in adapter.check(context).summary


@responses.activate
def test_a_wrong_token_is_an_auth_error_in_words_without_the_token():
    responses.post(GRAPHQL, status=401, json={"errors": "[API] Invalid API key or access token"})
    with pytest.raises(AuthError) as caught:
        adapter.check(ctx())
    assert TOKEN not in str(caught.value)
    assert "shpat_" in adapter.explain(caught.value)


@responses.activate
def test_a_token_that_may_not_read_orders_is_told_which_scope_it_lacks():
    body = {
        "data": {"shop": SHOP_DATA["shop"], "orders": None},
        "errors": [
            {
                "message": "Access denied for orders field. Required access: `read_orders` access scope.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ],
        "extensions": cost(),
    }
    responses.post(GRAPHQL, json=body)
    with pytest.raises(AuthError, match="read_orders") as caught:
        adapter.check(ctx())
    assert "read_orders" in adapter.explain(caught.value)


@responses.activate
def test_client_credentials_get_a_token_once_cached_encrypted_and_renewed_on_a_401():
    responses.post(TOKEN_URL, json={"access_token": "shpat_first0000", "scope": "read_orders", "expires_in": 86399})
    responses.post(TOKEN_URL, json={"access_token": "shpat_second000", "scope": "read_orders", "expires_in": 86399})
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    responses.post(GRAPHQL, status=401, json={"errors": "[API] Invalid API key or access token"})
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    context = ctx(access_token="", client_id="cid-1", client_secret="shpss_client_secret_0001")
    adapter.check(context)
    adapter.check(context)  # the cached token: no second grant
    adapter.check(context)  # refused: one more grant, once
    grants = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(grants) == 2
    assert "grant_type=client_credentials" in grants[0].request.body
    used = [c.request.headers["X-Shopify-Access-Token"] for c in responses.calls if c.request.url == GRAPHQL]
    assert used == ["shpat_first0000", "shpat_first0000", "shpat_first0000", "shpat_second000"]
    assert b"shpat_second000" not in cache.get(client_module.TOKENS._key(context))


@responses.activate
def test_a_client_that_shopify_does_not_know_is_said_in_its_words():
    responses.post(
        TOKEN_URL, status=400, json={"error": "invalid_client", "error_description": "Client authentication failed"}
    )
    with pytest.raises(PlatformError) as caught:
        adapter.check(ctx(access_token="", client_id="cid-1", client_secret="wrong-secret-00000000"))
    assert "wrong-secret" not in str(caught.value)
    assert "Client authentication failed" in str(caught.value)


def test_the_credentials_it_needs():
    assert adapter.credential_problems({"shop": SHOP, "access_token": TOKEN}) == {}
    assert adapter.credential_problems({"shop": SHOP, "client_id": "c", "client_secret": "s"}) == {}
    assert set(adapter.credential_problems({"shop": SHOP})) == {"access_token"}
    assert set(adapter.credential_problems({"shop": SHOP, "client_id": "c"})) == {"client_secret"}
    assert set(adapter.credential_problems({"access_token": TOKEN})) == {"shop"}
    completed = adapter.completed_credentials({"shop": SHOP, "client_id": "c", "client_secret": "shpss_x"})
    assert completed["webhook_secret"] == "shpss_x"  # a Dev Dashboard app signs with its client secret
    own = adapter.completed_credentials({"shop": SHOP, "access_token": TOKEN, "webhook_secret": "signing-key"})
    assert own["webhook_secret"] == "signing-key"
    assert adapter.default_base_url({"shop": SHOP}) == BASE


# -- the cost budget --------------------------------------------------------------------------------


@responses.activate
def test_the_next_query_waits_for_the_bucket_before_it_is_sent(fast):
    responses.post(
        GRAPHQL,
        json=answer(
            {"orders": {"pageInfo": {"hasNextPage": True, "endCursor": "c1"}, "nodes": []}},
            requested=763,
            actual=100,
            available=200.0,
            rate=100.0,
        ),
    )
    responses.post(
        GRAPHQL, json=answer({"orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}})
    )
    list(adapter.fetch_orders(ctx(), None))
    assert len(responses.calls) == 2  # no refusal: it waited instead
    assert len(fast) == 1 and 5.0 < fast[0] < 6.0  # (763 - 200) / 100 per second


@pytest.mark.parametrize("status", [200, 429], ids=["THROTTLED-200", "THROTTLED-429"])
@responses.activate
def test_a_throttled_answer_is_waited_out_and_sent_again(fast, status):
    responses.post(GRAPHQL, status=status, json=throttled(available=263.0))
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    faults = FaultLog()
    adapter.check(ctx(faults))
    assert len(responses.calls) == 2
    assert len(fast) == 1 and 5.0 < fast[0] < 6.0  # (763 - 263) / 100
    # The refusal waited out is a retry the caller sees; the wait for the bucket alone is not.
    assert faults.record() == {
        "THROTTLED (query cost)": {"kind": "rate_limit", "status": None, "count": 1, "longest_wait": 5.0}
    }


@responses.activate
def test_a_bucket_too_slow_to_wait_for_ends_the_call_rate_limited(fast):
    body = throttled(available=0.0)
    body["extensions"]["cost"]["throttleStatus"]["restoreRate"] = 10.0  # 76 seconds away
    responses.post(GRAPHQL, json=body)
    faults = FaultLog()
    with pytest.raises(RateLimited) as caught:
        adapter.check(ctx(faults))
    assert caught.value.retry_after > 60 and not fast
    assert not faults  # not absorbed: the call ended


@responses.activate
def test_a_rest_style_429_waits_its_retry_after(fast):
    responses.post(GRAPHQL, status=429, headers={"Retry-After": "2.0"}, json={"errors": "Exceeded 2 calls per second"})
    responses.post(GRAPHQL, json=answer(SHOP_DATA))
    faults = FaultLog()
    adapter.check(ctx(faults))
    assert fast and 2.0 <= fast[0] < 2.2
    assert faults.record() == {"HTTP 429": {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 2.0}}


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (
            {
                "errors": [
                    {"message": "Field 'nope' doesn't exist on type 'Shop'", "extensions": {"code": "undefinedField"}}
                ]
            },
            PlatformError,
            "API version",
        ),
        (
            {"errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]},
            TransientError,
            "",
        ),
        ({"data": None}, TransientError, ""),
        # Shopify documents this body with HTTP 404 only: with a 200 it is ambiguous, retried.
        ({"errors": "Not Found"}, TransientError, ""),
    ],
    ids=["version-drift", "internal", "no-data", "rest-style"],
)
@responses.activate
def test_errors_that_come_with_http_200_become_the_four_kinds(body, error, words):
    responses.post(GRAPHQL, json=body)
    responses.post(GRAPHQL, json=body)
    with pytest.raises(error) as caught:
        adapter.check(ctx())
    assert words in adapter.explain(caught.value)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [(402, PlatformError, "unpaid bill"), (423, PlatformError, "locked"), (404, PlatformError, "domain")],
)
@responses.activate
def test_a_store_that_cannot_be_read_is_said_in_words(status, error, words):
    responses.post(GRAPHQL, status=status, json={"errors": "Unavailable Shop" if status == 402 else "Not Found"})
    with pytest.raises(error) as caught:
        adapter.check(ctx())
    assert words in adapter.explain(caught.value)


# -- pages and cursors ------------------------------------------------------------------------------


def orders_page(nodes, next_cursor=None):
    return answer(
        {"orders": {"pageInfo": {"hasNextPage": bool(next_cursor), "endCursor": next_cursor}, "nodes": nodes}},
        requested=763,
        actual=100,
    )


def node(n: int, updated: str, **fields) -> dict:
    return {
        **NODE,
        "id": f"gid://shopify/Order/{n}",
        "legacyResourceId": str(n),
        "name": f"#{n}",
        "updatedAt": updated,
        **fields,
    }


@responses.activate
def test_a_pass_pages_by_cursor_and_the_next_starts_from_the_newest_update_less_the_overlap(settings):
    settings.SYNC_OVERLAP_SECONDS = 600
    responses.post(GRAPHQL, json=orders_page([node(1, "2026-12-01T10:00:00Z"), node(2, "2026-12-01T11:00:00Z")], "c1"))
    responses.post(GRAPHQL, json=orders_page([node(3, "2026-12-02T09:30:00Z")]))
    pages = list(adapter.fetch_orders(ctx(), None))
    first, second = (sent(c)["variables"] for c in responses.calls)
    assert first["query"] == "updated_at:>='2026-11-01T00:00:00Z' created_at:>='2026-11-01'"
    assert first["after"] is None and second["after"] == "c1"
    assert first["first"] == 10 and first["lineItems"] == queries.LINE_ITEMS
    assert pages[0].cursor["pass"]["after"] == "c1"
    assert pages[1].cursor == {"since": "2026-12-02T09:30:00+00:00"}
    assert [r.external_id for p in pages for r in p.records] == [f"gid://shopify/Order/{n}" for n in (1, 2, 3)]
    responses.post(GRAPHQL, json=orders_page([]))
    again = list(adapter.fetch_orders(ctx(), pages[-1].cursor))
    assert sent(responses.calls[-1])["variables"]["query"].startswith("updated_at:>='2026-12-02T09:20:00Z'")
    assert again[-1].cursor == {"since": "2026-12-02T09:30:00+00:00"}  # nothing newer: the same place


@responses.activate
def test_a_pass_killed_mid_way_resumes_from_its_page():
    responses.post(GRAPHQL, json=orders_page([node(1, "2026-12-01T10:00:00Z")], "c1"))
    first = next(iter(adapter.fetch_orders(ctx(), None)))
    responses.post(GRAPHQL, json=orders_page([node(2, "2026-12-01T11:00:00Z")]))
    rest = list(adapter.fetch_orders(ctx(), first.cursor))
    assert sent(responses.calls[-1])["variables"]["after"] == "c1"
    assert rest[-1].cursor == {"since": "2026-12-01T11:00:00+00:00"}


@responses.activate
def test_an_order_with_more_line_items_than_its_page_is_read_again_for_the_rest():
    long = node(7, "2026-12-01T10:00:00Z")
    first_items = long["lineItems"]["nodes"][:1]
    long["lineItems"] = {"pageInfo": {"hasNextPage": True, "endCursor": "li-1"}, "nodes": first_items}
    rest = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": NODE["lineItems"]["nodes"][1:]}
    responses.post(GRAPHQL, json=orders_page([long]))
    responses.post(GRAPHQL, json=answer({"order": {**long, "lineItems": rest}}))
    (page,) = list(adapter.fetch_orders(ctx(), None))
    assert len(page.records[0].order().items) == 2
    assert sent(responses.calls[1])["variables"] == {"id": long["id"], "lineItems": 100, "lineItemsAfter": "li-1"}


@responses.activate
def test_an_unreadable_node_is_reported_not_fatal():
    responses.post(GRAPHQL, json=orders_page([{"name": "#9"}, node(1, "2026-12-01T10:00:00Z")]))
    (page,) = list(adapter.fetch_orders(ctx(), None))
    assert len(page.records) == 1 and page.invalid[0].reference == "#9"


# -- orders in both shapes ------------------------------------------------------------------------------


def test_a_query_node_and_a_webhook_body_are_one_order():
    from_query, from_webhook = normalize_order(NODE), normalize_order(WEBHOOK)
    for order in (from_query, from_webhook):
        assert order.external_id == "gid://shopify/Order/5512345678901" and order.number == "#1042"
        assert (order.status, order.platform_status) == (OrderStatus.PENDING, "unfulfilled")
        assert (order.total, order.subtotal, order.shipping_total, order.discount_total) == (
            Decimal("47.49"),
            Decimal("44.00"),
            Decimal("3.99"),
            Decimal("0.50"),
        )
        assert order.customer_name == "Ada Lovelace" and order.shipping_address["postcode"] == "SW1Y 4JH"
        assert order.shipping_address["country"] == "GB"
        mug, towel = order.items
        assert (mug.sku, mug.quantity, mug.unit_price, mug.total) == (
            "MUG-BLU-350",
            2,
            Decimal("14.00"),
            Decimal("28.00"),
        )
        assert mug.options == (("Variant", "Blue / 350 ml"),) and towel.options == ()
        assert towel.sku == "TOWEL-LIN"
        assert ("Gift message", "Happy birthday, Charles!") in order.notes
    assert record(NODE).version == record(WEBHOOK).version == "2026-12-03T16:02:44+00:00"


def test_a_webhook_time_in_the_shops_offset_is_the_same_version():
    shifted = {**WEBHOOK, "updated_at": "2026-12-03T11:02:44-05:00"}
    assert record(shifted).version == record(NODE).version


@pytest.mark.parametrize(
    ("fields", "status", "canonical"),
    [
        ({"displayFulfillmentStatus": "FULFILLED"}, "fulfilled", OrderStatus.SHIPPED),
        ({"displayFulfillmentStatus": "PARTIALLY_FULFILLED"}, "partially_fulfilled", OrderStatus.ACCEPTED),
        ({"displayFulfillmentStatus": "ON_HOLD"}, "on_hold", OrderStatus.PENDING),
        ({"cancelledAt": "2026-12-03T17:00:00Z", "cancelReason": "CUSTOMER"}, "cancelled", OrderStatus.CANCELLED),
        ({"displayFinancialStatus": "REFUNDED"}, "refunded", OrderStatus.REFUNDED),
    ],
)
def test_the_states_of_an_order(fields, status, canonical):
    order = normalize_order({**NODE, **fields})
    assert (order.platform_status, order.status) == (status, canonical)


def test_a_customer_shopify_hides_is_imported_with_why():
    hidden = {**NODE, "customer": None, "shippingAddress": None, "email": None, "phone": None}
    order = normalize_order(hidden)
    assert order.customer_name == "" and order.shipping_address == {}
    assert ("Customer", HIDDEN_CUSTOMER) in order.notes
    rest = normalize_order({**WEBHOOK, "customer": None, "shipping_address": None, "email": None, "phone": None})
    assert ("Customer", HIDDEN_CUSTOMER) in rest.notes


@pytest.mark.parametrize(
    "broken", [{"id": None}, {"totalPriceSet": {"shopMoney": {"amount": "lots"}}}, {"lineItems": "x"}]
)
def test_an_unreadable_order_is_an_unreadable_record(broken):
    with pytest.raises(UnreadableRecord):
        record({**NODE, **broken}).order()


# -- the webhook part -----------------------------------------------------------------------------------


def headers(**values) -> HttpHeaders:
    return HttpHeaders({f"HTTP_{k.upper()}": v for k, v in values.items()})


def test_a_delivery_is_named_by_both_ids_and_timed_by_the_orders_update():
    body = json.dumps(WEBHOOK).encode()
    delivery = adapter.deliveries.read(
        WEBHOOK,
        headers(x_shopify_topic="orders/updated", x_shopify_webhook_id="w-1", x_shopify_event_id="e-1"),
        body,
    )
    assert delivery.dedupe_keys == ("webhook:w-1", "event:orders/updated:e-1")
    assert delivery.order_id == "gid://shopify/Order/5512345678901" and delivery.event == "orders/updated"
    assert delivery.event_time.isoformat() == "2026-12-03T16:02:44+00:00" and not delivery.not_applied


def test_a_delivery_without_ids_is_named_by_its_body_and_another_topic_is_kept_not_applied():
    body = json.dumps(WEBHOOK).encode()
    delivery = adapter.deliveries.read(WEBHOOK, headers(x_shopify_topic="products/update"), body)
    assert delivery.dedupe_keys == ("sha256:" + hashlib.sha256(body).hexdigest(),)
    assert "products/update" in delivery.not_applied


def test_the_signature_is_the_base64_hmac_of_the_body_with_the_app_secret():
    body = json.dumps(WEBHOOK).encode()
    signature = base64.b64encode(hmac.new(b"shpss_secret", body, hashlib.sha256).digest()).decode()
    adapter.deliveries.authentication.verify(headers(x_shopify_hmac_sha256=signature), body, ["shpss_secret"])


# -- fulfilment ----------------------------------------------------------------------------------------


def fulfillment_orders(*, status="OPEN", remaining=2, fulfillments=(), display="UNFULFILLED", cancelled=None):
    return answer(
        {
            "order": {
                "id": NODE["id"],
                "name": "#1042",
                "displayFulfillmentStatus": display,
                "cancelledAt": cancelled,
                "fulfillments": list(fulfillments),
                "fulfillmentOrders": {
                    "nodes": [
                        {
                            "id": "gid://shopify/FulfillmentOrder/91",
                            "status": status,
                            "assignedLocation": {"name": "Shop location"},
                            "lineItems": {
                                "nodes": [
                                    {
                                        "id": "gid://shopify/FulfillmentOrderLineItem/1",
                                        "remainingQuantity": remaining,
                                        "totalQuantity": 2,
                                    }
                                ]
                            },
                        }
                    ]
                },
            }
        }
    )


SHIPMENT = ShipmentRequest(
    tracking_number="RM123456785GB", tracking_url="https://track.example/RM1", carrier="Royal Mail"
)


@responses.activate
def test_fulfilment_sends_the_open_fulfillment_orders_with_the_tracking():
    responses.post(GRAPHQL, json=fulfillment_orders())
    done = {
        "fulfillment": {"id": "gid://shopify/Fulfillment/5", "status": "SUCCESS", "trackingInfo": []},
        "userErrors": [],
    }
    responses.post(GRAPHQL, json=answer({"fulfillmentCreate": done}))
    result = adapter.shipments.push(ctx(), NODE["id"], SHIPMENT)
    assert "RM123456785GB" in result.message and not result.already_done
    variables = sent(responses.calls[1])["variables"]["fulfillment"]
    assert variables == {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/91"}],
        "notifyCustomer": True,
        "trackingInfo": {"number": "RM123456785GB", "url": "https://track.example/RM1", "company": "Royal Mail"},
    }


@responses.activate
def test_a_fulfilment_shopify_refuses_is_said_in_its_words():
    responses.post(GRAPHQL, json=fulfillment_orders())
    refused = {
        "fulfillment": None,
        "userErrors": [
            {"field": ["fulfillment"], "message": "Fulfillment order 91 has an unfulfillable status= closed."}
        ],
    }
    responses.post(GRAPHQL, json=answer({"fulfillmentCreate": refused}))
    with pytest.raises(PlatformError, match="unfulfillable status") as caught:
        adapter.shipments.push(ctx(), NODE["id"], SHIPMENT)
    assert "Fetch Orders" in adapter.explain(caught.value)


@responses.activate
def test_a_retry_whose_first_attempt_arrived_is_not_sent_twice():
    made = {"id": "gid://shopify/Fulfillment/5", "status": "SUCCESS", "trackingInfo": [{"number": "RM123456785GB"}]}
    responses.post(
        GRAPHQL, json=fulfillment_orders(status="CLOSED", remaining=0, fulfillments=[made], display="FULFILLED")
    )
    result = adapter.shipments.push(ctx(), NODE["id"], SHIPMENT, retry=True)
    assert result.already_done and len(responses.calls) == 1


@responses.activate
def test_a_cancelled_or_vanished_order_is_refused_before_any_mutation():
    responses.post(GRAPHQL, json=fulfillment_orders(cancelled="2026-12-03T17:00:00Z"))
    with pytest.raises(PlatformError, match="cancelled"):
        adapter.shipments.push(ctx(), NODE["id"], SHIPMENT)
    responses.post(GRAPHQL, json=answer({"order": None}))
    with pytest.raises(PlatformError, match="does not know this order"):
        adapter.shipments.push(ctx(), NODE["id"], SHIPMENT)
    assert len(responses.calls) == 2


@responses.activate
def test_a_store_whose_bucket_is_smaller_than_a_page_is_read_in_smaller_pages(fast):
    small = throttled(available=200.0)
    small["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] = 200.0
    responses.post(GRAPHQL, json=small)
    responses.post(GRAPHQL, json=orders_page([node(1, "2026-12-01T10:00:00Z")]))
    (page,) = list(adapter.fetch_orders(ctx(), None))
    assert [sent(c)["variables"]["first"] for c in responses.calls] == [10, 2]  # 3 + 2 x 76 = 155 <= 200
    assert queries.page_cost(2) <= 200 < queries.page_cost(3)
    assert len(page.records) == 1
