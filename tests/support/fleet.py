"""Many connections at once, as the tick sees a busy deployment (tests/integration/test_tick_cost.py, bench/tick.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from connections.models import Connection, WebhookEvent
from connections.platforms import registry
from portal.models import Merchant


def make_fleet(
    merchants: list[Merchant], count: int, next_sync_at: datetime, *, start: int = 0, events: int = 4
) -> list[int]:
    """`count` connected connections over every platform and the merchants in turn, named from
    `start` on, with no reconciliation due for a day; each webhook one with `events` recent events
    five minutes apart (a rhythm). Returns their ids."""
    now = timezone.now()
    keys = [p.key for p in registry.all_platforms()]
    made = Connection.objects.bulk_create(
        [
            Connection(
                merchant=merchants[n % len(merchants)],
                platform=keys[n % len(keys)],
                name=f"fleet{n}",
                status=Connection.Status.CONNECTED,
                next_sync_at=next_sync_at,
                next_reconcile_at=now + timedelta(days=1),
            )
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )
    webhook_platforms = set(registry.webhook_platforms())
    for chunk in _chunks([c.pk for c in made if c.platform in webhook_platforms], 2000):
        WebhookEvent.objects.bulk_create(
            [
                WebhookEvent(
                    connection_id=pk,
                    dedupe_key=f"e{pk}-{k}",
                    body="{}",
                    state=WebhookEvent.State.PROCESSED,
                    received_at=now - timedelta(minutes=5 * k + 1),
                )
                for pk in chunk
                for k in range(events)
            ],
            batch_size=5000,
        )
    return [c.pk for c in made]


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
