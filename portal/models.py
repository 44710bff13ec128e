"""Merchants and the people who sign in for them."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Merchant(models.Model):
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="Europe/London", choices=TIMEZONE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user signs in for exactly one merchant."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} @ {self.merchant}"


class Heartbeat(models.Model):
    """When a periodic job last ran (the scheduler's tick), so pages can tell if it stopped."""

    TICK = "tick"

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def last_tick(cls) -> Heartbeat | None:
        return cls.objects.filter(name=cls.TICK).first()

    @staticmethod
    def is_recent(heartbeat: Heartbeat | None) -> bool:
        """Whether the scheduler ticked lately (SCHEDULER_STALE_SECONDS)."""
        stale = timezone.now() - timedelta(seconds=settings.SCHEDULER_STALE_SECONDS)
        return heartbeat is not None and heartbeat.at >= stale


class PruneRun(models.Model):
    """One pass of the retention prune (portal.retention): when, and what it removed, for Fleet health."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    # {"sync_runs": 120, "webhook_events": 4000, "problems": 3, "audit_entries": 0}
    removed = models.JSONField(default=dict)
    batches = models.PositiveIntegerField(default=0)
    # The longest single batch's transaction: how long a prune held its row locks at most.
    longest_batch_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Prune at {self.started_at:%Y-%m-%d %H:%M}: {sum(self.removed.values())} rows"
