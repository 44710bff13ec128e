"""Telling a platform what the merchant did: accept an order, push a dispatch, update an order.

Each is an OutboundAction row. A worker claims it, makes one attempt, and records
the attempt, with the passing faults its requests absorbed by retrying (as a sync run
keeps them). Passing faults (timeouts, 5xx, 429) are retried with backoff by the
scheduler's tick; a refusal is shown in the platform's words with the way out;
rejected credentials mark the connection as needing attention. While a connection
is paused its actions wait, untouched, and go out when it is resumed.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from connections.context import platform_context
from connections.health import credentials_unreadable, record_platform_failure
from connections.models import Connection
from connections.platforms.backoff import backoff_seconds
from connections.platforms.base import AcceptRequest, OrderStatus, ShipmentRequest
from connections.platforms.errors import AuthError, PlatformError, PlatformFailure, RateLimited, TransientError
from connections.platforms.faults import FaultLog
from connections.sealed import MERCHANT_WORDS, UNREADABLE_WORDS, CredentialsUnreadable
from portal import queueing

from .ingest import IngestResult, ingest_page
from .models import ActionAttempt, Order, OrderEvent, OutboundAction, Shipment

log = logging.getLogger(__name__)

# An action claimed this long ago without finishing belongs to a dead worker.
CLAIM_TIMEOUT = timedelta(minutes=10)
# A queued action not started this long after it was handed to the broker is handed over again.
QUEUE_TIMEOUT = timedelta(minutes=2)
CLOSED_STATUSES = {
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
    OrderStatus.REFUNDED,
    OrderStatus.ARCHIVED,
}
GIVEN_UP = (OutboundAction.State.REJECTED, OutboundAction.State.FAILED)


class ActionRefused(Exception):
    """The action cannot be queued (platform cannot do it, connection inactive, order closed, ...)."""


# -- queueing -------------------------------------------------------------------------------


def _accept_payload(connection: Connection, request: AcceptRequest | None = None) -> dict:
    request = request or connection.adapter.acceptance.request(connection.platform_options or {}, timezone.localdate())
    return {
        "estimated_dispatch_date": request.estimated_dispatch_date.isoformat(),
        "estimated_delivery_date": request.estimated_delivery_date.isoformat(),
        "note": request.note,
    }


def _new_action(order: Order, kind: str, user=None, **fields) -> OutboundAction:
    """A new action, handed to the worker once the caller's transaction commits."""
    action = OutboundAction.objects.create(order=order, kind=kind, created_by=_user(user), **fields)
    transaction.on_commit(lambda: enqueue_action(action.pk))
    return action


def _queue_once(order: Order, kind: str, user, payload: dict) -> tuple[OutboundAction, bool]:
    """(action, created): a new action of `kind`, or the one of that kind still open."""
    try:
        with transaction.atomic():
            return _new_action(order, kind, user, payload=payload), True
    except IntegrityError:
        return order.actions.get(kind=kind, state__in=OutboundAction.OPEN), False


def queue_accept(order: Order, user=None, request: AcceptRequest | None = None) -> tuple[OutboundAction, bool]:
    """Queue the acceptance of a pending order; a second click returns the open one."""
    connection = order.connection
    _require(connection, connection.adapter.acceptance is not None, "accept orders")
    if order.status != OrderStatus.PENDING:
        raise ActionRefused(f"Order {order.number} is {order.status_label.lower()}; only new orders can be accepted.")
    return _queue_once(order, OutboundAction.Kind.ACCEPT, user, _accept_payload(connection, request))


def accept_new_orders(connection: Connection, result: IngestResult) -> None:
    """Queue the acceptance of the pending orders a page created, when the connection accepts
    them automatically; called in the page's transaction, so the orders and their actions
    are committed together."""
    if not (result.created_pending_ids and connection.auto_accept and connection.adapter.acceptance is not None):
        return
    payload = _accept_payload(connection)
    OutboundAction.objects.bulk_create(
        [
            OutboundAction(order_id=pk, kind=OutboundAction.Kind.ACCEPT, payload=payload)
            for pk in result.created_pending_ids
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: enqueue_connection_actions(connection.pk))


def dispatch_refusal(order: Order) -> str:
    """Why a dispatch cannot be recorded for the order ('' when it can); the page and the API ask this."""
    adapter = order.connection.adapter
    if adapter.order_updates is not None:
        return (
            f"{adapter.short_name} orders are fulfilled by sending the platform an update from the order's page, "
            "not by recording a dispatch."
        )
    return ""


def record_shipment(order: Order, user=None, **details) -> Shipment:
    """Record a dispatch; push it to the platform when the connection pushes tracking.

    An order is dispatched once: a second dispatch is refused unless the platform
    refused the first one. Orders fulfilled by updates (`dispatch_refusal`) are refused here
    too, whoever calls; the page and the API ask first only to answer before validating.
    """
    if refusal := dispatch_refusal(order):
        raise ActionRefused(refusal)
    connection = order.connection
    push = connection.push_tracking and connection.adapter.shipments is not None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if OrderStatus(order.status) in CLOSED_STATUSES:
            raise ActionRefused(f"Order {order.number} is {order.status_label.lower()}; it cannot be dispatched.")
        latest = order.shipments.select_related("action").first()
        if latest is not None and not (hasattr(latest, "action") and latest.action.state in GIVEN_UP):
            raise ActionRefused(f"Order {order.number} already has a dispatch recorded.")
        if push:
            _require(connection, True, "take dispatch updates")
        shipment = Shipment.objects.create(order=order, created_by=_user(user), **details)
        tracking = f" with tracking {shipment.tracking_number}" if shipment.tracking_number else ""
        if push:
            _new_action(order, OutboundAction.Kind.SHIPMENT, user, shipment=shipment)
            message = f"Dispatch recorded{tracking}; sending it to {connection.adapter.short_name}."
        else:
            message = (
                f"Dispatch recorded{tracking}. Push tracking is off for this connection, "
                f"so {connection.adapter.short_name} was not told."
            )
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.NOTE, message=message, actor=_user(user))
    return shipment


def update_refusal(order: Order) -> str:
    """Why the order cannot be updated on its platform from its page ('' when it can)."""
    connection = order.connection
    part = connection.adapter.order_updates
    if part is None:
        return f"{connection.adapter.short_name} orders cannot be updated from the portal."
    try:
        credentials = connection.stored_credentials()
    except CredentialsUnreadable:
        return MERCHANT_WORDS
    if refusal := part.refusal(credentials):
        return refusal
    if OrderStatus(order.status) in part.closed_statuses:
        return f"Order {order.number} is {order.status_label.lower()}; it can no longer be updated."
    return ""


def queue_update(order: Order, payload: dict, user=None) -> tuple[OutboundAction, bool]:
    """Queue an update of the order on its platform (the payload its order-update form made).

    One update per order is open at a time: while it is, a second click returns it.
    """
    refusal = update_refusal(order)
    if refusal:
        raise ActionRefused(refusal)
    _require(order.connection, True, "update orders")
    if problem := order.connection.adapter.order_updates.problem(order.flags, payload):
        raise ActionRefused(problem)
    return _queue_once(order, OutboundAction.Kind.UPDATE, user, payload)


def retry_action(action: OutboundAction, user=None) -> OutboundAction:
    """Send a refused or abandoned action again, with a fresh budget of attempts."""
    if action.is_open:
        return action
    _require(action.order.connection, True, "be retried")
    if action.kind == OutboundAction.Kind.UPDATE and update_refusal(action.order):
        raise ActionRefused(update_refusal(action.order))
    try:
        with transaction.atomic():
            OutboundAction.objects.filter(pk=action.pk).update(
                state=OutboundAction.State.QUEUED,
                attempts=0,
                next_attempt_at=None,
                last_error="",
                help_text="",
                enqueued_at=timezone.now(),
            )
    except IntegrityError:
        raise ActionRefused(
            f"Another {action.get_kind_display().lower()} of order {action.order.number} is being sent; "
            "wait for it to finish."
        ) from None
    OrderEvent.objects.create(
        order=action.order,
        kind=OrderEvent.Kind.NOTE,
        actor=_user(user),
        message=f"{action.get_kind_display()}: retry requested.",
    )
    transaction.on_commit(lambda: enqueue_action(action.pk))
    action.refresh_from_db()
    return action


def enqueue_action(action_id: int) -> None:
    queueing.push("orders.tasks.run_action", action_id, name=f"action-{action_id}", group="actions")


def enqueue_connection_actions(connection_id: int) -> None:
    queueing.push("orders.tasks.run_connection_actions", connection_id, group="actions")


def resume_actions(connection: Connection) -> None:
    """A resumed connection's waiting actions go out now."""
    transaction.on_commit(lambda: enqueue_connection_actions(connection.pk))


def due_actions():
    """Actions of live connections that a tick should hand to the broker (again): retries
    whose time came, queued ones the broker lost, claims left by dead workers."""
    now = timezone.now()
    live = Connection.objects.live().values("pk")
    return OutboundAction.objects.filter(order__connection__in=live).filter(
        Q(state=OutboundAction.State.RETRYING, next_attempt_at__lte=now, enqueued_at__lt=F("next_attempt_at"))
        | Q(state=OutboundAction.State.QUEUED, enqueued_at__lt=now - QUEUE_TIMEOUT)
        | Q(state=OutboundAction.State.RUNNING, claimed_at__lt=now - CLAIM_TIMEOUT, enqueued_at__lt=now - CLAIM_TIMEOUT)
    )


def requeue_due_actions(limit: int = 1000) -> int:
    ids = list(due_actions().values_list("pk", flat=True)[:limit])
    OutboundAction.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    for action_id in ids:
        enqueue_action(action_id)
    return len(ids)


# -- running --------------------------------------------------------------------------------


def claim_action(action_id: int) -> bool:
    now = timezone.now()
    return bool(
        OutboundAction.objects.filter(pk=action_id)
        .filter(
            Q(state=OutboundAction.State.QUEUED)
            | Q(state=OutboundAction.State.RETRYING, next_attempt_at__lte=now)
            | Q(state=OutboundAction.State.RUNNING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .update(state=OutboundAction.State.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )


def run_action(action_id: int) -> OutboundAction | None:
    """One attempt at an action, if it is ours to attempt now."""
    if not claim_action(action_id):
        return None
    action = OutboundAction.objects.select_related("order__connection", "shipment").get(pk=action_id)
    order, connection = action.order, action.order.connection
    if not Connection.objects.live().filter(pk=connection.pk).exists():
        # Paused or disconnected: wait, without spending an attempt; resume sends it.
        OutboundAction.objects.filter(pk=action_id).update(
            state=OutboundAction.State.QUEUED, attempts=F("attempts") - 1, claimed_at=None
        )
        return None
    earlier_attempts = action.attempt_log.count()
    attempt = ActionAttempt.objects.create(action=action, number=earlier_attempts + 1, outcome="running")
    faults = FaultLog()
    try:
        outcome = _call_platform(action, connection, faults, retry=earlier_attempts > 0)
    except PlatformFailure as exc:
        _record_failure(action, attempt, exc, faults)
        record_platform_failure(connection, exc)
        if isinstance(exc, PlatformError):
            _refresh_order(connection, order)  # the refusal may reflect news we have not seen (an enquiry)
        return OutboundAction.objects.get(pk=action_id)
    except CredentialsUnreadable:
        _wait_for_keys(action, attempt)
        credentials_unreadable(connection, f"action {action_id}")
        return OutboundAction.objects.get(pk=action_id)
    # Read the order back first, so "done" never shows beside a stale status.
    _refresh_order(connection, order)
    now = timezone.now()
    with transaction.atomic():
        ActionAttempt.objects.filter(pk=attempt.pk).update(
            outcome="done", message=outcome.message, finished_at=now, retries=faults.record()
        )
        OutboundAction.objects.filter(pk=action.pk).update(
            state=OutboundAction.State.DONE, result=outcome.message, last_error="", help_text="", finished_at=now
        )
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.ACTION, message=outcome.message)
    return OutboundAction.objects.get(pk=action_id)


def run_connection_actions(connection_id: int, limit: int = 500) -> int:
    """Work through a connection's queued actions (auto-accepts after a sync page, a resume)."""
    done = 0
    ids = OutboundAction.objects.filter(
        order__connection_id=connection_id, state=OutboundAction.State.QUEUED
    ).values_list("pk", flat=True)[:limit]
    for action_id in list(ids):
        if run_action(action_id) is not None:
            done += 1
    return done


def _call_platform(action: OutboundAction, connection: Connection, faults: FaultLog, *, retry: bool):
    """One call; `retry` makes the adapter first look whether an earlier attempt already worked; the
    faults its requests absorb go to `faults`."""
    return SENDERS[action.kind](connection.adapter, platform_context(connection, faults=faults), action, retry)


def _send_accept(adapter, ctx, action: OutboundAction, retry: bool):
    payload = action.payload
    request = AcceptRequest(
        estimated_dispatch_date=date.fromisoformat(payload["estimated_dispatch_date"]),
        estimated_delivery_date=date.fromisoformat(payload["estimated_delivery_date"]),
        note=payload.get("note", ""),
    )
    return adapter.acceptance.accept(ctx, action.order.external_id, request, retry=retry)


def _send_shipment(adapter, ctx, action: OutboundAction, retry: bool):
    shipment = action.shipment
    request = ShipmentRequest(
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        carrier=shipment.carrier,
        estimated_delivery_date=shipment.estimated_delivery_date,
        resolve_enquiry=shipment.resolve_enquiry,
    )
    return adapter.shipments.push(ctx, action.order.external_id, request, retry=retry)


def _send_update(adapter, ctx, action: OutboundAction, retry: bool):
    # The platform's update sets a state: sending it again is safe.
    return adapter.order_updates.send(ctx, action.order.external_id, action.payload)


SENDERS = {
    OutboundAction.Kind.ACCEPT: _send_accept,
    OutboundAction.Kind.SHIPMENT: _send_shipment,
    OutboundAction.Kind.UPDATE: _send_update,
}


def _record_failure(action: OutboundAction, attempt: ActionAttempt, error: PlatformFailure, faults: FaultLog) -> None:
    connection = action.order.connection
    help_text = connection.adapter.explain(error)
    now = timezone.now()
    passing = isinstance(error, RateLimited | TransientError)
    if passing and action.attempts < settings.ACTION_MAX_ATTEMPTS:
        state = OutboundAction.State.RETRYING
        delay = backoff_seconds(action.attempts, base=settings.ACTION_RETRY_BASE_SECONDS, cap=3600)
        if isinstance(error, RateLimited):
            delay = max(delay, error.retry_after)
        next_attempt = now + timedelta(seconds=delay)
        outcome_words = f" Retrying automatically at {timezone.localtime(next_attempt):%H:%M}."
    elif passing:
        state, next_attempt = OutboundAction.State.FAILED, None
        outcome_words = f" Gave up after {action.attempts} attempts; Retry sends it again."
    else:
        state, next_attempt, outcome_words = OutboundAction.State.REJECTED, None, ""
    if isinstance(error, AuthError):
        state = OutboundAction.State.FAILED
    with transaction.atomic():
        ActionAttempt.objects.filter(pk=attempt.pk).update(
            outcome=error.kind,
            message=error.message,
            http_status=error.status,
            finished_at=now,
            retries=faults.record(),
        )
        OutboundAction.objects.filter(pk=action.pk).update(
            state=state,
            last_error=error.message,
            help_text=help_text,
            next_attempt_at=next_attempt,
            finished_at=now if next_attempt is None else None,
        )
        OrderEvent.objects.create(
            order=action.order,
            kind=OrderEvent.Kind.ACTION_FAILED,
            message=f"{action.get_kind_display()} (attempt {attempt.number}): {error.message}{outcome_words}",
        )


def _wait_for_keys(action: OutboundAction, attempt: ActionAttempt) -> None:
    """FERNET_KEYS cannot decrypt the credentials: nothing was sent. Try again later, less and less
    often (up to an hour), without spending one of the action's attempts: it is not the platform's fault."""
    now = timezone.now()
    delay = backoff_seconds(attempt.number, base=settings.ACTION_RETRY_BASE_SECONDS, cap=3600)
    with transaction.atomic():
        ActionAttempt.objects.filter(pk=attempt.pk).update(
            outcome=CredentialsUnreadable.kind, message=UNREADABLE_WORDS, finished_at=now
        )
        OutboundAction.objects.filter(pk=action.pk).update(
            state=OutboundAction.State.RETRYING,
            attempts=F("attempts") - 1,
            last_error=UNREADABLE_WORDS,
            help_text="Staff must put the key back into FERNET_KEYS; it is sent by itself then.",
            next_attempt_at=now + timedelta(seconds=delay),
        )


def _refresh_order(connection: Connection, order: Order) -> None:
    """Best effort: read the order back so the page shows the platform's new state.

    Never raises: the action's outcome is already known, and the next sync reads it anyway.
    """
    try:
        fresh = connection.adapter.fetch_order(platform_context(connection), order.external_id)
        ingest_page(connection, [fresh])
    except Exception as exc:
        log.info("Could not read order %s back after an action: %s", order.pk, exc)


def _require(connection: Connection, capable: bool, what: str) -> None:
    if not capable:
        raise ActionRefused(f"{connection.adapter.short_name} cannot {what} from the portal.")
    if not connection.is_active:
        raise ActionRefused(
            f"The connection {connection} is {connection.get_status_display().lower()}; resume or reconnect it first."
        )


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None
