"""The sandbox NuORDER's applications, tokens, pending handshakes and orders."""

import json

from django.db import models

from sandbox.models import SandboxAccount

NUORDER_STATUSES = ("draft", "review", "pending", "approved", "processed", "shipped", "cancelled")


NUORDER_WHOLESALE = "wholesale"


NUORDER_RETAIL = "retail"


NUORDER_APP_TYPES = [(NUORDER_WHOLESALE, "Wholesale (brand)"), (NUORDER_RETAIL, "Retail (buyer)")]


class SandboxNuorderApp(models.Model):
    """A NuORDER API application: its account's `token` is the consumer key.

    The account holds the name and the fault switches; this holds what NuORDER's API
    Management page shows. Final tokens are `SandboxNuorderToken`s, requests to approve
    are `SandboxNuorderPending`s.
    """

    account = models.OneToOneField(SandboxAccount, on_delete=models.CASCADE, related_name="nuorder_app")
    application_type = models.CharField(max_length=10, choices=NUORDER_APP_TYPES, default=NUORDER_WHOLESALE)
    consumer_secret = models.CharField(max_length=64)
    check_nonces = models.BooleanField(
        default=False,
        help_text="Refuse a nonce already used with the same timestamp (NuORDER's real policy is unknown).",
    )

    class Meta:
        verbose_name = "sandbox NuORDER application"

    def __str__(self):
        return f"NuORDER {self.application_type} {self.account.shortcode}"

    @property
    def consumer_key(self) -> str:
        return self.account.token


class SandboxNuorderToken(models.Model):
    """A final (access) token of an application: 24 characters, with a 64-character secret."""

    app = models.ForeignKey(SandboxNuorderApp, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=64, unique=True)
    token_secret = models.CharField(max_length=64)
    application_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.token


class SandboxNuorderPending(models.Model):
    """A pending application from GET /api/initiate, waiting to be approved and exchanged."""

    app = models.ForeignKey(SandboxNuorderApp, on_delete=models.CASCADE, related_name="pending")
    application_name = models.CharField(max_length=200)
    callback = models.CharField(max_length=500, default="oob")
    request_token = models.CharField(max_length=16, unique=True)
    request_token_secret = models.CharField(max_length=24)
    verifier = models.CharField(max_length=16, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    exchanged_at = models.DateTimeField(null=True, blank=True)
    issued_token = models.ForeignKey(SandboxNuorderToken, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "sandbox NuORDER pending application"

    def __str__(self):
        return f"{self.application_name} ({self.request_token})"


class SandboxNuorderOrder(models.Model):
    """A NuORDER order. `document` is the order JSON exactly as the API returns it.

    `status`, `order_number` and `modified_on` are columns too (the buckets filter on the
    status); change them through `nuorder_orders`, which keeps the JSON in step.
    """

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="nuorder_orders")
    nuorder_id = models.CharField(max_length=24, unique=True)
    order_number = models.CharField(max_length=32)
    sequence = models.PositiveIntegerField(help_text="The number order_number was made from, for the next one.")
    status = models.CharField(max_length=16, choices=[(s, s) for s in NUORDER_STATUSES], default="approved")
    modified_on = models.DateTimeField()
    # Last, so SQLite can read the columns above without touching this large value.
    document = models.TextField(help_text="The order JSON the API serves, ready-made.")

    class Meta:
        ordering = ["sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "order_number"], name="sandbox_nuorder_acct_number"),
        ]
        indexes = [models.Index(fields=["account", "status", "sequence"], name="sandbox_nuorder_bucket")]

    def __str__(self):
        return f"NuORDER {self.order_number} ({self.status})"

    def parsed(self) -> dict:
        return json.loads(self.document)
