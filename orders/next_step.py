"""The one next step an order's page offers: accept it, dispatch it, or the way past a refusal.

The page never offers two ways forward at once: an order awaiting acceptance is accepted
before it is dispatched; a send that gave up on passing faults is retried as it was; a
dispatch whose details the platform refused comes back filled in, to correct and send again.
"""

from __future__ import annotations

import enum

from connections.platforms.base import OrderStatus

from .actions import CLOSED_STATUSES, GIVEN_UP
from .models import Order, OutboundAction, Shipment


class Step(enum.StrEnum):
    ACCEPT = "accept"  # awaiting acceptance: the platform's Accept button, never the dispatch form
    RETRY_ACCEPT = "retry_accept"  # the acceptance was refused or gave up: its words, and Retry
    DISPATCH = "dispatch"  # the dispatch form
    CORRECT = "correct"  # the platform refused the dispatch's details: its words, and the form filled in
    RETRY_DISPATCH = "retry_dispatch"  # the dispatch's push gave up (faults, credentials): its words, and Retry
    WAIT = "wait"  # something is being sent, or the platform has yet to show what it took
    NONE = "none"  # nothing for the merchant to do here


def acceptance_step(order: Order, accept: OutboundAction | None) -> Step | None:
    """Where the order's acceptance stands (None: its platform accepts no orders, or it is past that)."""
    if order.connection.adapter.acceptance is None or order.status != OrderStatus.PENDING:
        return None
    if accept is None:
        return Step.ACCEPT
    return Step.RETRY_ACCEPT if accept.state in GIVEN_UP else Step.WAIT


def awaits_acceptance(order: Order) -> bool:
    """Whether the order must be accepted before it is dispatched, and is not yet."""
    acceptance = order.connection.adapter.acceptance
    return acceptance is not None and acceptance.before_dispatch and order.status == OrderStatus.PENDING


def next_step(order: Order, accept: OutboundAction | None, shipment: Shipment | None) -> Step:
    """The order's next step, from its latest acceptance and its latest dispatch (and that one's push).

    Acceptance comes first where the platform dispatches only accepted orders, even after a
    dispatch it refused for want of it."""
    push = getattr(shipment, "action", None)  # None: no dispatch, or recorded here only (push tracking off)
    if push is not None and push.is_open:
        return Step.WAIT
    if awaits_acceptance(order):
        return acceptance_step(order, accept)
    if OrderStatus(order.status) in CLOSED_STATUSES:
        return Step.NONE
    if shipment is not None:
        if push is None or push.state == OutboundAction.State.DONE:
            return Step.NONE
        return Step.CORRECT if push.state == OutboundAction.State.REJECTED else Step.RETRY_DISPATCH
    return Step.NONE if order.connection.adapter.order_updates is not None else Step.DISPATCH
