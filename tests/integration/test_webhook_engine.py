"""The webhook engine knows no platform: a platform that signs its bodies and names each delivery
twice is received, deduplicated and applied by the same engine as one that sends a shared secret.

The signed platform here is the Partner API's orders with a test `Deliveries` part in place of
its own (a signature of the body, a delivery id and an event id in headers).
"""

import base64
import hashlib
import hmac
import uuid

import orjson
import pytest
from django.urls import reverse

from connections import webhooks
from connections.models import WebhookEvent
from connections.platforms import registry
from connections.platforms.deliveries import BodySignature, Delivery
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from connections.platforms.partner.tests.orders import partner_order
from connections.platforms.partner.webhooks import PartnerDeliveries
from orders.models import Order

pytestmark = pytest.mark.django_db


class SignedDeliveries(PartnerDeliveries):
    """The Partner API's orders, signed and named twice."""

    authentication = BodySignature("X-Test-Signature")
    makes_secret = False

    def read(self, payload, headers, body):
        return Delivery(
            dedupe_keys=(f"delivery:{headers['X-Test-Delivery']}", f"event:{headers['X-Test-Event']}"),
            order_id=payload["order_id"],
            event=payload["status"],
        )


@pytest.fixture
def signed(monkeypatch, partner_connection):
    partner = registry.get("partner")
    monkeypatch.setattr(partner, "deliveries", SignedDeliveries())
    return partner_connection


def post(client, connection, body: bytes, *, secret=PARTNER_WEBHOOK_SECRET, delivery="d-1", event="e-1", platform=None):
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(
        reverse("webhook", args=[platform or connection.platform, connection.webhook_id]),
        body,
        content_type="application/json",
        HTTP_X_TEST_SIGNATURE=signature,
        HTTP_X_TEST_DELIVERY=delivery,
        HTTP_X_TEST_EVENT=event,
    )


def test_a_signed_delivery_is_stored_with_both_keys_and_applied(client, signed):
    body = orjson.dumps(partner_order(status="RECEIVED"))
    response = post(client, signed, body)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert (event.dedupe_key, event.alt_dedupe_key) == ("delivery:d-1", "event:e-1")
    assert event.headers["X-Test-Signature"]  # a signature is no secret: kept for staff
    assert event.state == WebhookEvent.State.PROCESSED
    assert Order.objects.filter(connection=signed).count() == 1


@pytest.mark.parametrize("secret", ["another-secret-0123456789", ""], ids=["wrong", "empty"])
def test_a_wrong_signature_is_401_and_stores_nothing(client, signed, secret):
    response = post(client, signed, orjson.dumps(partner_order()), secret=secret)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert not WebhookEvent.objects.exists()


def test_a_body_changed_after_signing_is_401(client, signed):
    body = orjson.dumps(partner_order(status="RECEIVED"))
    signature = base64.b64encode(hmac.new(PARTNER_WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    response = client.post(
        reverse("webhook", args=["partner", signed.webhook_id]),
        body.replace(b"RECEIVED", b"CANCELLED"),
        content_type="application/json",
        HTTP_X_TEST_SIGNATURE=signature,
        HTTP_X_TEST_DELIVERY="d-1",
        HTTP_X_TEST_EVENT="e-1",
    )
    assert response.status_code == 401 and not WebhookEvent.objects.exists()


def test_a_repeat_of_either_key_is_a_duplicate(client, signed):
    body = orjson.dumps(partner_order(status="RECEIVED"))
    assert post(client, signed, body, delivery="d-1", event="e-1").status_code == 202
    assert post(client, signed, body, delivery="d-1", event="e-2").json()["status"] == "duplicate"
    assert post(client, signed, body, delivery="d-2", event="e-1").json()["status"] == "duplicate"
    assert post(client, signed, body, delivery="d-3", event="e-3").status_code == 202
    first = WebhookEvent.objects.get(dedupe_key="delivery:d-1")
    assert first.duplicates == 2
    assert WebhookEvent.objects.count() == 2


def test_keys_longer_than_their_column_are_kept_whole_as_a_hash_never_cut(client, signed):
    """Cut to 255 characters, two deliveries named alike up to the cut were one: the second was
    answered "duplicate" and its order event lost. A repeat of the same long key is still a duplicate."""
    body = orjson.dumps(partner_order(status="RECEIVED"))
    first, second = "x" * 300 + "-1", "x" * 300 + "-2"
    assert post(client, signed, body, delivery=first, event="e-1").status_code == 202
    assert post(client, signed, body, delivery=second, event="e-2").status_code == 202
    again = post(client, signed, body, delivery=first, event="e-3")
    assert again.json()["status"] == "duplicate"
    keys = set(WebhookEvent.objects.values_list("dedupe_key", flat=True))
    assert keys == {webhooks.stored_key(f"delivery:{first}"), webhooks.stored_key(f"delivery:{second}")}
    assert all(len(key) <= 255 and key.startswith("sha256-of-key:") for key in keys)
    assert webhooks.stored_key("delivery:d-1") == "delivery:d-1"  # one that fits is kept as it is


def test_the_url_belongs_to_one_platform(client, signed):
    body = orjson.dumps(partner_order())
    assert post(client, signed, body, platform="noths").status_code == 404
    assert post(client, signed, body, platform="no-such-platform").status_code == 404
    unknown = client.post(reverse("webhook", args=["partner", uuid.uuid4()]), body, content_type="application/json")
    assert unknown.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_platform_without_webhooks_has_no_webhook_url(client, sandbox_connection):
    response = client.post(
        reverse("webhook", args=["noths", sandbox_connection.webhook_id]), b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_headers_are_kept_but_any_holding_a_secret(client, signed):
    chain_id = signed.stored_credentials()["chain_id"]  # an account's id: no secret
    body = orjson.dumps(partner_order(status="RECEIVED"))
    response = client.post(
        reverse("webhook", args=["partner", signed.webhook_id]),
        body,
        content_type="application/json",
        HTTP_X_TEST_SIGNATURE=base64.b64encode(
            hmac.new(PARTNER_WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
        ).decode(),
        HTTP_X_TEST_DELIVERY="d-1",
        HTTP_X_TEST_EVENT="e-1",
        HTTP_X_CHAIN=chain_id,
        HTTP_X_ECHO=f"key={PARTNER_WEBHOOK_SECRET}",
    )
    assert response.status_code == 202
    kept = WebhookEvent.objects.get().headers
    assert kept["X-Chain"] == chain_id
    assert kept["X-Echo"] == "(hidden: it holds a secret)"
