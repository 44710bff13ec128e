"""Shopify's webhooks: orders/create, orders/updated and orders/cancelled (platforms/shopify.md §4).

* Authenticated by `X-Shopify-Hmac-Sha256`: the base64 HMAC-SHA256 of the raw body with the
  app's API secret key (its client secret), compared in constant time. After a rotation,
  the previous secret is accepted for WEBHOOK_SECRET_GRACE_HOURS, as Shopify may go on
  signing with it for a while.
* Deduplicated on both ids Shopify sends, since its docs name each as the key:
  `X-Shopify-Webhook-Id` (the delivery) and `X-Shopify-Event-Id` (the event, by topic). A
  repeat of either is a duplicate.
* Ordered by the order's `updated_at` (or, without one, `X-Shopify-Triggered-At`): an older
  delivery never moves an order back.
* The body is the order in the REST shape; ingest keys it by the same gid, and reads the
  same version, as the query's node.
"""

from __future__ import annotations

from typing import Any

from ..base import OrderRecord
from ..deliveries import BodySignature, Deliveries, Delivery, body_key
from ..values import utc_datetime
from . import orders

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled")


class ShopifyDeliveries(Deliveries):
    authentication = BodySignature("X-Shopify-Hmac-Sha256")
    where = (
        "Shopify signs its webhooks with your app's API secret key (the client secret), stored with this "
        "connection. In your app's settings, subscribe orders/create, orders/updated and orders/cancelled "
        "(JSON) to this address:"
    )

    def read(self, payload: Any, headers, body: bytes) -> Delivery:
        topic = str(headers.get("X-Shopify-Topic") or "")
        record = orders.record(payload)  # UnreadableRecord (400) when the body names no order
        delivery_id, event_id = headers.get("X-Shopify-Webhook-Id"), headers.get("X-Shopify-Event-Id")
        keys = [f"webhook:{delivery_id}" if delivery_id else body_key(body)]
        if event_id:
            keys.append(f"event:{topic}:{event_id}")
        return Delivery(
            dedupe_keys=tuple(keys),
            order_id=record.external_id,
            event=topic,
            event_time=_event_time(payload, headers),
            not_applied="" if topic in ORDER_TOPICS else f"Not applied: {_not_an_order_topic(topic)}.",
        )

    def record(self, payload: Any) -> OrderRecord:
        return orders.record(payload)


def _not_an_order_topic(topic: str) -> str:
    return f"topic \u201c{topic or 'none'}\u201d is not an order event the portal applies"


def _event_time(payload: Any, headers):
    for value in (
        payload.get("updated_at") if isinstance(payload, dict) else None,
        headers.get("X-Shopify-Triggered-At"),
    ):
        try:
            if moment := utc_datetime(value):
                return moment
        except ValueError:
            continue
    return None
