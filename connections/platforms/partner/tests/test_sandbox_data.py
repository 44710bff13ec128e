"""Fake Partner API data: chains, the order document's shape, the platform's moves, bulk orders, the demo."""

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections.platforms.partner.sandbox import auth as partner_auth
from connections.platforms.partner.sandbox import data as partner_data
from connections.platforms.partner.sandbox.models import (
    PELICAN,
    SandboxPartnerChain,
    SandboxPartnerDelivery,
    SandboxPartnerOrder,
)
from sandbox.models import SandboxAccount

from .sandbox_helpers import CHAIN_ID, TOKEN, make_chain, make_order

pytestmark = pytest.mark.django_db
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
TOP_KEYS = {
    "order_id", "external_order_id", "order_code", "status", "transport_type", "order_type", "client", "customer",
    "comment", "items", "payment", "cancellation", "sys", "accepted_for", "promised_for", "isPreorder",
}  # fmt: skip


def test_create_chain_with_known_credentials():
    chain = make_chain(vendor_ids=("v-1", "v-2", "v-3"))
    assert chain.account.platform == "partner" and chain.account.token == TOKEN
    assert str(chain.chain_id) == CHAIN_ID
    assert list(chain.vendors.values_list("vendor_id", flat=True)) == ["v-1", "v-2", "v-3"]
    assert partner_auth.static_tokens(chain) == [TOKEN]


def test_create_chain_makes_random_credentials_and_stores():
    one, two = partner_data.create_chain("A", vendors=3), partner_data.create_chain("B", vendors=1)
    assert one.chain_id != two.chain_id and one.account.token != two.account.token
    assert one.client_id != two.client_id and len(one.client_secret) >= 32
    assert one.vendors.count() == 3 and two.vendors.count() == 1


def test_the_order_document_follows_the_notes():
    chain = make_chain()
    order = make_order(chain, items=26, seed=3, transport_type="VENDOR_DELIVERY")
    doc = order.parsed()
    assert set(doc) == TOP_KEYS
    assert doc["order_id"] == str(order.order_id) and doc["order_code"] == order.order_code
    assert (doc["status"], doc["transport_type"], doc["order_type"]) == ("RECEIVED", "VENDOR_DELIVERY", "DELIVERY")
    assert doc["client"]["chain_id"] == CHAIN_ID and doc["client"]["store_id"] == "v-1"
    assert set(doc["client"]) == {"id", "chain_id", "name", "country_code", "store_id", "external_partner_config_id"}
    address = doc["customer"]["delivery_address"]
    assert {"street", "number", "city", "zipcode", "latitude", "longitude", "formattedAddress"} <= set(address)
    assert {item["pricing"]["pricing_type"] for item in doc["items"]} == {"UNIT", "KG"}
    assert {item["status"] for item in doc["items"]} == {"NOT_PROCESSED"}
    for item in doc["items"]:
        pricing = item["pricing"]
        amount = pricing["weight"] if pricing["pricing_type"] == "KG" else pricing["quantity"]
        assert pricing["total_price"] == round(pricing["unit_price"] * amount, 2)
        assert item["original_pricing"] == pricing and item["barcode"][0].isdigit()
    payment = doc["payment"]
    assert payment["sub_total"] == round(sum(i["pricing"]["total_price"] for i in doc["items"]), 2)
    fees = payment["delivery_fee"] + payment["service_fee"] + payment["container_charge"]
    assert payment["order_total"] == round(payment["sub_total"] + fees - payment["discount"], 2)
    for value in (payment["sub_total"], payment["order_total"], payment["total_taxes"]):
        assert round(value, 2) == value
    assert doc["cancellation"] is None
    for moment in (doc["sys"]["created_at"], doc["sys"]["updated_at"], doc["promised_for"]):
        assert STAMP.fullmatch(moment)


def test_the_same_seed_makes_the_same_order():
    chain = make_chain()
    moment = datetime(2026, 11, 20, 9, 30, 15, 123000, tzinfo=UTC)
    one = make_order(chain, seed=7, created_at=moment)
    two = make_order(chain, seed=8, created_at=moment)
    SandboxPartnerOrder.objects.filter(pk=one.pk).delete()
    again = make_order(chain, seed=7, created_at=moment)
    assert again.document == one.document != two.document
    assert again.parsed()["sys"]["created_at"] == "2026-11-20T09:30:15.123Z"


def test_a_cancelled_order_carries_its_cancellation():
    chain = make_chain()
    order = make_order(chain, status="CANCELLED", cancellation={"reason": "TOO_BUSY", "cancelled_by": "VENDOR"})
    assert order.parsed()["cancellation"] == {"reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    with pytest.raises(ValueError):
        make_order(chain, status="SHIPPED")


def test_updated_at_strictly_increases_even_within_one_millisecond(monkeypatch):
    chain = make_chain()
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    order = make_order(chain)
    stamps = [order.parsed()["sys"]["updated_at"]]
    for status in ("READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"):
        assert partner_data.set_status(order, status)
        stamps.append(order.parsed()["sys"]["updated_at"])
    assert stamps == sorted(set(stamps)) and len(stamps) == 4
    assert order.updated_at - frozen.replace(microsecond=frozen.microsecond // 1000 * 1000) == timedelta(milliseconds=3)
    order.refresh_from_db()
    assert order.parsed()["sys"]["updated_at"] == stamps[-1] and order.status == "CANCELLED"


def test_set_status_is_the_platforms_move():
    chain = make_chain(picking_mode=PELICAN)
    order = make_order(chain)
    assert partner_data.set_status(order, "READY_FOR_PICKUP", by="PELICAN")
    doc = order.parsed()
    assert {item["status"] for item in doc["items"]} == {"IN_CART"}  # the picker checked them out
    assert doc["sys"]["updated_by"] == "PELICAN"
    assert partner_data.set_status(order, "picked_up")
    assert not partner_data.set_status(order, "picked_up")
    order.refresh_from_db()
    assert order.status == order.parsed()["status"] == "picked_up"
    other = make_order(chain, seed=2)
    partner_data.set_status(other, "CANCELLED")
    assert other.parsed()["cancellation"] == partner_data.CUSTOMER_CANCELLATION


def test_generate_orders_spreads_them_over_the_days_in_bulk():
    chain = make_chain(webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    started = time.monotonic()
    before = timezone.now()
    assert partner_data.generate_orders(chain, 10_000, days=10, seed=5, notify=False) == 10_000
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"10,000 orders took {elapsed:.1f} s"
    orders = SandboxPartnerOrder.objects.filter(chain=chain)
    assert orders.count() == 10_000
    oldest, newest = orders.order_by("created_at").first(), orders.order_by("-created_at").first()
    assert before - timedelta(days=10, seconds=5) <= oldest.created_at < before - timedelta(days=9)
    assert before - timedelta(hours=3) < newest.created_at <= timezone.now()
    assert set(orders.values_list("status", flat=True).distinct()) == set(partner_data.PARTNER_MIX)
    assert set(orders.values_list("vendor__vendor_id", flat=True).distinct()) == {"v-1", "v-2"}
    assert not orders.filter(transport_type="VENDOR_DELIVERY", status="READY_FOR_PICKUP").exists()
    assert not SandboxPartnerDelivery.objects.exists()


def test_generate_orders_queues_the_webhooks_the_chain_hears():
    chain = make_chain(webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    partner_data.generate_orders(chain, 50, days=2, statuses=("RECEIVED", "DISPATCHED"), seed=1)
    assert chain.deliveries.count() == 50
    pelican = make_chain(
        token="pelican-token",
        chain_id=uuid.uuid4(),
        client_id="pelican",
        picking_mode=PELICAN,
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="s",
    )
    partner_data.generate_orders(pelican, 40, statuses=("RECEIVED", "READY_FOR_PICKUP", "picked_up"), seed=1)
    assert set(pelican.deliveries.values_list("status", flat=True)) == {"READY_FOR_PICKUP"}
    assert pelican.deliveries.count() == pelican.orders.filter(status="READY_FOR_PICKUP").count() > 0
    with pytest.raises(ValueError):
        partner_data.generate_orders(chain, 1, statuses=("LOST",))


def test_demo_chains_are_idempotent_and_keep_the_webhook_settings():
    partner_data.ensure_demo_chains()
    corner = SandboxPartnerChain.objects.get(chain_id=partner_data.DEMO_CHAINS[0].chain_id)
    assert corner.orders.count() == 30 and corner.orders.filter(status="RECEIVED").count() >= 6
    assert corner.orders.filter(created_at__lt=timezone.now() - timedelta(days=9)).exists()
    partner_auth.issue_static_token(corner)
    SandboxPartnerChain.objects.filter(pk=corner.pk).update(
        webhook_url="http://127.0.0.1:8000/webhooks/partner/x/", webhook_secret="s", webhook_duplicate=-1
    )
    SandboxAccount.objects.filter(pk=corner.account_id).update(fault_server_error=-1)
    partner_data.ensure_demo_chains()
    corner.refresh_from_db()
    assert corner.orders.count() == 30
    assert (corner.webhook_url, corner.webhook_duplicate) == ("http://127.0.0.1:8000/webhooks/partner/x/", 0)
    assert corner.account.fault_server_error == 0
    assert partner_auth.static_tokens(corner) == [partner_data.DEMO_CHAINS[0].token]
    pelican = SandboxPartnerChain.objects.get(chain_id=partner_data.DEMO_CHAINS[1].chain_id)
    assert pelican.is_pelican and pelican.orders.count() == 15
    assert not pelican.orders.filter(status="RECEIVED").exists()


def test_the_seed_commands_print_the_demo_credentials(settings):
    settings.SANDBOX_PUBLIC_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("sandbox_partner_seed", stdout=out)
    printed = out.getvalue()
    assert "Partner API sandbox host: http://127.0.0.1:8123/sandbox/partner" in printed
    demo = StringIO()
    call_command("seed_demo", stdout=demo, verbosity=2)
    for chain in partner_data.DEMO_CHAINS:
        for value in (chain.chain_id, chain.token, chain.client_id, chain.client_secret, *chain.vendor_ids):
            assert value in printed and value in demo.getvalue()
    assert SandboxPartnerChain.objects.count() == 2
