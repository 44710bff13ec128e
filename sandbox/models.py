"""The sandbox's accounts: one per fake seller account, on any platform, with its fault switches.

A platform's sandbox (its package's `sandbox` app) keeps its own tables (orders, apps,
chains) and points them at an account; the account holds what every fake API shares:
its token, its name, and the switches that make the API misbehave (`faults`).
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F

from connections.platforms import registry

# The fault switches: each holds how many of the next API requests fail (-1 = all, 0 = none).
FAULT_FIELDS = ("fault_rate_limit", "fault_server_error", "fault_malformed_json")
FAULT_HELP = "The next N API requests fail this way; -1 = every request, 0 = off."
# Every switch off: what a demo account is set back to.
FAULTS_OFF = {
    "fault_rate_limit": 0,
    "fault_server_error": 0,
    "fault_malformed_json": 0,
    "fault_empty_body": 0,
    "slow_ms": 0,
    "retry_after_seconds": 2,
}


class SandboxAccount(models.Model):
    """One fake seller account on one fake platform, found by its API token."""

    platform = models.CharField(max_length=20, help_text="The platform's key (its package).")
    token = models.CharField(max_length=100, unique=True)
    shortcode = models.CharField(max_length=64, help_text="Display label, like a store's shortcode.")
    name = models.CharField(max_length=200, help_text="The seller's name.")
    currency = models.CharField(max_length=3, default="GBP")

    fault_rate_limit = models.IntegerField(
        default=0, validators=[MinValueValidator(-1)], help_text=f"Answer 429. {FAULT_HELP}"
    )
    retry_after_seconds = models.PositiveIntegerField(default=2, help_text="Retry-After header sent with a 429.")
    fault_server_error = models.IntegerField(
        default=0, validators=[MinValueValidator(-1)], help_text=f"Answer 500. {FAULT_HELP}"
    )
    fault_malformed_json = models.IntegerField(
        default=0, validators=[MinValueValidator(-1)], help_text=f"Answer 200 with broken JSON. {FAULT_HELP}"
    )
    slow_ms = models.PositiveIntegerField(default=0, help_text="Delay every API answer by this many milliseconds.")
    fault_empty_body = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text=f"Answer 200 with an empty body to reads (where the platform's sandbox applies it). {FAULT_HELP}",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "shortcode", "pk"]

    def __str__(self):
        return f"{self.platform_name} {self.shortcode}"

    @property
    def platform_name(self) -> str:
        return registry.get(self.platform).name if registry.is_known(self.platform) else self.platform

    def take_fault(self, field: str) -> bool:
        """Whether this request should fail with fault `field`, using up one of its N."""
        return take_one(self, field)


def take_one(instance: models.Model, field: str) -> bool:
    """Whether a switch `field` of `instance` (-1 = always, 0 = off, N = the next N) fires now.

    Uses up one of its N with a conditional UPDATE, so concurrent callers never use the
    same unit twice and the counter never drops below zero. The instance follows, so a
    caller taking many in a row stops querying once the N are used up.
    """
    value = getattr(instance, field)
    if value < 0:
        return True
    if value == 0:
        return False
    used = type(instance).objects.filter(pk=instance.pk, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
    setattr(instance, field, value - 1 if used else 0)
    return used == 1
