"""The Partner API's webhook: the full order, no envelope, POSTed on every change.

The Authorization header is the whole shared secret (the portal makes it, or the
merchant types the one they already use). The dedupe key is the order, its status and
its `sys.updated_at`; a body without them is keyed by its hash.
"""

from __future__ import annotations

from typing import Any

from ..base import OrderRecord, UnknownStatus, UnreadableRecord
from ..deliveries import Deliveries, Delivery, SecretHeader, body_key
from ..values import utc_datetime
from .orders import known_status, normalize_order, unknown_status_words


class PartnerDeliveries(Deliveries):
    """The full order, no envelope, POSTed on every change; the Authorization header is the whole secret."""

    authentication = SecretHeader("Authorization")
    makes_secret = True
    where = "In the Partner Portal, open Shops Integrations \u2192 webhook settings and enter:"

    def read(self, payload: Any, headers, body: bytes) -> Delivery:
        record = _event_record(payload)
        status = payload["status"]
        return Delivery(
            dedupe_keys=(dedupe_key(payload, body),),
            order_id=record.external_id,
            event=status,
            event_time=_event_time(payload),
            not_applied="" if known_status(payload) else f"Not applied: {unknown_status_words(payload)}.",
        )

    def record(self, payload: Any) -> OrderRecord:
        record = _event_record(payload)
        if not known_status(payload):
            raise UnknownStatus(f"Not applied: {unknown_status_words(payload)}.")
        return record


def _event_record(payload: Any) -> OrderRecord:
    if not isinstance(payload, dict) or not isinstance(payload.get("order_id"), str) or not payload["order_id"]:
        raise UnreadableRecord("the body is not an order: it has no order_id")
    if not isinstance(payload.get("status"), str) or not payload["status"]:
        raise UnreadableRecord("the body is not an order: it has no status")
    return OrderRecord(payload["order_id"], payload, normalize_order)


def dedupe_key(payload: dict, body: bytes) -> str:
    """(order id, status, sys.updated_at) when the event has them all, else the body's hash."""
    system = payload.get("sys") if isinstance(payload.get("sys"), dict) else {}
    parts = (payload.get("order_id"), payload.get("status"), system.get("updated_at"))
    if all(isinstance(p, str) and p for p in parts):
        key = "|".join(parts)
        if len(key) <= 200:
            return key
    return body_key(body)


def _event_time(payload: dict):
    system = payload.get("sys") if isinstance(payload.get("sys"), dict) else {}
    try:
        return utc_datetime(system.get("updated_at"))
    except (ValueError, TypeError):
        return None
