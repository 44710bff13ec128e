"""The fake Partner API's webhooks: an outbox of order events, sent at least once (`sandbox.outbox`).

The platform pushes the whole order, no envelope, to the chain's webhook URL with the
chain's secret verbatim in one header (partner_api.md §1). Partner Picking chains hear
RECEIVED, READY_FOR_PICKUP, DISPATCHED and CANCELLED; Pelican chains only READY_FOR_PICKUP
and CANCELLED. `queue` records an event in the transaction that changed the order;
`deliver_due` POSTs the due ones. The drop switch picks events by a hash of the seed, the
order, the status and when the order changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sandbox.models import take_one
from sandbox.outbox import Outbox, wrong_secret
from sandbox.values import dump_json

from .models import PARTNER_PICKING, PELICAN, SandboxPartnerChain, SandboxPartnerDelivery, SandboxPartnerOrder

PUSHED = {
    PARTNER_PICKING: frozenset({"RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"}),
    PELICAN: frozenset({"READY_FOR_PICKUP", "CANCELLED"}),
}


class PartnerOutbox(Outbox):
    deliveries = SandboxPartnerDelivery
    sender = "chain"
    user_agent = "partner-api-sandbox-webhooks/1.0"
    hold_setting = "SANDBOX_PARTNER_WEBHOOK_HOLD_SECONDS"

    def delivery(self, sender, order, event, now):
        return SandboxPartnerDelivery(chain=sender, order=order, status=event, body=event_body(order, event))

    def event_key(self, delivery):
        order = delivery.order
        return f"{order.order_id}:{delivery.status}:{order.updated_at.isoformat()}"

    def attempt_headers(self, delivery, body):
        chain = delivery.chain
        delivery.wrong_secret_sent = take_one(chain, "webhook_wrong_secret")
        secret = wrong_secret(chain.webhook_secret) if delivery.wrong_secret_sent else chain.webhook_secret
        return {chain.webhook_header: secret}


OUTBOX = PartnerOutbox()
deliver_due = OUTBOX.deliver_due
release_overdue = OUTBOX.release_overdue
hold_seconds = OUTBOX.hold_seconds
backoff_seconds = OUTBOX.backoff_seconds


def pushes(chain: SandboxPartnerChain, status: str) -> bool:
    """Whether the platform pushes this status to chains of this picking mode."""
    return status in PUSHED[chain.picking_mode]


def queue(
    chain: SandboxPartnerChain, events: Iterable[tuple[SandboxPartnerOrder, str]], *, now: datetime | None = None
) -> list[SandboxPartnerDelivery]:
    """Queue the webhook of each (order, event status) the chain hears, in that order (`Outbox.queue`)."""
    return OUTBOX.queue(chain, [(order, status) for order, status in events if pushes(chain, status)], now=now)


def event_body(order: SandboxPartnerOrder, status: str) -> str:
    """The order document as the event carries it: as GET serves it, with the event's status."""
    if order.status == status:
        return order.document
    doc = order.parsed()
    doc["status"] = status
    return dump_json(doc)


def is_dropped(chain: SandboxPartnerChain, order: SandboxPartnerOrder, status: str) -> bool:
    """Whether the drop switch drops the event of `order` reaching `status` (at its updated_at)."""
    return OUTBOX.is_dropped(chain, SandboxPartnerDelivery(chain=chain, order=order, status=status))
