"""Shopify's webhooks over real HTTP: the sandbox store signs and sends its deliveries to the portal's
endpoint on `live_server`. The HMAC rules (good, wrong, missing, a byte changed, a rotated secret
within and after its grace), both delivery ids deduplicated, an older delivery never moving an
order back, and the backfill recovering the deliveries a store dropped."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from connections import services
from connections.models import Connection, WebhookEvent
from connections.platforms.shopify.sandbox.data import create_order, create_shop, generate_orders, rotate_secret
from connections.platforms.shopify.sandbox.models import SandboxShopifyDelivery
from connections.platforms.shopify.sandbox.orders import cancel_order
from connections.platforms.shopify.sandbox.webhooks import deliver_due
from connections.sync import execute, request_sync
from orders.models import Order

from .fixtures import connect_sandbox_shop

pytestmark = pytest.mark.django_db(transaction=True)
GID = "gid://shopify/Order/"


@pytest.fixture(autouse=True)
def fresh(settings):
    cache.clear()
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


@pytest.fixture
def store(live_server, merchant):
    """A sandbox store sending its webhooks to a connection of it, signed with its client secret."""
    shop = create_shop("Hook Crafts", domain="hook-crafts.myshopify.com", webhook_backoff_seconds=0)
    connection = connect_sandbox_shop(live_server, merchant, shop, webhook_secret=shop.client_secret)
    Connection.objects.filter(pk=connection.pk).update(import_statuses=[])  # every state
    shop.webhook_url = live_server.url + reverse("webhook", args=["shopify", connection.webhook_id])
    shop.save(update_fields=["webhook_url"])
    connection.refresh_from_db()
    return shop, connection


def deliver_everything() -> None:
    while deliver_due():
        pass


def portal(connection) -> dict[str, str]:
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_status"))


def post(live_server, connection, body: bytes, signature: str | None, **headers):
    sent = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create", **headers}
    if signature is not None:
        sent["X-Shopify-Hmac-Sha256"] = signature
    url = live_server.url + reverse("webhook", args=["shopify", connection.webhook_id])
    return requests.post(url, data=body, headers=sent, timeout=10)


def signed(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_new_order_arrives_by_webhook_within_one_delivery(store):
    shop, connection = store
    order = create_order(shop)
    deliver_everything()
    delivery = SandboxShopifyDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("delivered", 202)
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED and event.event_status == "orders/create"
    assert event.dedupe_key == f"webhook:{delivery.webhook_id}"
    assert event.alt_dedupe_key == f"event:orders/create:{delivery.event_id}"
    assert event.headers["X-Shopify-Shop-Domain"] == shop.domain  # no secret: kept
    assert portal(connection) == {f"{GID}{order.legacy_id}": "unfulfilled"}


def test_a_wrong_or_missing_signature_or_a_changed_byte_is_401_and_stores_nothing(live_server, store):
    shop, connection = store
    body = json.dumps({"id": 42, "admin_graphql_api_id": f"{GID}42", "name": "#42"}).encode()
    assert post(live_server, connection, body, signed(body, "another-secret-000000")).status_code == 401
    assert post(live_server, connection, body, None).status_code == 401
    changed = body.replace(b"#42", b"#43")
    assert len(changed) == len(body)
    assert post(live_server, connection, changed, signed(body, shop.client_secret)).status_code == 401
    assert post(live_server, connection, body, signed(body, shop.client_secret)).status_code == 202
    assert WebhookEvent.objects.count() == 1

    shop.webhook_wrong_secret = 1
    shop.save(update_fields=["webhook_wrong_secret"])
    create_order(shop)
    deliver_due()
    refused = SandboxShopifyDelivery.objects.get()
    assert refused.last_status_code == 401 and refused.state == "queued"  # Shopify will try again
    deliver_everything()  # the retry is signed right
    refused.refresh_from_db()
    assert refused.state == "delivered" and WebhookEvent.objects.count() == 2


def test_a_rotated_secret_is_accepted_for_its_grace_and_then_refused(live_server, store, settings):
    shop, connection = store
    old = shop.client_secret
    new = rotate_secret(shop)  # rotated in Shopify ...
    services.rotate_webhook_secret(connection, new)  # ... and typed on the connection's page
    body = json.dumps({"id": 7, "admin_graphql_api_id": f"{GID}7", "name": "#7"}).encode()
    assert post(live_server, connection, body, signed(body, new), **{"X-Shopify-Webhook-Id": "a"}).status_code == 202
    assert post(live_server, connection, body, signed(body, old), **{"X-Shopify-Webhook-Id": "b"}).status_code == 202
    Connection.objects.filter(pk=connection.pk).update(
        previous_webhook_secret_until=timezone.now() - timedelta(seconds=1)
    )
    refused = post(live_server, connection, body, signed(body, old), **{"X-Shopify-Webhook-Id": "c"})
    assert refused.status_code == 401


def test_a_repeat_of_either_id_is_acknowledged_and_stored_once(store):
    shop, connection = store
    shop.webhook_duplicate = 2  # one exact copy, one new delivery of the same event
    shop.save(update_fields=["webhook_duplicate"])
    create_order(shop)
    create_order(shop)
    deliver_everything()
    deliveries = list(SandboxShopifyDelivery.objects.order_by("pk"))
    assert len(deliveries) == 4 and all(d.state == "delivered" for d in deliveries)
    assert sorted(d.last_status_code for d in deliveries) == [200, 200, 202, 202]
    assert len({d.webhook_id for d in deliveries}) == 3  # the exact copy kept its delivery id
    assert WebhookEvent.objects.count() == 2 and sum(WebhookEvent.objects.values_list("duplicates", flat=True)) == 2
    assert Order.objects.filter(connection=connection).count() == 2


def test_an_older_delivery_never_moves_an_order_back(store):
    shop, connection = store
    order = create_order(shop)
    deliver_everything()
    shop.webhook_out_of_order = 1  # hold the cancellation's first event back ...
    shop.save(update_fields=["webhook_out_of_order"])
    cancel_order(order)
    create_order(shop)  # ... until the next event is sent
    deliver_everything()
    held_first = SandboxShopifyDelivery.objects.filter(topic__in=["orders/cancelled", "orders/updated"])
    assert held_first.count() == 2
    assert portal(connection)[f"{GID}{order.legacy_id}"] == "cancelled"
    # An old copy of the order's creation, sent again now, changes nothing.
    first = SandboxShopifyDelivery.objects.filter(order=order, topic="orders/create").first()
    body = first.body.encode()
    stale = requests.post(
        first.shop.webhook_url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signed(body, shop.client_secret),
            "X-Shopify-Webhook-Id": "resent-by-hand",
        },
        timeout=10,
    )
    assert stale.status_code == 202
    assert portal(connection)[f"{GID}{order.legacy_id}"] == "cancelled"


def test_the_backfill_recovers_every_dropped_delivery(store, settings):
    shop, connection = store
    settings.SHOPIFY_PAGE_SIZE = 10
    shop.webhook_drop_percent, shop.webhook_drop_seed = 10, 4
    shop.save(update_fields=["webhook_drop_percent", "webhook_drop_seed"])
    generate_orders(shop, 60, days=2, mix=("unfulfilled",), notify=True, seed=8)
    deliver_everything()
    dropped = SandboxShopifyDelivery.objects.filter(state="dropped").count()
    assert 0 < dropped < 20  # a tenth, give or take
    platform = {f"{GID}{legacy_id}" for legacy_id in shop.orders.values_list("legacy_id", flat=True)}
    assert len(portal(connection)) == 60 - dropped
    run, _ = request_sync(connection, trigger="scheduled", enqueue=False)
    assert execute(run.pk).status == "succeeded"
    assert set(portal(connection)) == platform
    assert WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).count() == 0
