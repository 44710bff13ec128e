"""The order page says what the platform sent in words: its facts, its items' marks, its timeline."""

from __future__ import annotations

import re

from django.urls import reverse

from connections.platforms.base import OrderRecord
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.ingest import ingest_page
from orders.models import Order

RAW_CODES = re.compile(r"\b(RECEIVED|LOGISTICS_DELIVERY|VENDOR_DELIVERY|NOT_PROCESSED|IN_CART)\b|\d{4}-\d\d-\d\dT\d\d:")


def test_a_partner_order_page_shows_no_platform_code(member_client, merchant):
    merchant.timezone = "Asia/Singapore"
    merchant.save()
    connection = make_partner_connection(merchant)
    raw = partner_order(status="RECEIVED")
    ingest_page(connection, [OrderRecord(raw["order_id"], raw, normalize_order)])
    order = Order.objects.get()

    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    text = re.sub(r"<[^>]+>", " ", page[page.index("<main") :])  # what a merchant reads: no tag, no attribute
    assert not RAW_CODES.search(text), RAW_CODES.search(text)
    assert "<dt>Promised for</dt><dd>20 Nov 2026, 17:45</dd>" in page  # 09:45 UTC, in the merchant's time
    assert "<dt>Delivery</dt><dd>A platform rider collects it</dd>" in page
    assert "Picking:</span> Not picked yet" in page
    assert "Imported from Partner API: Received." in page
