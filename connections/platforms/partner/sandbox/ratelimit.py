"""The fake Partner API's request limit: at most N requests per chain in any 60 seconds.

The platform blocks a client that sends more than 60 requests a minute (partner_api.md §6),
and a client must wait, not hammer it. The counts live in the database, one row per
chain and wall-clock second, so every process serving the sandbox (runserver threads,
gunicorn workers) shares them. A request is admitted under a lock on the chain's row
(PostgreSQL: SELECT ... FOR UPDATE; SQLite: the IMMEDIATE transaction's write lock), so
two concurrent requests can never both take the last slot. Refused requests are not
counted: a client that waits for Retry-After gets through.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F

from .models import SandboxPartnerChain, SandboxPartnerRateBucket

WINDOW_SECONDS = 60


def admit(chain: SandboxPartnerChain, now: float | None = None) -> int:
    """0 when the request may go ahead (it is counted), else how many seconds until one would."""
    limit = chain.rate_limit_per_minute
    if limit <= 0:
        return 0
    second = int(time.time() if now is None else now)
    buckets = SandboxPartnerRateBucket.objects.filter(chain_id=chain.pk)
    with transaction.atomic():
        list(SandboxPartnerChain.objects.select_for_update().filter(pk=chain.pk).values_list("pk", flat=True))
        window = list(
            buckets.filter(second__gt=second - WINDOW_SECONDS).order_by("second").values_list("second", "count")
        )
        used = sum(count for _, count in window)
        if used >= limit:
            return _wait(window, used - limit + 1, second)
        if not buckets.filter(second=second).update(count=F("count") + 1):
            SandboxPartnerRateBucket.objects.create(chain_id=chain.pk, second=second, count=1)
            buckets.filter(second__lte=second - WINDOW_SECONDS).delete()  # once a second at most
    return 0


def _wait(window: list[tuple[int, int]], excess: int, second: int) -> int:
    """Seconds until `excess` requests of the window have aged out of it."""
    aged = 0
    for bucket_second, count in window:
        aged += count
        if aged >= excess:
            return max(1, bucket_second + WINDOW_SECONDS - second)
    return WINDOW_SECONDS  # not reached: the window holds more than the excess
