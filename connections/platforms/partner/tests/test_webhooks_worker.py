"""A real qcluster worker applies Partner API webhook events as they arrive, each once."""

import uuid

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse

from connections.models import WebhookEvent
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.models import Order
from tests.support.workers import running_worker, wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]

LIFE = ("RECEIVED", "READY_FOR_PICKUP", "DISPATCHED")


def test_events_posted_over_http_are_applied_by_the_worker(live_server, merchant, tmp_path):
    cache.clear()
    connection = make_partner_connection(merchant)
    url = live_server.url + reverse("webhook", args=["partner", connection.webhook_id])
    order_ids = [str(uuid.uuid4()) for _ in range(12)]
    with running_worker(tmp_path) as worker, requests.Session() as session:
        session.headers["Authorization"] = PARTNER_WEBHOOK_SECRET
        for step, status in enumerate(LIFE):
            for n, order_id in enumerate(order_ids):
                body = partner_order(order_id, status, updated=step * 10, code=f"fp-{n}")
                assert session.post(url, json=body, timeout=10).status_code == 202
                if step == 1 and n % 3 == 0:  # the platform delivers some twice
                    assert session.post(url, json=body, timeout=10).status_code == 200
        wait_for(
            lambda: not WebhookEvent.objects.exclude(state=WebhookEvent.State.PROCESSED).exists(),
            what=f"the worker to apply every event\n{worker.output()}",
        )
    assert WebhookEvent.objects.count() == len(order_ids) * len(LIFE)
    assert WebhookEvent.objects.filter(duplicates=1).count() == 4
    orders = Order.objects.filter(connection=connection)
    assert sorted(orders.values_list("external_id", flat=True)) == sorted(order_ids)
    assert set(orders.values_list("status", flat=True)) == {"shipped"}
