"""A shop's leaky bucket of cost points (platforms/shopify.md §3.1).

The bucket holds up to `bucket_size` points and regains `restore_rate` a second. A query is
charged its requested cost up front; if the bucket holds less, it is THROTTLED and nothing
is charged. After it runs, the difference between requested and actual cost goes back.
The state is two columns of the shop (points at a moment), changed only under a lock on
the shop's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the IMMEDIATE transaction's write
lock), so two concurrent queries can never both spend the last points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import SandboxShopifyShop


@dataclass(frozen=True)
class Status:
    """throttleStatus: the bucket as a response reports it."""

    maximum: float
    available: float
    restore_rate: float

    def as_json(self) -> dict:
        return {
            "maximumAvailable": float(self.maximum),
            # Whole points, as Shopify reports them (a sliver of a point is never spendable).
            "currentlyAvailable": float(math.floor(self.available + 1e-6)),
            "restoreRate": float(self.restore_rate),
        }


def level(shop: SandboxShopifyShop, now: datetime) -> float:
    """The points the bucket holds at `now`: what it held, plus what it regained since, up to its size."""
    elapsed = max(0.0, (now - shop.bucket_updated_at).total_seconds())
    return min(float(shop.bucket_size), shop.bucket_available + shop.restore_rate * elapsed)


def status(shop: SandboxShopifyShop, now: datetime | None = None) -> Status:
    """The bucket now, without changing it."""
    return Status(shop.bucket_size, level(shop, now or timezone.now()), shop.restore_rate)


def charge(shop: SandboxShopifyShop, cost: int, now: datetime | None = None) -> tuple[bool, Status]:
    """Take `cost` points if the bucket holds them: (charged, the bucket after)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SandboxShopifyShop.objects.select_for_update().get(pk=shop.pk)
        available = level(locked, now)
        if cost > available:
            return False, Status(locked.bucket_size, available, locked.restore_rate)
        available -= cost
        _store(locked, available, now)
    return True, Status(locked.bucket_size, available, locked.restore_rate)


def refund(shop: SandboxShopifyShop, points: float, now: datetime | None = None) -> Status:
    """Give back what a query did not use; the bucket after."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SandboxShopifyShop.objects.select_for_update().get(pk=shop.pk)
        available = min(float(locked.bucket_size), level(locked, now) + max(0.0, points))
        if points > 0:
            _store(locked, available, now)
    return Status(locked.bucket_size, available, locked.restore_rate)


def fill(shop: SandboxShopifyShop) -> None:
    """A full bucket now (the shop page's button; demo repairs)."""
    with transaction.atomic():
        locked = SandboxShopifyShop.objects.select_for_update().get(pk=shop.pk)
        _store(locked, float(locked.bucket_size), timezone.now())
    shop.bucket_available, shop.bucket_updated_at = locked.bucket_available, locked.bucket_updated_at


def _store(shop: SandboxShopifyShop, available: float, now: datetime) -> None:
    SandboxShopifyShop.objects.filter(pk=shop.pk).update(bucket_available=available, bucket_updated_at=now)
    shop.bucket_available, shop.bucket_updated_at = available, now
