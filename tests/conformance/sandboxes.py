"""What a platform's contract sandbox is: each package's `tests/contract.py` makes one.

`sandbox(live_url, settings, monkeypatch)` there stands up an account on the platform's
sandbox for the contract tests; the contract test fails for a platform that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from connections.platforms.base import AcceptRequest, HeldOrders, PlatformContext, ShipmentRequest
from sandbox.models import SandboxAccount

ORDERS = 45  # more than one page for every adapter at the page sizes the tests set


@dataclass
class Sandbox:
    ctx: PlatformContext
    wrong_ctx: PlatformContext  # the same account with a wrong secret
    account: SandboxAccount
    expected_ids: set[str]  # what a full fetch must bring
    shippable_id: str  # an order the platform will let us mark shipped
    fulfil_payload: dict | None = None  # the order update that fulfils it, where the platform has no shipments
    unknown_id: str = ""  # an order id of the platform's form that the account does not have
    # (read, answer) of `sandbox.answers` that the platform documents as a proper answer to that read:
    # the adapter must take it and lose nothing (a list of order ids, where the docs read both ways).
    documented_answers: frozenset[tuple[str, str]] = frozenset()
    # Where the platform's authorization has the merchant approve in between: approve what `start` began
    # (its pending credentials) on the sandbox, and give the code the merchant would paste.
    approve: Callable[[dict[str, str]], str] | None = None


def with_credentials(ctx: PlatformContext, **credentials: str) -> PlatformContext:
    return PlatformContext(
        base_url=ctx.base_url,
        credentials={**ctx.credentials, **credentials},
        options=ctx.options,
        import_from=ctx.import_from,
        import_statuses=ctx.import_statuses,
    )


def held(box, open_ids) -> HeldOrders:
    return HeldOrders(open=frozenset(open_ids), versions={}, since=timezone.now() - timedelta(days=3))


def every_verb(adapter, box, ctx):
    """(name, call) for each way the portal calls a platform: its verbs and its parts' actions."""
    order = box.shippable_id
    yield "check", lambda: adapter.check(ctx)
    yield "fetch_orders", lambda: list(adapter.fetch_orders(ctx, None))
    yield "fetch_order", lambda: adapter.fetch_order(ctx, order)
    if adapter.reconciliation is not None:
        yield "reconciliation", lambda: list(adapter.reconciliation.pages(ctx, held(box, {order}), None))
    if adapter.acceptance is not None:
        dates = AcceptRequest(estimated_dispatch_date=date(2030, 1, 1), estimated_delivery_date=date(2030, 1, 3))
        yield "accept", lambda: adapter.acceptance.accept(ctx, order, dates)
    if adapter.shipments is not None:
        yield "shipment", lambda: adapter.shipments.push(ctx, order, ShipmentRequest(tracking_number="CONF9"))
    if adapter.order_updates is not None and box.fulfil_payload:
        yield "order update", lambda: adapter.order_updates.send(ctx, order, box.fulfil_payload)
    if adapter.dispatch_notes is not None:
        yield "dispatch note", lambda: adapter.dispatch_notes.fetch(ctx, order)
    if adapter.authorization is not None:
        yield "authorization", lambda: adapter.authorization.start(ctx)
    if adapter.authorization is not None and box.approve is not None:

        def finish():
            pending = adapter.authorization.start(ctx)
            return adapter.authorization.finish(ctx, pending, box.approve(pending))

        yield "authorization finish", finish
