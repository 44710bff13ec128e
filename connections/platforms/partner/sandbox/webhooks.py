"""The fake Partner API's webhooks: an outbox of order events, sent at least once.

The platform pushes the whole order, no envelope, to the chain's webhook URL with the
chain's secret verbatim in one header (partner_api.md §1). Partner Picking chains hear
RECEIVED, READY_FOR_PICKUP, DISPATCHED and CANCELLED; Pelican chains only READY_FOR_PICKUP
and CANCELLED. `queue` records an event in the transaction that changed the order;
`deliver_due` POSTs the due ones. A 2xx marks a delivery delivered; anything else (another
status, a timeout, a refused connection) is tried again after a capped exponential
backoff with jitter, until the chain's attempt limit marks it failed.

The chain's switches make delivery misbehave as platforms do, deterministically so tests
can rely on them: send events twice, hold one back until the chain's next event (or for
`hold_seconds()` if none comes first: a held event is still sent, at least once), drop a share
of them (chosen by a hash of the seed and the event), send a wrong secret.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sandbox.models import take_one
from sandbox.values import dump_json

from .models import PARTNER_PICKING, PELICAN, SandboxPartnerChain, SandboxPartnerDelivery, SandboxPartnerOrder

PUSHED = {
    PARTNER_PICKING: frozenset({"RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"}),
    PELICAN: frozenset({"READY_FOR_PICKUP", "CANCELLED"}),
}
# A delivery being sent is claimed for this long beyond its timeout; a sender that dies
# mid-send leaves it to be sent again after that (at least once).
CLAIM_MARGIN = timedelta(seconds=30)
JITTER = 0.2  # each backoff delay is off by up to ±20 %
# An event held back by the out-of-order switch goes out after the chain's next event, or after
# this many seconds if none comes first (SANDBOX_PARTNER_WEBHOOK_HOLD_SECONDS overrides it).
HOLD_SECONDS = 5.0
USER_AGENT = "partner-api-sandbox-webhooks/1.0"
NO_URL = "The chain has no webhook URL."

Delivery = SandboxPartnerDelivery


def hold_seconds() -> float:
    """How long the out-of-order switch holds an event back at most."""
    return float(getattr(settings, "SANDBOX_PARTNER_WEBHOOK_HOLD_SECONDS", HOLD_SECONDS))


def pushes(chain: SandboxPartnerChain, status: str) -> bool:
    """Whether the platform pushes this status to chains of this picking mode."""
    return status in PUSHED[chain.picking_mode]


def queue(
    chain: SandboxPartnerChain, events: Iterable[tuple[SandboxPartnerOrder, str]], *, now: datetime | None = None
) -> list[SandboxPartnerDelivery]:
    """Queue the webhook of each (order, event status) the chain hears, in that order.

    Nothing is queued for a chain without a webhook URL (the Portal cannot send then).
    Call it inside the transaction that changed the orders. Returns the new deliveries.
    A held event's `next_attempt_at` is when its hold runs out (`release_overdue` queues it then).
    """
    events = [(order, status) for order, status in events if pushes(chain, status)]
    if not events or not chain.webhook_url:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        # The chain's row is the lock that keeps the switches and the held events in step.
        locked = SandboxPartnerChain.objects.select_for_update().get(pk=chain.pk)
        waiting = list(locked.deliveries.filter(state=Delivery.HELD).order_by("next_attempt_at", "pk"))
        released = list(waiting)
        new, to_send = [], []
        for order, status in events:
            body = event_body(order, status)
            if is_dropped(locked, order, status):
                new.append(Delivery(chain=locked, order=order, status=status, body=body, state=Delivery.DROPPED))
                to_send.extend(waiting)
                waiting = []
                continue
            copies = [Delivery(chain=locked, order=order, status=status, body=body)]
            if take_one(locked, "webhook_duplicate"):
                copies.append(Delivery(chain=locked, order=order, status=status, body=body, duplicate=True))
            new.extend(copies)
            if take_one(locked, "webhook_out_of_order"):
                waiting.extend(copies)
            else:
                to_send.extend(copies + waiting)
                waiting = []
        still_held = {id(row) for row in waiting}
        hold_until = now + timedelta(seconds=hold_seconds())
        for row in new:
            if id(row) in still_held:
                row.next_attempt_at, row.state = hold_until, Delivery.HELD
            else:
                row.next_attempt_at = now
        # Microseconds apart, so `deliver_due` sends them in this order.
        for position, row in enumerate(to_send):
            row.next_attempt_at = now + timedelta(microseconds=position)
            row.state = Delivery.QUEUED
        Delivery.objects.bulk_create(new, batch_size=500)
        Delivery.objects.bulk_update(
            [row for row in released if id(row) not in still_held], ["state", "next_attempt_at"], batch_size=500
        )
    return new


def event_body(order: SandboxPartnerOrder, status: str) -> str:
    """The order document as the event carries it: as GET serves it, with the event's status."""
    if order.status == status:
        return order.document
    doc = order.parsed()
    doc["status"] = status
    return dump_json(doc)


def is_dropped(chain: SandboxPartnerChain, order: SandboxPartnerOrder, status: str) -> bool:
    """Whether the drop switch drops this event: a hash of the seed and the event, so the same
    event is always dropped or always not, and about `webhook_drop_percent` % of events are."""
    if chain.webhook_drop_percent <= 0:
        return False
    event = f"{chain.webhook_drop_seed}:{order.order_id}:{status}:{order.updated_at.isoformat()}"
    return int.from_bytes(hashlib.sha256(event.encode()).digest()[:8], "big") % 100 < chain.webhook_drop_percent


# -- sending ---------------------------------------------------------------------------------------------


def deliver_due(now: datetime | None = None, *, limit: int | None = None) -> int:
    """POST each queued delivery that is due (oldest first, at most `limit`); returns how many were sent.

    Held events whose hold ran out are queued first, so they are sent in this round.
    """
    now = now or timezone.now()
    release_overdue(now)
    due = Delivery.objects.filter(state=Delivery.QUEUED, next_attempt_at__lte=now).order_by("next_attempt_at", "pk")
    sent = 0
    with requests.Session() as session:
        for pk, due_at in list(due.values_list("pk", "next_attempt_at")[:limit]):
            delivery = _claim(pk, due_at, now)
            if delivery is not None:
                _send(session, delivery, now)
                sent += 1
    return sent


def release_overdue(now: datetime | None = None) -> int:
    """Queue the held events whose hold ran out by `now` (no next event came); returns how many.

    Under the chain's row lock, as `queue` releases them: an event is released by one or the
    other, never both, so it is sent once (plus the retries a non-2xx answer earns).
    """
    now = now or timezone.now()
    overdue = Delivery.objects.filter(state=Delivery.HELD, next_attempt_at__lte=now)
    released = 0
    for chain_id in set(overdue.order_by().values_list("chain_id", flat=True)):
        with transaction.atomic():
            if SandboxPartnerChain.objects.select_for_update().filter(pk=chain_id).first() is not None:
                # Still due at its hold's end, so it goes out before the events queued since.
                released += overdue.filter(chain_id=chain_id).update(state=Delivery.QUEUED)
    return released


def _claim(pk: int, due_at: datetime, now: datetime) -> SandboxPartnerDelivery | None:
    """The delivery, moved out of reach of other senders while this one sends it; None if one has it."""
    delivery = Delivery.objects.select_related("chain").filter(pk=pk).first()
    if delivery is None:
        return None
    lease = now + timedelta(seconds=delivery.chain.webhook_timeout_seconds) + CLAIM_MARGIN
    claimed = Delivery.objects.filter(pk=pk, state=Delivery.QUEUED, next_attempt_at=due_at).update(
        next_attempt_at=lease
    )
    return delivery if claimed else None


def _send(session: requests.Session, delivery: SandboxPartnerDelivery, now: datetime) -> None:
    chain = delivery.chain
    wrong = bool(chain.webhook_url) and take_one(chain, "webhook_wrong_secret")
    code, error = None, NO_URL
    if chain.webhook_url:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            chain.webhook_header: wrong_secret(chain.webhook_secret) if wrong else chain.webhook_secret,
        }
        try:
            response = session.post(
                chain.webhook_url,
                data=delivery.body.encode(),
                headers=headers,
                timeout=chain.webhook_timeout_seconds,
                allow_redirects=False,
            )
            code = response.status_code
            error = "" if 200 <= code < 300 else f"HTTP {code}: {response.text[:200]}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    delivery.last_status_code = code
    delivery.last_error = error[:500]
    delivery.wrong_secret_sent = wrong
    if not error:
        delivery.state = Delivery.DELIVERED
        delivery.delivered_at = delivery.last_attempt_at
    elif delivery.attempts >= chain.webhook_max_attempts:
        delivery.state = Delivery.FAILED
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(chain, delivery.attempts))
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "wrong_secret_sent",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def backoff_seconds(chain: SandboxPartnerChain, attempts: int) -> float:
    """The wait after `attempts` failed attempts: base, 2 × base, 4 × base ... with jitter, capped."""
    delay = chain.webhook_backoff_seconds * 2 ** min(attempts - 1, 30)
    return min(chain.webhook_backoff_cap_seconds, delay * random.uniform(1 - JITTER, 1 + JITTER))


def wrong_secret(secret: str) -> str:
    return f"wrong-{secret}" if secret else "wrong-secret"
