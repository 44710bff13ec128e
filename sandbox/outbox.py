"""A fake platform's webhook outbox: events queued with the change, sent at least once.

`Outbox.queue` records a platform's events in the transaction that changed the orders;
`Outbox.deliver_due` POSTs the due ones. A 2xx marks a delivery delivered; anything else
(another status, a timeout, a refused connection) is tried again after a capped exponential
backoff with jitter, until the sender's attempt limit marks it failed.

The sender's switches (`WebhookSender`) make delivery misbehave as platforms do,
deterministically so tests can rely on them: send events twice, hold one back until the
sender's next event (or for `hold_seconds()` if none comes first: a held event is still
sent, at least once), drop a share of them (chosen by a hash of the seed and the event),
authenticate wrongly. A platform's outbox says only what is its own: how a delivery of an
event is made (and copied), what names an event for the drop switch, and the headers of
an attempt.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxDelivery, WebhookSender, take_one

# A delivery being sent is claimed for this long beyond its timeout; a sender that dies
# mid-send leaves it to be sent again after that (at least once).
CLAIM_MARGIN = timedelta(seconds=30)
JITTER = 0.2  # each backoff delay is off by up to ±20 %
# An event held back by the out-of-order switch goes out after the sender's next event, or
# after this many seconds if none comes first (the outbox's `hold_setting` overrides it).
HOLD_SECONDS = 5.0
SAVED_AFTER_ATTEMPT = [
    "attempts",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "wrong_secret_sent",
    "state",
    "delivered_at",
    "next_attempt_at",
]


class Outbox:
    """One platform's outbox over its `OutboxDelivery` table, whose `sender` foreign key names
    its `WebhookSender`."""

    deliveries: ClassVar[type[OutboxDelivery]]
    sender: ClassVar[str]  # the deliveries' foreign key to their WebhookSender ("chain", "shop")
    user_agent: ClassVar[str]
    hold_setting: ClassVar[str]  # the Django setting that overrides HOLD_SECONDS
    # Flags of the last attempt besides wrong_secret_sent that `attempt_headers` sets.
    attempt_flags: ClassVar[tuple[str, ...]] = ()

    # -- what a platform says -------------------------------------------------------------------------

    def delivery(self, sender: WebhookSender, order: Any, event: str, now: datetime) -> OutboxDelivery:
        """A new (unsaved) delivery of `event` of `order`, its body the order as it is now."""
        raise NotImplementedError

    def copy(self, first: OutboxDelivery, nth: int) -> OutboxDelivery:
        """The duplicates switch's second copy of `first`; `nth` counts the sender's copies so far."""
        fields = {
            field.attname: getattr(first, field.attname)
            for field in first._meta.concrete_fields
            if not field.primary_key
        }
        return type(first)(**{**fields, "duplicate": True})

    def event_key(self, delivery: OutboxDelivery) -> str:
        """What names the event for the drop switch: the same event is always dropped or always not."""
        raise NotImplementedError

    def attempt_headers(self, delivery: OutboxDelivery, body: bytes) -> dict[str, str]:
        """The headers of one attempt (besides Content-Type and User-Agent). Takes the sender's
        authentication switches and sets the delivery's flags (wrong_secret_sent, ...) to match."""
        raise NotImplementedError

    # -- queueing ---------------------------------------------------------------------------------------

    def hold_seconds(self) -> float:
        """How long the out-of-order switch holds an event back at most."""
        return float(getattr(settings, self.hold_setting, HOLD_SECONDS))

    def queue(
        self, sender: WebhookSender, events: Iterable[tuple[Any, str]], *, now: datetime | None = None
    ) -> list[OutboxDelivery]:
        """Queue a delivery of each (order, event), in that order; returns the new deliveries.

        Nothing is queued for a sender without a webhook URL. Call it inside the transaction
        that changed the orders. A held event's `next_attempt_at` is when its hold runs out
        (`release_overdue` queues it then).
        """
        events = list(events)
        if not events or not sender.webhook_url:
            return []
        now = now or timezone.now()
        Delivery = self.deliveries
        with transaction.atomic():
            # The sender's row is the lock that keeps the switches and the held events in step.
            locked = type(sender).objects.select_for_update().get(pk=sender.pk)
            mine = Delivery.objects.filter(**{self.sender: locked})
            waiting = list(mine.filter(state=Delivery.HELD).order_by("next_attempt_at", "pk"))
            released = list(waiting)
            copies_made = None
            new, to_send = [], []
            for order, event in events:
                first = self.delivery(locked, order, event, now)
                if self.is_dropped(locked, first):
                    first.state = Delivery.DROPPED
                    new.append(first)
                    to_send.extend(waiting)
                    waiting = []
                    continue
                copies = [first]
                if take_one(locked, "webhook_duplicate"):
                    if copies_made is None:
                        copies_made = mine.filter(duplicate=True).count()
                    copies.append(self.copy(first, copies_made))
                    copies_made += 1
                new.extend(copies)
                if take_one(locked, "webhook_out_of_order"):
                    waiting.extend(copies)
                else:
                    to_send.extend(copies + waiting)
                    waiting = []
            still_held = {id(row) for row in waiting}
            hold_until = now + timedelta(seconds=self.hold_seconds())
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

    def is_dropped(self, sender: WebhookSender, delivery: OutboxDelivery) -> bool:
        """Whether the drop switch drops this event: a hash of the seed and the event, so the same
        event is always dropped or always not, and about `webhook_drop_percent` % of events are."""
        if sender.webhook_drop_percent <= 0:
            return False
        key = f"{sender.webhook_drop_seed}:{self.event_key(delivery)}"
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 100 < sender.webhook_drop_percent

    # -- sending ----------------------------------------------------------------------------------------

    def deliver_due(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """POST each queued delivery that is due (oldest first, at most `limit`); returns how many were sent.

        Held events whose hold ran out are queued first, so they are sent in this round.
        """
        now = now or timezone.now()
        self.release_overdue(now)
        Delivery = self.deliveries
        due = Delivery.objects.filter(state=Delivery.QUEUED, next_attempt_at__lte=now)
        sent = 0
        with requests.Session() as session:
            for pk, due_at in list(due.order_by("next_attempt_at", "pk").values_list("pk", "next_attempt_at")[:limit]):
                delivery = self._claim(pk, due_at, now)
                if delivery is not None:
                    self._send(session, delivery, now)
                    sent += 1
        return sent

    def release_overdue(self, now: datetime | None = None) -> int:
        """Queue the held events whose hold ran out by `now` (no next event came); returns how many.

        Under the sender's row lock, as `queue` releases them: an event is released by one or
        the other, never both, so it is sent once (plus the retries a non-2xx answer earns).
        """
        now = now or timezone.now()
        Delivery = self.deliveries
        senders = Delivery._meta.get_field(self.sender).related_model
        overdue = Delivery.objects.filter(state=Delivery.HELD, next_attempt_at__lte=now)
        column = f"{self.sender}_id"
        released = 0
        for sender_id in set(overdue.order_by().values_list(column, flat=True)):
            with transaction.atomic():
                if senders.objects.select_for_update().filter(pk=sender_id).first() is not None:
                    # Still due at its hold's end, so it goes out before the events queued since.
                    released += overdue.filter(**{column: sender_id}).update(state=Delivery.QUEUED)
        return released

    def backoff_seconds(self, sender: WebhookSender, attempts: int) -> float:
        """The wait after `attempts` failed attempts: base, 2 × base, 4 × base ... with jitter, capped."""
        delay = sender.webhook_backoff_seconds * 2 ** min(attempts - 1, 30)
        return min(sender.webhook_backoff_cap_seconds, delay * random.uniform(1 - JITTER, 1 + JITTER))

    def _claim(self, pk: int, due_at: datetime, now: datetime) -> OutboxDelivery | None:
        """The delivery, moved out of reach of other senders while this one sends it; None if one has it."""
        Delivery = self.deliveries
        delivery = Delivery.objects.select_related(self.sender).filter(pk=pk).first()
        if delivery is None:
            return None
        sender = getattr(delivery, self.sender)
        lease = now + timedelta(seconds=sender.webhook_timeout_seconds) + CLAIM_MARGIN
        claimed = Delivery.objects.filter(pk=pk, state=Delivery.QUEUED, next_attempt_at=due_at).update(
            next_attempt_at=lease
        )
        return delivery if claimed else None

    def _send(self, session: requests.Session, delivery: OutboxDelivery, now: datetime) -> None:
        sender = getattr(delivery, self.sender)
        flags = ("wrong_secret_sent", *self.attempt_flags)
        for flag in flags:
            setattr(delivery, flag, False)
        code, error = None, f"The {self.sender} has no webhook URL."
        if sender.webhook_url:
            body = delivery.body.encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": self.user_agent,
                **self.attempt_headers(delivery, body),
            }
            try:
                response = session.post(
                    sender.webhook_url,
                    data=body,
                    headers=headers,
                    timeout=sender.webhook_timeout_seconds,
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
        if not error:
            delivery.state = delivery.DELIVERED
            delivery.delivered_at = delivery.last_attempt_at
        elif delivery.attempts >= sender.webhook_max_attempts:
            delivery.state = delivery.FAILED
        else:
            delivery.next_attempt_at = now + timedelta(seconds=self.backoff_seconds(sender, delivery.attempts))
        delivery.save(update_fields=[*SAVED_AFTER_ATTEMPT, *self.attempt_flags])


def wrong_secret(secret: str) -> str:
    """What the wrong-secret switch sends instead of `secret`."""
    return f"wrong-{secret}" if secret else "wrong-secret"
