"""The sandbox Shopify's webhooks: an outbox of order events, signed and sent at least once.

Shopify POSTs the REST representation of the order to the subscription's address with the
headers of platforms/shopify.md §4.3: the topic, the shop's domain, the API version, a
delivery id (X-Shopify-Webhook-Id, kept by retries), an event id (X-Shopify-Event-Id,
shared by every copy of one event), when the event fired, and X-Shopify-Hmac-Sha256: the
base64 HMAC-SHA256 of the exact body bytes under the app's client secret (§4.4).

`queue` records events in the transaction that changed the order (only the shop's topics);
`sandbox.outbox` sends them, retries them and applies the shop's switches. What is
Shopify's own: a duplicate alternates between a repeat of the delivery and a new delivery
of the same event (so a receiver must dedupe on either id), the drop switch picks by event
id, and `sign_with_previous` signs with the client secret a rotation replaced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable
from datetime import datetime

from sandbox.models import take_one
from sandbox.outbox import Outbox, wrong_secret
from sandbox.values import iso_ms

from . import render
from .models import SandboxShopifyDelivery, SandboxShopifyOrder, SandboxShopifyShop


def sign(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 of the HMAC-SHA256 of the body bytes under the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class ShopifyOutbox(Outbox):
    deliveries = SandboxShopifyDelivery
    sender = "shop"
    user_agent = "Shopify-Captain-Hook"
    hold_setting = "SANDBOX_SHOPIFY_WEBHOOK_HOLD_SECONDS"
    attempt_flags = ("previous_secret_sent",)

    def delivery(self, sender, order, event, now):
        return SandboxShopifyDelivery(
            shop=sender,
            order=order,
            topic=event,
            body=render.rest_body(order.parsed(), zone=sender.iana_timezone, redact=sender.redact_customer_data),
            event_id=str(uuid.uuid4()),
            webhook_id=str(uuid.uuid4()),
            triggered_at=now,
            api_version=sender.api_version,
        )

    def copy(self, first, nth):
        """Even copies repeat the delivery (same ids); odd ones are a new delivery of the event."""
        copy = super().copy(first, nth)
        if nth % 2:
            copy.webhook_id = str(uuid.uuid4())
        return copy

    def event_key(self, delivery):
        return delivery.event_id

    def attempt_headers(self, delivery, body):
        shop = delivery.shop
        key = signing_key(delivery)
        return {
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": sign(body, key),
            "X-Shopify-Shop-Domain": shop.domain,
            "X-Shopify-API-Version": delivery.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": iso_ms(delivery.triggered_at),
        }


def signing_key(delivery: SandboxShopifyDelivery) -> str:
    """The key of the next attempt, flagged on the delivery: a wrong key while that switch fires,
    else the previous secret while that one fires (and there is one), else the client secret."""
    shop = delivery.shop
    if take_one(shop, "webhook_wrong_secret"):
        delivery.wrong_secret_sent = True
        return wrong_secret(shop.client_secret)
    if shop.previous_client_secret and take_one(shop, "sign_with_previous"):
        delivery.previous_secret_sent = True
        return shop.previous_client_secret
    return shop.client_secret


OUTBOX = ShopifyOutbox()
deliver_due = OUTBOX.deliver_due
release_overdue = OUTBOX.release_overdue
hold_seconds = OUTBOX.hold_seconds
backoff_seconds = OUTBOX.backoff_seconds


def queue(
    shop: SandboxShopifyShop,
    events: Iterable[tuple[SandboxShopifyOrder, str]],
    *,
    now: datetime | None = None,
) -> list[SandboxShopifyDelivery]:
    """Queue a delivery of each (order, topic) the shop subscribes to, in that order (`Outbox.queue`).

    Each body is the order as it is now, so call it inside the transaction that changed the orders.
    """
    topics = set(shop.topics)
    return OUTBOX.queue(shop, [(order, topic) for order, topic in events if topic in topics], now=now)


def is_dropped(shop: SandboxShopifyShop, event_id: str) -> bool:
    """Whether the drop switch drops the event with this id."""
    return OUTBOX.is_dropped(shop, SandboxShopifyDelivery(shop=shop, event_id=event_id))
