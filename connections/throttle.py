"""A budget of requests per platform host, shared by every worker and web process.

Some platforms block a caller that sends more than N requests a minute to a host (the
platform declares N: `Platform.requests_per_minute`). Sleeping a fixed time per request
would waste workers and still overshoot with two of them, so every request first takes
a slot from a shared counter in the database (`HostBudget`), which works the same on
SQLite and PostgreSQL with any broker.

The minute is cut into windows of WINDOW seconds, each with `budget` slots, chosen so
that any 60 seconds, which overlap at most 60/WINDOW + 1 windows, never hold more than
the limit. A slot is taken with one conditional UPDATE; a 429 blocks the host for
everybody until its Retry-After has passed.

When the window's slots are gone, `acquire` sleeps until the next window (never more
than WINDOW seconds) and takes a slot there: a backfill of many stores or pages goes on
at the budget's pace instead of failing. Only a platform block (a 429's Retry-After)
longer than `max_wait` raises RateLimited, so the run ends and the scheduler resumes it
later; and a caller that other processes keep beating to the slots gives up after
MAX_QUEUE_SECONDS, so no worker waits without end.

These waits are safe for a sync's lease, however long a page takes: while a sync runs, a
thread of its worker keeps the run's heartbeat (connections/heartbeat.py), waits included,
and the run is taken over only when its heartbeat is SYNC_LOST_SECONDS (60 s) old, which
only a worker that is gone lets happen. One wait is at most WINDOW (10 s); a page of 100
orders that needs one request per order waits about 100 / 8 windows (about two minutes)
at 60 a minute when it has the host to itself, and several syncs sharing one host slow
each other down further, each keeping its run. A worker that was frozen past
SYNC_LOST_SECONDS loses the run at its next page (LeaseLost) and another resumes it, so
nothing is written twice.
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
# A caller that finds no free slot in this many seconds of windows (other processes took
# them all) ends its run rate-limited instead of holding a worker and its lease.
MAX_QUEUE_SECONDS = 60


def window_budget(per_minute: int, window: int = WINDOW) -> int:
    """Slots per window so that no 60-second span holds more than `per_minute` requests."""
    spans = 60 // window + 1
    return max(1, per_minute // spans)


def window_start(now: datetime, window: int = WINDOW) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window, tz=now.tzinfo)


class HostThrottle:
    """`Throttle` (see platforms.base) backed by HostBudget rows.

    `max_wait` bounds a platform block (a 429's Retry-After); `max_queue` the waits for the
    portal's own budget, each at most one `window`: MAX_QUEUE_SECONDS in a worker, and
    PLATFORM_MAX_INLINE_WAIT where a person waits for the answer (`inline`, e.g. Test
    connection), who is told when to try again rather than kept waiting for a window.
    """

    def __init__(
        self,
        per_minute: int,
        max_wait: float | None = None,
        sleep=time.sleep,
        clock=None,
        *,
        inline: bool = False,
        share: float = 1.0,
    ):
        self.per_minute = per_minute
        # A caller that may use only part of the budget (a reconciliation) takes a slot only while
        # the window has more than the rest left, so the others always find theirs.
        self.share = min(1.0, max(0.0, share))
        self.max_wait = max_wait if max_wait is not None else settings.PLATFORM_MAX_INLINE_WAIT
        self.max_queue = settings.PLATFORM_MAX_INLINE_WAIT if inline else MAX_QUEUE_SECONDS
        self.sleep = sleep
        self.clock = clock or timezone.now
        self.window = WINDOW  # read here, not at import, so a test may shorten it

    def acquire(self, host: str) -> None:
        budget = max(1, int(window_budget(self.per_minute, self.window) * self.share))
        queued = 0.0
        while True:
            now = self.clock()
            start = window_start(now, self.window)
            if self._take(host, start, now, budget):
                return
            blocked = self._blocked_for(host, now)
            if blocked > self.max_wait:
                raise RateLimited(
                    f"{host} asked the portal to slow down (HTTP 429); the next request may go in "
                    f"{blocked:.0f} seconds.",
                    retry_after=blocked,
                )
            if blocked:
                wait = blocked
            else:
                # Our own budget is spent for this window: wait for the next one (at most one window).
                wait = max(0.0, (start + timedelta(seconds=self.window) - now).total_seconds())
                if queued + wait > self.max_queue:
                    raise RateLimited(
                        f"The portal keeps under {self.per_minute} requests a minute to {host}, and syncs are "
                        f"using them all; the next one may go in {wait:.0f} seconds.",
                        retry_after=wait,
                    )
                queued += wait
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
        slot = rows.filter(window_started_at=start, used__lt=budget)
        if slot.update(used=F("used") + 1):
            return True
        if rows.filter(window_started_at__lt=start).update(window_started_at=start, used=1):
            return True
        if not HostBudget.objects.filter(host=host).exists():
            try:
                with transaction.atomic():
                    HostBudget.objects.create(host=host, window_started_at=start, used=1)
                return True
            except IntegrityError:
                pass  # another process made the row first
        # Another process may have reset the window or made the row since our first UPDATE:
        # its window has slots left, so try once more before reporting a wait.
        return bool(slot.update(used=F("used") + 1))

    def _blocked_for(self, host: str, now: datetime) -> float:
        """Seconds the host is still blocked by a 429's Retry-After, 0 when it is not."""
        row = HostBudget.objects.filter(host=host).values("blocked_until").first()
        if row and row["blocked_until"] and row["blocked_until"] > now:
            return (row["blocked_until"] - now).total_seconds()
        return 0.0
