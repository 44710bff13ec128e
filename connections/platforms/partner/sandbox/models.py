"""The sandbox Partner API's chains, tokens, stores, orders, webhook outbox and rate buckets."""

import json
import uuid

from django.core.validators import MinValueValidator
from django.db import models

from sandbox.models import OutboxDelivery, SandboxAccount, WebhookSender

PARTNER_PICKING, PELICAN = "partner", "pelican"


PICKING_MODES = [(PARTNER_PICKING, "Partner Picking (the partner updates orders)"), (PELICAN, "Pelican (read only)")]


LOGISTICS_DELIVERY, VENDOR_DELIVERY = "LOGISTICS_DELIVERY", "VENDOR_DELIVERY"


TRANSPORT_TYPES = [(LOGISTICS_DELIVERY, "Platform riders"), (VENDOR_DELIVERY, "Own riders")]


# What GET shows. `picked_up` is lower case on purpose: Pelican orders after the rider's pickup.
PARTNER_STATUSES = ("RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "DISPATCHED", "picked_up", "CANCELLED")


# The two doc readings of the webhook that follows a vendor-delivery PUT DISPATCHED (partner_api.md §5).
CONFIRMATIONS = [("DISPATCHED", "DISPATCHED (foodpanda docs)"), ("READY_FOR_PICKUP", "READY_FOR_PICKUP (Glovo copy)")]


MAX_STATIC_TOKENS = 11  # the Portal's limit per chain, the account's token included


class SandboxPartnerChain(WebhookSender):
    """A Partner API chain. Its account's `token` is the chain's first static Portal token, and the
    account's fault switches apply to its API; this holds the rest of what the Partner Portal shows.

    Its webhook settings and switches are `WebhookSender's; `webhooks.py` sends its events.
    """

    account = models.OneToOneField(SandboxAccount, on_delete=models.CASCADE, related_name="partner_chain")
    chain_id = models.UUIDField(unique=True, default=uuid.uuid4)
    client_id = models.CharField(max_length=64, unique=True, help_text="OAuth client ID (the newer token model).")
    client_secret = models.CharField(max_length=128)
    picking_mode = models.CharField(max_length=10, choices=PICKING_MODES, default=PARTNER_PICKING)
    brand = models.CharField(max_length=40, default="foodpanda", help_text="The brand (API host) it sells on.")
    country_code = models.CharField(max_length=2, default="SG")
    rate_limit_per_minute = models.PositiveIntegerField(
        default=60, help_text="API requests allowed in any 60 seconds (token endpoint included); 0 = no limit."
    )
    access_token_seconds = models.PositiveIntegerField(
        default=7200, validators=[MinValueValidator(1)], help_text="Lifetime of OAuth access tokens."
    )

    webhook_secret = models.CharField(max_length=500, blank=True, help_text="Sent verbatim in the header below.")
    webhook_header = models.CharField(max_length=100, default="Authorization")
    vendor_delivery_confirmation = models.CharField(
        max_length=20,
        choices=CONFIRMATIONS,
        default="DISPATCHED",
        help_text="The webhook sent after a PUT DISPATCHED of a VENDOR_DELIVERY order.",
    )

    class Meta:
        verbose_name = "sandbox Partner API chain"

    def __str__(self):
        return f"Partner API chain {self.account.name} ({self.chain_id})"

    @property
    def is_pelican(self) -> bool:
        return self.picking_mode == PELICAN


class SandboxPartnerToken(models.Model):
    """A bearer token of a chain besides its account's: a static Portal token (no expiry) or an OAuth
    access token from POST /v2/oauth/token (it expires)."""

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=100, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: a static Portal token.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.token

    @property
    def is_static(self) -> bool:
        return self.expires_at is None


class SandboxPartnerVendor(models.Model):
    """A store of a chain. `vendor_id` is the store_id clients put in paths."""

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="vendors")
    vendor_id = models.CharField(max_length=64)
    platform_id = models.UUIDField(default=uuid.uuid4, help_text="The platform's vendor record id (client.id).")
    name = models.CharField(max_length=200)
    external_partner_config_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["vendor_id"]
        constraints = [models.UniqueConstraint(fields=["chain", "vendor_id"], name="sandbox_partner_chain_vendor")]

    def __str__(self):
        return f"{self.name} ({self.vendor_id})"


class SandboxPartnerOrder(models.Model):
    """A Partner API order. `document` is the order JSON as GET serves it and webhooks push it.

    `status`, `created_at` and `updated_at` are columns too (the list filters and sorts on
    them); change an order through `partner_orders.save_change`, which keeps them in step
    and moves sys.updated_at on.
    """

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="orders")
    vendor = models.ForeignKey(SandboxPartnerVendor, on_delete=models.CASCADE, related_name="orders")
    order_id = models.UUIDField(unique=True)
    external_order_id = models.CharField(max_length=40)
    order_code = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=[(s, s) for s in PARTNER_STATUSES], default="RECEIVED")
    transport_type = models.CharField(max_length=20, choices=TRANSPORT_TYPES, default=LOGISTICS_DELIVERY)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Last, so SQLite can read the columns above without touching this large value.
    document = models.TextField(help_text="The order JSON the API serves, ready-made.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["vendor", "created_at", "order_id"], name="sandbox_partner_vendor_created"),
            models.Index(fields=["chain", "created_at"], name="sandbox_partner_chain_created"),
        ]

    def __str__(self):
        return f"Partner API {self.order_code} ({self.status})"

    def parsed(self) -> dict:
        return json.loads(self.document)


class SandboxPartnerDelivery(OutboxDelivery):
    """One webhook event in the outbox: the order as it was at the event (`status` the event)."""

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(SandboxPartnerOrder, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, help_text="The event: the status the body carries.")

    class Meta(OutboxDelivery.Meta):
        verbose_name_plural = "sandbox Partner API deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sandbox_partner_delivery_due")]

    def __str__(self):
        return f"{self.status} of {self.order_id} ({self.state})"


class SandboxPartnerRateBucket(models.Model):
    """How many API requests a chain made in one wall-clock second; the rate limit sums 60 of them."""

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="rate_buckets")
    second = models.BigIntegerField(help_text="Unix time, whole seconds.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "second"], name="sandbox_partner_rate_second")]

    def __str__(self):
        return f"{self.count} requests at {self.second}"
