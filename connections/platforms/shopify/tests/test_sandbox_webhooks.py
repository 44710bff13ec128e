"""The sandbox Shopify's webhooks over real HTTP: the REST-shaped body, its signature over the exact
bytes, the headers, retries and giving up, and the switches (duplicates of both kinds, out of
order, drops, a wrong key, the previous secret)."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections.platforms.shopify.sandbox import data as shopify_data
from connections.platforms.shopify.sandbox import orders as shopify_orders
from connections.platforms.shopify.sandbox import webhooks as shopify_webhooks
from connections.platforms.shopify.sandbox.models import SandboxShopifyDelivery
from connections.platforms.shopify.sandbox.webhooks import deliver_due

from .sandbox_helpers import CLIENT_SECRET, DOMAIN, Receiver, hmac_of, make_order, make_shop, switch

pytestmark = pytest.mark.django_db
Delivery = SandboxShopifyDelivery
ORDER_KEYS = {
    "id", "admin_graphql_api_id", "name", "created_at", "updated_at", "processed_at", "cancelled_at",
    "cancel_reason", "closed_at", "financial_status", "fulfillment_status", "currency", "email", "phone", "note",
    "tags", "note_attributes", "total_price", "subtotal_price", "total_discounts", "total_shipping_price_set",
    "customer", "shipping_address", "shipping_lines", "line_items", "test",
}  # fmt: skip
LINE_KEYS = {
    "id", "admin_graphql_api_id", "sku", "title", "name", "variant_title", "quantity", "current_quantity", "price",
    "variant_id", "requires_shipping",
}  # fmt: skip
ADDRESS_KEYS = {
    "name", "first_name", "last_name", "company", "address1", "address2", "city", "province", "province_code", "zip",
    "country", "country_code", "phone",
}  # fmt: skip


def hooked(receiver, **fields):
    """A shop whose webhooks go to the receiver; retries at once unless told."""
    fields.setdefault("webhook_backoff_seconds", 0)
    return make_shop(webhook_url=receiver.url, **fields)


def new_order(shop, **options):
    return make_order(shop, notify=True, **options)


def states(shop):
    return list(shop.deliveries.order_by("pk").values_list("state", flat=True))


def test_a_new_order_is_pushed_signed_with_the_client_secret(db):
    with Receiver() as receiver:
        shop = hooked(receiver)
        order = new_order(shop)
        assert deliver_due() == 1
    (request,) = receiver.received
    headers = request.headers
    assert request.path == "/webhooks/shopify/abc/"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Hmac-Sha256"] == hmac_of(request.body, CLIENT_SECRET)
    assert headers["X-Shopify-Shop-Domain"] == DOMAIN
    assert headers["X-Shopify-API-Version"] == "2026-10"
    delivery = order.deliveries.get()
    assert headers["X-Shopify-Webhook-Id"] == delivery.webhook_id
    assert headers["X-Shopify-Event-Id"] == delivery.event_id != delivery.webhook_id
    assert datetime.fromisoformat(headers["X-Shopify-Triggered-At"].replace("Z", "+00:00")).tzinfo is not None
    assert request.body == delivery.body.encode()  # the exact bytes signed
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.DELIVERED, 1, 200)
    assert deliver_due() == 0


def test_the_body_is_the_order_as_rest_shows_it(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook")
    order = new_order(shop, line_items=3)
    doc = order.parsed()
    body = json.loads(order.deliveries.get().body)
    assert set(body) >= ORDER_KEYS
    assert body["id"] == order.legacy_id and isinstance(body["id"], int)
    assert body["admin_graphql_api_id"] == f"gid://shopify/Order/{order.legacy_id}"
    assert body["name"] == "#1001" and body["currency"] == "GBP" and body["test"] is False
    assert body["fulfillment_status"] is None and body["financial_status"] in ("paid", "pending")
    assert body["total_price"] == doc["total_price"] and isinstance(body["subtotal_price"], str)
    assert body["total_shipping_price_set"]["shop_money"] == {"amount": doc["total_shipping"], "currency_code": "GBP"}
    assert set(body["total_shipping_price_set"]) == {"shop_money", "presentment_money"}
    assert isinstance(body["tags"], str) and body["tags"] == ", ".join(doc["tags"])
    assert set(body["customer"]) >= {"id", "first_name", "last_name"}
    assert set(body["shipping_address"]) >= ADDRESS_KEYS
    assert set(body["shipping_lines"][0]) >= {"title", "code", "price"}
    assert len(body["line_items"]) == 3
    for line in body["line_items"]:
        assert set(line) >= LINE_KEYS and isinstance(line["price"], str)
        assert line["admin_graphql_api_id"] == f"gid://shopify/LineItem/{line['id']}"
    # London in winter or summer: an offset, never a Z
    assert body["created_at"][-6:] in ("+00:00", "+01:00")


def test_times_carry_the_shops_offset(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook", currency="USD", iana_timezone="America/New_York")
    order = new_order(shop, created_at=datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    body = json.loads(order.deliveries.get().body)
    assert body["created_at"] == "2026-12-04T10:00:00-05:00"
    assert body["currency"] == "USD" and body["shipping_address"]["country_code"] == "US"


def test_no_protected_customer_data_in_the_body_either(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook", redact_customer_data=True)
    body = json.loads(new_order(shop).deliveries.get().body)
    for key in ("customer", "shipping_address", "billing_address", "email", "phone"):
        assert body[key] is None, key
    assert body["line_items"] and body["total_price"]


def test_cancelling_sends_cancelled_and_updated(db):
    with Receiver() as receiver:
        shop = hooked(receiver)
        order = make_order(shop)
        assert shopify_orders.cancel_order(order, "customer")
        assert not shopify_orders.cancel_order(order)  # once
        assert deliver_due() == 2
    assert receiver.topics() == ["orders/cancelled", "orders/updated"]
    body = receiver.received[0].json()
    assert body["cancel_reason"] == "customer" and body["cancelled_at"] and body["closed_at"]
    assert body["financial_status"] in ("refunded", "voided")
    assert [line["current_quantity"] for line in body["line_items"]] == [0] * len(body["line_items"])


def test_only_the_subscribed_topics_and_only_with_a_url(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook", webhook_topics="orders/updated")
    order = new_order(shop)
    assert not Delivery.objects.exists()  # no orders/create
    shopify_data.touch_orders(shop)
    assert list(Delivery.objects.values_list("topic", flat=True)) == ["orders/updated"]
    switch(shop, webhook_url="")
    shopify_data.touch_orders(shop)
    shopify_orders.cancel_order(order)
    assert Delivery.objects.count() == 1


def test_non_2xx_answers_are_retried_with_the_same_ids_then_given_up(db):
    with Receiver(500, 302, default=503) as receiver:
        shop = hooked(receiver, webhook_max_attempts=3)
        order = new_order(shop)
        assert [deliver_due() for _ in range(4)] == [1, 1, 1, 0]
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.FAILED, 3, 503)
    assert "HTTP 503" in delivery.last_error
    assert {r.headers["X-Shopify-Webhook-Id"] for r in receiver.received} == {delivery.webhook_id}
    assert {r.body for r in receiver.received} == {delivery.body.encode()}


def test_a_retry_waits_for_its_backoff(db):
    with Receiver(500) as receiver:
        shop = hooked(receiver, webhook_backoff_seconds=10)
        order = new_order(shop)
        now = timezone.now()
        assert deliver_due(now) == 1
        due = order.deliveries.get().next_attempt_at
        assert 8 <= (due - now).total_seconds() <= 12
        assert deliver_due(due - timedelta(seconds=1)) == 0
        assert deliver_due(due) == 1
    assert order.deliveries.get().state == Delivery.DELIVERED
    assert 10 * 2 * 0.8 <= shopify_webhooks.backoff_seconds(shop, 2) <= 10 * 2 * 1.2


def test_duplicates_alternate_a_repeated_delivery_and_a_new_delivery_of_the_event(db):
    with Receiver() as receiver:
        shop = hooked(receiver, webhook_duplicate=2)
        new_order(shop, seed=1)
        new_order(shop, seed=2)
        new_order(shop, seed=3)
        assert deliver_due() == 5
    ids = [(r.headers["X-Shopify-Event-Id"], r.headers["X-Shopify-Webhook-Id"]) for r in receiver.received]
    (e1, w1), (e1b, w1b), (e2, w2), (e2b, w2b), (e3, w3) = ids
    assert w3 not in (w1, w2, w2b)
    assert (e1b, w1b) == (e1, w1)  # the same delivery again
    assert e2b == e2 and w2b != w2  # a new delivery of the same event
    assert len({e1, e2, e3}) == 3
    assert receiver.received[0].body == receiver.received[1].body
    assert list(shop.deliveries.order_by("pk").values_list("duplicate", flat=True)) == [False, True] * 2 + [False]
    shop.refresh_from_db()
    assert shop.webhook_duplicate == 0


def test_out_of_order_holds_an_event_until_the_shops_next(db):
    with Receiver() as receiver:
        shop = hooked(receiver, webhook_out_of_order=1)
        first = new_order(shop, seed=1)
        assert states(shop) == [Delivery.HELD] and deliver_due() == 0
        second = new_order(shop, seed=2)
        assert deliver_due() == 2
    assert [r.json()["name"] for r in receiver.received] == [second.name, first.name]
    assert states(shop) == [Delivery.DELIVERED] * 2


def test_a_held_event_with_no_next_event_goes_after_the_hold(db, settings):
    settings.SANDBOX_SHOPIFY_WEBHOOK_HOLD_SECONDS = 2
    with Receiver() as receiver:
        shop = hooked(receiver, webhook_out_of_order=1)
        new_order(shop)
        assert deliver_due() == 0
        assert deliver_due(timezone.now() + timedelta(seconds=1)) == 0
        assert deliver_due(timezone.now() + timedelta(seconds=3)) == 1
        assert deliver_due(timezone.now() + timedelta(seconds=4)) == 0  # once
    assert receiver.topics() == ["orders/create"]


def test_drops_are_a_fixed_share_chosen_by_seed_and_event(db):
    with Receiver() as receiver:
        shop = hooked(receiver, webhook_drop_percent=10, webhook_drop_seed=42)
        shopify_data.generate_orders(shop, 300, seed=4, notify=True)
        dropped = shop.deliveries.filter(state=Delivery.DROPPED)
        assert 10 <= dropped.count() <= 55
        sent = deliver_due()
    assert sent == len(receiver.received) == 300 - dropped.count()
    dropped_events = set(dropped.values_list("event_id", flat=True))
    assert dropped_events.isdisjoint(r.headers["X-Shopify-Event-Id"] for r in receiver.received)
    events = list(shop.deliveries.values_list("event_id", flat=True))
    assert {e for e in events if shopify_webhooks.is_dropped(shop, e)} == dropped_events
    shop.webhook_drop_seed = 43
    assert {e for e in events if shopify_webhooks.is_dropped(shop, e)} != dropped_events
    shop.webhook_drop_percent = 100
    assert all(shopify_webhooks.is_dropped(shop, e) for e in events)


def test_a_wrong_key_is_refused_then_the_retry_verifies(db):
    with Receiver(secret=CLIENT_SECRET) as receiver:
        shop = hooked(receiver, webhook_wrong_secret=1)
        order = new_order(shop)
        assert deliver_due() == 1
        delivery = order.deliveries.get()
        assert (delivery.state, delivery.last_status_code, delivery.wrong_secret_sent) == (Delivery.QUEUED, 401, True)
        assert deliver_due() == 1
    first, second = receiver.received
    assert first.headers["X-Shopify-Hmac-Sha256"] != hmac_of(first.body, CLIENT_SECRET)
    assert second.headers["X-Shopify-Hmac-Sha256"] == hmac_of(second.body, CLIENT_SECRET)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.wrong_secret_sent) == (Delivery.DELIVERED, 2, False)


def test_after_a_rotation_the_previous_secret_may_still_sign(db):
    with Receiver() as receiver:
        shop = hooked(receiver)
        new_secret = shopify_data.rotate_secret(shop)
        assert shop.previous_client_secret == CLIENT_SECRET != new_secret
        switch(shop, sign_with_previous=1)
        new_order(shop, seed=1)
        new_order(shop, seed=2)
        assert deliver_due() == 2
    first, second = receiver.received
    assert first.headers["X-Shopify-Hmac-Sha256"] == hmac_of(first.body, CLIENT_SECRET)
    assert second.headers["X-Shopify-Hmac-Sha256"] == hmac_of(second.body, new_secret)
    assert list(shop.deliveries.order_by("pk").values_list("previous_secret_sent", flat=True)) == [True, False]


def test_a_refused_connection_is_a_failed_attempt(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook", webhook_backoff_seconds=0)
    order = new_order(shop)
    assert deliver_due() == 1
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.QUEUED, 1, None)
    assert "Connection" in delivery.last_error


def test_the_shells_command_sends_them(db):
    with Receiver() as receiver:
        shop = hooked(receiver)
        new_order(shop)
        out = StringIO()
        call_command("sandbox_webhooks", stdout=out)
    assert "Sent 1 webhook deliveries." in out.getvalue()
    assert len(receiver.received) == 1
