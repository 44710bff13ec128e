"""A connection's last 30 days, made to order: orders first imported, runs finished, problems, webhook events."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from connections.models import Connection, Problem, SyncRun, WebhookEvent
from orders.models import Order

_numbers = itertools.count(1)
UTC = zoneinfo.ZoneInfo("UTC")


def local(day_back: int, hour: int, minute: int = 0, tz=UTC) -> datetime:
    """`day_back` days before today in `tz`, at this local time."""
    today = timezone.localtime(timezone.now(), tz).date()
    return datetime.combine(today - timedelta(days=day_back), time(hour, minute), tzinfo=tz)


def imported(connection: Connection, *times: datetime) -> list[Order]:
    """One order of `connection` first imported at each time."""
    orders = []
    for at in times:
        n = next(_numbers)
        orders.append(
            Order(
                connection=connection,
                merchant_id=connection.merchant_id,
                external_id=f"chart-{n}",
                number=f"C{n}",
                status="accepted",
                first_seen_at=at,
                updated_at=at,
            )
        )
    return Order.objects.bulk_create(orders)


def finished_run(connection: Connection, started: datetime, seconds: float, kind=SyncRun.Kind.SYNC) -> SyncRun:
    return SyncRun.objects.create(
        connection=connection,
        kind=kind,
        status=SyncRun.Status.SUCCEEDED,
        queued_at=started,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
    )


def problem(connection: Connection, opened: datetime, closed: datetime | None = None, cause=None) -> Problem:
    return Problem.objects.create(
        connection=connection,
        cause=cause or Problem.Cause.REPEATED_FAILURES,
        message="3 fetches in a row failed.",
        first_seen_at=opened,
        last_seen_at=opened,
        closed_at=closed,
    )


def webhook_events(connection: Connection, at: datetime, count: int, state=WebhookEvent.State.PROCESSED) -> None:
    WebhookEvent.objects.bulk_create(
        WebhookEvent(
            connection=connection, received_at=at, body="{}", dedupe_key=f"chart-{next(_numbers)}", state=state
        )
        for _ in range(count)
    )
