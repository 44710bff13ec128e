"""A budget of requests per platform host, shared by every worker and web process.

The Partner API blocks a caller that sends more than 60 requests a minute to a host.
Sleeping a fixed time per request would waste workers and still overshoot with two of
them, so every request first takes a slot from a shared counter in the database
(`HostBudget`), which works the same on SQLite and PostgreSQL with any broker.

The minute is cut into windows of WINDOW seconds, each with `budget` slots, chosen so
that any 60 seconds, which overlap at most 60/WINDOW + 1 windows, never hold more than
the limit. A slot is taken with one conditional UPDATE; a 429 blocks the host for
everybody until its Retry-After has passed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import HostBudget
from .platforms.errors import RateLimited

WINDOW = 10  # seconds


def window_budget(per_minute: int, window: int = WINDOW) -> int:
    """Slots per window so that no 60-second span holds more than `per_minute` requests."""
    spans = 60 // window + 1
    return max(1, per_minute // spans)


def window_start(now: datetime, window: int = WINDOW) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)


class HostThrottle:
    """`Throttle` (see platforms.base) backed by HostBudget rows."""

    def __init__(self, per_minute: int | None = None, max_wait: float | None = None, sleep=time.sleep, clock=None):
        self.per_minute = per_minute if per_minute is not None else settings.PARTNER_REQUESTS_PER_MINUTE
        self.max_wait = max_wait if max_wait is not None else settings.PLATFORM_MAX_INLINE_WAIT
        self.sleep = sleep
        self.clock = clock or timezone.now

    def acquire(self, host: str) -> None:
        budget = window_budget(self.per_minute)
        while True:
            now = self.clock()
            start = window_start(now)
            if self._take(host, start, now, budget):
                return
            wait = self._wait(host, start, now)
            if wait > self.max_wait:
                raise RateLimited(
                    f"The portal keeps under {self.per_minute} requests a minute to {host}; "
                    f"the next one may go in {wait:.0f} seconds.",
                    retry_after=wait,
                )
            self.sleep(max(wait, 0.05))

    def back_off(self, host: str, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=seconds)
        HostBudget.objects.filter(host=host).filter(Q(blocked_until__isnull=True) | Q(blocked_until__lt=until)).update(
            blocked_until=until
        )

    # -- internals ------------------------------------------------------------------------
    def _take(self, host: str, start: datetime, now: datetime, budget: int) -> bool:
        open_now = Q(blocked_until__isnull=True) | Q(blocked_until__lte=now)
        rows = HostBudget.objects.filter(open_now, host=host)
        if rows.filter(window_started_at=start, used__lt=budget).update(used=F("used") + 1):
            return True
        if rows.filter(window_started_at__lt=start).update(window_started_at=start, used=1):
            return True
        if not HostBudget.objects.filter(host=host).exists():
            try:
                with transaction.atomic():
                    HostBudget.objects.create(host=host, window_started_at=start, used=1)
                return True
            except IntegrityError:
                return False  # another process made the row; try again
        return False

    def _wait(self, host: str, start: datetime, now: datetime) -> float:
        row = HostBudget.objects.filter(host=host).values("blocked_until").first()
        if row and row["blocked_until"] and row["blocked_until"] > now:
            return (row["blocked_until"] - now).total_seconds()
        return max(0.0, (start + timedelta(seconds=WINDOW) - now).total_seconds())
