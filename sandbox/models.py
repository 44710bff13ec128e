"""The sandbox's accounts: one per fake seller account, on any platform, with its fault switches.

A platform's sandbox (its package's `sandbox` app) keeps its own tables (orders, apps,
chains) and points them at an account; the account holds what every fake API shares:
its token, its name, and the switches that make the API misbehave (`faults`).

A platform that sends webhooks builds its sender and outbox tables on `WebhookSender` and
`OutboxDelivery`, and sends them with `sandbox.outbox.Outbox`.
"""

from datetime import datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

from connections.platforms import registry, scrub

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
    "clock_offset_minutes": 0,
}
# How far a fake platform's clock may be set from the real time: a week either way.
CLOCK_OFFSET_LIMIT = 7 * 24 * 60


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
    clock_offset_minutes = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-CLOCK_OFFSET_LIMIT), MaxValueValidator(CLOCK_OFFSET_LIMIT)],
        help_text="The platform's clock is this many minutes ahead of the real time (negative: behind). Its order "
        "times, its list filters and the Date header of its answers follow it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "shortcode", "pk"]

    def __str__(self):
        return f"{self.platform_name} {self.shortcode}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """An account as read; its token joins the secrets the log filter redacts, as some sandbox
        pages carry it in their URL (/sandbox/<key>/<token>/...) and the access log writes the URL."""
        account = super().from_db(db, field_names, values)
        scrub.remember(account.__dict__.get("token", ""))
        return account

    @property
    def platform_name(self) -> str:
        return registry.get(self.platform).name if registry.is_known(self.platform) else self.platform

    def now(self) -> datetime:
        """The time on this fake platform's clock (`clock_offset_minutes` from the real time)."""
        return timezone.now() + timedelta(minutes=self.clock_offset_minutes)

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


SWITCH_HELP = "-1 = every one, 0 = off."


class AnswerSwitch(models.Model):
    """One read endpoint of an account's fake API answering 200 with an ambiguous answer (an empty
    body, HTML, JSON cut short or of the wrong shape, an error in a success) instead of the real
    one: for `remaining` more requests (-1 = every one). `sandbox.answers` serves them; each
    platform's sandbox part names its read endpoints (`SandboxPart.reads`)."""

    EMPTY, HTML, TEXT, CUT, SHAPE, IDS, ERROR, ERRORS = (
        "empty",
        "html",
        "text",
        "cut",
        "shape",
        "ids",
        "error",
        "errors",
    )
    ANSWERS = [
        (EMPTY, "an empty body"),
        (HTML, "an HTML page"),
        (TEXT, "plain text"),
        (CUT, "JSON cut short"),
        (SHAPE, "the wrong shape (an object for a list, a list for an object)"),
        (IDS, "ids where documents are expected"),
        (ERROR, '{"error": ...} in a 200'),
        (ERRORS, '{"errors": [...]} in a 200 (GraphQL style)'),
    ]

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="answer_switches")
    endpoint = models.CharField(max_length=64, help_text="The read endpoint, as its sandbox part names it.")
    answer = models.CharField(max_length=10, choices=ANSWERS)
    remaining = models.IntegerField(default=-1, validators=[MinValueValidator(-1)], help_text=SWITCH_HELP)

    class Meta:
        ordering = ["account", "endpoint"]
        constraints = [models.UniqueConstraint(fields=["account", "endpoint"], name="one_answer_switch_per_endpoint")]

    def __str__(self):
        return f"{self.endpoint}: {self.get_answer_display()}"


class WebhookSender(models.Model):
    """What a fake platform that sends webhooks keeps per sender (a chain, a shop): where to send,
    how to retry, and the switches that make delivery misbehave. `sandbox.outbox` reads them."""

    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_timeout_seconds = models.FloatField(default=5.0, validators=[MinValueValidator(0.1)])
    webhook_backoff_seconds = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0)],
        help_text="Delay before the first retry; it doubles each attempt up to the cap. 0 = retry at once.",
    )
    webhook_backoff_cap_seconds = models.FloatField(default=60.0, validators=[MinValueValidator(0)])
    webhook_max_attempts = models.PositiveIntegerField(
        default=8, validators=[MinValueValidator(1)], help_text="Give up (failed) after this many attempts."
    )
    webhook_duplicate = models.IntegerField(
        default=0, validators=[MinValueValidator(-1)], help_text=f"Send the next N events twice. {SWITCH_HELP}"
    )
    webhook_out_of_order = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text="Hold the next N events back, each until the next event (or a few seconds, if none comes "
        f"first). {SWITCH_HELP}",
    )
    webhook_drop_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Drop this share of events: never sent. Which ones is fixed by the seed and the event.",
    )
    webhook_drop_seed = models.IntegerField(default=0)
    webhook_wrong_secret = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text=f"Send the next N delivery attempts with a wrong secret or signature. {SWITCH_HELP}",
    )

    class Meta:
        abstract = True


class OutboxDelivery(models.Model):
    """One webhook delivery in a fake platform's outbox: a body, sent until a 2xx or given up.

    A concrete outbox adds the foreign key to its sender, the order and what names the event.
    """

    QUEUED, HELD, DELIVERED, FAILED, DROPPED = "queued", "held", "delivered", "failed", "dropped"
    STATES = [
        (QUEUED, "queued"),
        (HELD, "held back (out of order)"),
        (DELIVERED, "delivered"),
        (FAILED, "failed (gave up)"),
        (DROPPED, "dropped (never sent)"),
    ]

    body = models.TextField(help_text="The exact body sent (UTF-8): the order as it was at the event.")
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    duplicate = models.BooleanField(default=False, help_text="A second copy, from the duplicates switch.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    wrong_secret_sent = models.BooleanField(
        default=False, help_text="The last attempt carried a wrong secret or signature."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
