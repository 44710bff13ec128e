"""What the portal holds of a connection's orders, for a reconciliation to check against the platform.

A reconciliation (connections/reconcile.py) reads back the orders the portal holds as open; each
order it compares is stamped `checked_at` with the start of its pass, in the transaction of the
page that brought it, so a pass resumed after its worker died is given only what it has not
checked yet, and counts each order once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from connections.models import Connection
from connections.platforms.base import OPEN_STATUSES, HeldOrders

from .models import Order, SkippedOrder


def held_orders(connection: Connection, since: datetime, stamp: datetime) -> HeldOrders:
    """The connection's open orders not yet checked by the pass that started at `stamp`, and the
    update time of every open or recent copy held, or seen and not imported (three queries)."""
    orders = Order.objects.filter(connection=connection)
    versions: dict[str, datetime | None] = {}
    unchecked: list[str] = []
    for external_id, updated_at, checked_at in orders.filter(status__in=OPEN_STATUSES).values_list(
        "external_id", "platform_updated_at", "checked_at"
    ):
        versions[external_id] = updated_at
        if checked_at is None or checked_at < stamp:
            unchecked.append(external_id)
    recent = orders.filter(placed_at__gte=since).exclude(status__in=OPEN_STATUSES)
    versions.update(recent.values_list("external_id", "platform_updated_at"))
    skipped = SkippedOrder.objects.filter(connection=connection, last_skipped_at__gte=since)
    for external_id, updated_at in skipped.values_list("external_id", "platform_updated_at"):
        versions.setdefault(external_id, updated_at)
    return HeldOrders(open=frozenset(unchecked), versions=versions, since=since)


def mark_checked(connection: Connection, external_ids: Iterable[str], stamp: datetime) -> int:
    """Stamp these orders checked by the pass that started at `stamp`; returns how many were not yet (one query)."""
    ids = [external_id[:100] for external_id in external_ids]
    if not ids:
        return 0
    not_yet = Q(checked_at__isnull=True) | Q(checked_at__lt=stamp)
    return Order.objects.filter(not_yet, connection=connection, external_id__in=ids).update(checked_at=stamp)
