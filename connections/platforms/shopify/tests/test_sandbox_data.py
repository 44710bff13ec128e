"""The sandbox Shopify's data: generated orders are consistent (money adds up, statuses agree with their
fulfillment orders) and fast to make; the demo shops are what the docs print, and repairable."""

import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections.platforms.shopify.sandbox import data as shopify_data
from connections.platforms.shopify.sandbox import render
from connections.platforms.shopify.sandbox.models import SandboxShopifyOrder, SandboxShopifyShop
from connections.platforms.shopify.sandbox.part import SANDBOX
from sandbox.models import SandboxAccount

from .sandbox_helpers import make_shop

pytestmark = pytest.mark.django_db


def check_order(order: SandboxShopifyOrder, now) -> None:
    doc = order.parsed()
    subtotal = sum(Decimal(line["price"]) * line["quantity"] for line in doc["line_items"])
    assert Decimal(doc["subtotal_price"]) == subtotal
    total = subtotal + Decimal(doc["total_shipping"]) - Decimal(doc["total_discounts"])
    assert Decimal(doc["total_price"]) == total > 0
    assert Decimal(doc["total_tax"]) < total
    for key in ("subtotal_price", "total_price", "total_shipping", "total_discounts", "total_tax"):
        assert isinstance(doc[key], str) and doc[key] == render.money(doc[key]), key
    assert order.created_at <= order.updated_at <= now
    assert doc["updated_at"] == render.utc_z(order.updated_at) and doc["created_at"] == render.utc_z(order.created_at)
    assert order.legacy_id * render.PARTS + render.PARTS < 2**53
    assert doc["fulfillment_status"] == order.fulfillment_status == render.fulfillment_status(doc)
    (fo,) = doc["fulfillment_orders"]
    remaining = sum(line["remaining_quantity"] for line in fo["line_items"])
    units = sum(line["quantity"] for line in doc["line_items"])
    sent = sum(line["quantity"] for f in doc["fulfillments"] for line in f["line_items"])
    if order.fulfillment_status == "FULFILLED":
        assert fo["status"] == "CLOSED" and remaining == 0 and sent == units and order.closed_at
    elif order.fulfillment_status == "PARTIALLY_FULFILLED":
        assert fo["status"] == "IN_PROGRESS" and 0 < remaining < units and sent == units - remaining
    elif order.cancelled_at:
        assert fo["status"] == "CLOSED" and doc["cancel_reason"] and order.closed_at
        assert doc["financial_status"] in ("REFUNDED", "VOIDED")
    elif doc["financial_status"] == "REFUNDED":
        assert fo["status"] == "CLOSED" and order.closed_at and doc["current_total_price"] == "0.00"
    else:
        assert fo["status"] == "OPEN" and remaining == units and sent == 0 and order.closed_at is None


def test_generated_orders_are_consistent(db):
    shop = make_shop()
    assert shopify_data.generate_orders(shop, 200, days=20, seed=7) == 200
    now = timezone.now()
    orders = list(shop.orders.order_by("number"))
    assert [o.name for o in orders] == [f"#{n}" for n in range(1001, 1201)]
    assert all(now - timedelta(days=20, minutes=1) <= o.created_at for o in orders)
    for order in orders:
        check_order(order, now)
    statuses = {o.fulfillment_status for o in orders}
    assert statuses == {"UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"}
    unfulfilled = sum(o.fulfillment_status == "UNFULFILLED" and not o.closed_at for o in orders)
    assert unfulfilled > 200 / 2  # most orders wait to be sent
    assert any(o.cancelled_at for o in orders) and any(o.financial_status == "REFUNDED" for o in orders)
    ids = [line["id"] for o in orders for line in o.parsed()["line_items"]]
    assert len(ids) == len(set(ids))
    assert sorted(o.legacy_id for o in orders) == [o.legacy_id for o in sorted(orders, key=lambda o: o.created_at)]


def test_each_mix_and_a_us_shop(db):
    shop = make_shop(currency="USD", iana_timezone="America/New_York")
    now = timezone.now()
    for mix in shopify_data.MIXES:
        shopify_data.generate_orders(shop, 5, mix=(mix,), seed=1)
    for order in shop.orders.all():
        check_order(order, now)
        assert order.parsed()["currency"] == "USD"
    assert shop.orders.filter(cancelled_at__isnull=False).count() == 5
    assert shop.orders.filter(fulfillment_status="PARTIALLY_FULFILLED").count() == 5


def test_numbers_go_on_and_ids_never_clash(db):
    shop = make_shop()
    other = make_shop(domain="other-crafts.myshopify.com", token="shpat_other", client_id="other-client")
    shopify_data.generate_orders(shop, 30, seed=1)
    shopify_data.generate_orders(other, 30, seed=1)  # the same seed: the same wanted ids
    shopify_data.generate_orders(shop, 5, seed=1)
    assert SandboxShopifyOrder.objects.values("legacy_id").distinct().count() == 65
    assert list(shop.orders.order_by("-number").values_list("number", flat=True)[:1]) == [1035]
    assert other.orders.filter(number=1001).exists()


def test_a_few_thousand_orders_in_seconds(db):
    shop = make_shop()
    started = time.monotonic()
    assert shopify_data.generate_orders(shop, 3000, seed=2) == 3000
    assert time.monotonic() - started < 15
    assert shop.orders.count() == 3000


def test_a_test_order_is_one_new_order_now(db):
    shop = make_shop(webhook_url="http://127.0.0.1:9/hook")
    order = shopify_data.create_order(shop, line_items=4)
    assert order.name == "#1001" and len(order.parsed()["line_items"]) == 4
    assert timezone.now() - order.created_at < timedelta(seconds=5)
    assert order.deliveries.get().topic == "orders/create"


def test_touching_moves_updated_at_on(db):
    shop = make_shop()
    shopify_data.generate_orders(shop, 10, seed=3)
    before = dict(shop.orders.values_list("pk", "updated_at"))
    assert shopify_data.touch_orders(shop, 4) == 4
    after = dict(shop.orders.values_list("pk", "updated_at"))
    moved = [pk for pk in before if after[pk] != before[pk]]
    assert len(moved) == 4 and all(after[pk] > before[pk] for pk in moved)
    for order in shop.orders.filter(pk__in=moved):
        assert order.parsed()["updated_at"] == render.utc_z(order.updated_at)


# -- the demo ------------------------------------------------------------------------------------------


def demo(domain: str) -> SandboxShopifyShop:
    return SandboxShopifyShop.objects.select_related("account").get(domain=domain)


def test_the_demo_shops_are_as_documented(db):
    shopify_data.ensure_demo_shops()
    corner = demo("corner-crafts.myshopify.com")
    assert corner.account.token == "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"
    assert (corner.account.name, corner.account.currency, corner.iana_timezone) == (
        "Corner Crafts",
        "GBP",
        "Europe/London",
    )
    assert (corner.bucket_size, corner.restore_rate, corner.plan_name) == (1000, 100.0, "Basic")
    assert corner.orders.count() == 150
    harbour = demo("harbour-books.myshopify.com")
    assert harbour.redact_customer_data and harbour.account.currency == "USD" and harbour.orders.count() == 40
    slow = demo("slow-bucket.myshopify.com")
    assert (slow.bucket_size, slow.restore_rate, slow.orders.count()) == (200, 20.0, 60)
    assert demo("broken-shop.myshopify.com").account.fault_server_error == -1
    busy = demo("busy-shop.myshopify.com").account
    assert (busy.fault_rate_limit, busy.retry_after_seconds) == (-1, 30)
    for shop in SandboxShopifyShop.objects.all():
        assert shop.account.platform == "shopify" and shop.account.token.startswith("shpat_")
        assert shop.client_secret.startswith("shpss_") and len(shop.client_id) == 32


def test_repairing_the_demo_resets_switches_and_keeps_orders_and_the_webhook(db):
    shopify_data.ensure_demo_shops()
    corner = demo("corner-crafts.myshopify.com")
    SandboxAccount.objects.filter(pk=corner.account_id).update(fault_server_error=-1, slow_ms=500)
    SandboxShopifyShop.objects.filter(pk=corner.pk).update(
        webhook_url="http://127.0.0.1:8000/hooks/x", webhook_duplicate=3, bucket_size=5, bucket_available=0,
        client_secret="changed", throttle_status="429",
    )  # fmt: skip
    shopify_data.ensure_demo_shops()
    corner = demo("corner-crafts.myshopify.com")
    assert (corner.account.fault_server_error, corner.account.slow_ms) == (0, 0)
    assert (corner.webhook_duplicate, corner.bucket_size, corner.bucket_available) == (0, 1000, 1000)
    assert (corner.client_secret, corner.throttle_status) == ("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", "200")
    assert corner.webhook_url == "http://127.0.0.1:8000/hooks/x"
    assert corner.orders.count() == 150
    assert SandboxShopifyShop.objects.count() == len(shopify_data.DEMO_SHOPS)


def test_the_run_command_prints_how_to_connect(db, settings):
    settings.SANDBOX_PUBLIC_URL = "http://demo.test:8000"
    out = StringIO()
    call_command("sandbox_seed", stdout=out)
    printed = out.getvalue()
    assert "http://demo.test:8000/sandbox/shopify/" in printed
    for shop in shopify_data.DEMO_SHOPS:
        for shown in (shop.domain, shop.token, shop.client_id, shop.client_secret):
            assert shown in printed
        assert f"http://demo.test:8000/sandbox/shopify/{shop.domain}/" in printed
    assert all(line in printed for line in SANDBOX.demo_lines())


def test_the_index_shows_the_demo_shops_after_seeding(client):
    call_command("sandbox_seed", stdout=StringIO())
    page = client.get("/sandbox/").content.decode()
    assert "<h2>Shopify</h2>" in page
    assert "http://testserver/sandbox/shopify/" in page
    for shop in shopify_data.DEMO_SHOPS:
        assert shop.token in page and shop.client_secret in page
        assert f"/sandbox/shopify/{shop.domain}/" in page
    assert "UNFULFILLED" in page


def test_generate_and_touch_from_the_index(client, db):
    shop = make_shop()
    response = client.post(f"/sandbox/accounts/{shop.account_id}/generate/", {"count": 12, "days": 5, "mix": "mixed"})
    assert response.status_code == 302 and shop.orders.count() == 12
    response = client.post(f"/sandbox/accounts/{shop.account_id}/touch/", {"count": 3})
    assert response.status_code == 302
    assert shop.orders.filter(updated_at__gte=timezone.now() - timedelta(seconds=5)).count() >= 3
    counts = SANDBOX.counts()[shop.account_id]
    assert sum(counts.values()) == 12 and set(counts) <= {"UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"}
