"""The sandbox Shopify's shops, access tokens, orders and webhook outbox.

A shop is a `SandboxAccount` (platform "shopify": its token is the shop's static Admin API
access token, its name the shop's name, its fault switches apply to the API) plus what the
Shopify admin and the app's settings show: the permanent domain, the app's client ID and
secret, the cost bucket, the webhook subscription and the sandbox's switches.
"""

import json

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from sandbox.models import SWITCH_HELP, OutboxDelivery, SandboxAccount, WebhookSender

TOPICS = ("orders/create", "orders/updated", "orders/cancelled")
DEFAULT_TOPICS = ",".join(TOPICS)
API_VERSION = "2026-10"
# The status a THROTTLED answer comes with: the notes do not say (platforms/shopify.md, open question 2).
THROTTLE_STATUSES = [("200", "200 (errors in the body)"), ("429", "429 Too Many Requests")]
# Order.displayFulfillmentStatus values the sandbox uses, in the order an order moves through them.
UNFULFILLED, PARTIALLY_FULFILLED, FULFILLED = "UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"
FULFILLMENT_STATUSES = (UNFULFILLED, PARTIALLY_FULFILLED, FULFILLED)
FINANCIAL_STATUSES = ("PENDING", "AUTHORIZED", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED")


class SandboxShopifyShop(WebhookSender):
    """One Shopify store with one custom app installed: its credentials, cost bucket and webhooks.

    The app's client secret is both the client-credentials secret and the key that signs
    webhooks (Shopify calls it the API secret key). Rotating it keeps the previous one,
    which `sign_with_previous` can still sign with, as Shopify does for a while after a
    rotation. The webhook switches make delivery misbehave deterministically.
    """

    account = models.OneToOneField(SandboxAccount, on_delete=models.CASCADE, related_name="shopify_shop")
    domain = models.CharField(max_length=255, unique=True, help_text="The permanent domain, handle.myshopify.com.")
    iana_timezone = models.CharField(max_length=64, default="Europe/London")
    plan_name = models.CharField(max_length=40, default="Basic")
    shopify_plus = models.BooleanField(default=False)
    partner_development = models.BooleanField(default=False)
    email = models.EmailField(default="owner@example.com")

    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=128, help_text="The app's API secret key: signs webhooks too.")
    previous_client_secret = models.CharField(max_length=128, blank=True)
    sign_with_previous = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text=f"Sign the next N delivery attempts with the previous secret (after a rotation). {SWITCH_HELP}",
    )
    access_token_seconds = models.PositiveIntegerField(
        default=86399, validators=[MinValueValidator(1)], help_text="Lifetime of client-credentials tokens."
    )

    bucket_size = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1)], help_text="Cost points the bucket holds (maximumAvailable)."
    )
    restore_rate = models.FloatField(
        default=100.0, validators=[MinValueValidator(0)], help_text="Points the bucket regains each second."
    )
    bucket_available = models.FloatField(default=1000.0, help_text="Points left at bucket_updated_at.")
    bucket_updated_at = models.DateTimeField(default=timezone.now)
    throttle_status = models.CharField(
        max_length=3,
        choices=THROTTLE_STATUSES,
        default="200",
        help_text="The HTTP status of a THROTTLED answer.",
    )
    redact_customer_data = models.BooleanField(
        default=False,
        help_text="No protected customer data: customer, addresses, email and phone are null (GraphQL and webhooks).",
    )

    webhook_topics = models.CharField(max_length=200, default=DEFAULT_TOPICS, blank=True)
    api_version = models.CharField(max_length=20, default=API_VERSION, help_text="Sent as X-Shopify-API-Version.")
    webhook_duplicate = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text="Send the next N events twice: the copy alternates between a repeat of the delivery (same "
        f"webhook id) and a new delivery of the event (new webhook id, same event id). {SWITCH_HELP}",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "sandbox Shopify shop"

    def __str__(self):
        return self.domain

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def handle(self) -> str:
        return self.domain.removesuffix(".myshopify.com")

    @property
    def topics(self) -> list[str]:
        return [topic for topic in self.webhook_topics.split(",") if topic]


class SandboxShopifyToken(models.Model):
    """An access token the client-credentials grant issued; the account's token is the static one."""

    shop = models.ForeignKey(SandboxShopifyShop, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=100, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "sandbox Shopify access token"

    def __str__(self):
        return self.token


class SandboxShopifyOrder(models.Model):
    """A Shopify order. `document` holds it in one neutral form (UTC times, money as strings,
    its line items, fulfillment orders and fulfillments) from which both the GraphQL `Order`
    and the REST-shaped webhook body are made (`render.py`).

    The columns repeat what the `orders(query:)` filters and sort keys read; change an order
    through `orders.save_change`, which keeps them and the document in step and moves
    `updated_at` on.
    """

    shop = models.ForeignKey(SandboxShopifyShop, on_delete=models.CASCADE, related_name="orders")
    legacy_id = models.BigIntegerField(unique=True, help_text="The numeric id (REST, webhooks), < 2**53.")
    number = models.PositiveIntegerField(help_text="The order number: 1001 for #1001.")
    name = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    processed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    financial_status = models.CharField(max_length=20, default="PAID")
    fulfillment_status = models.CharField(max_length=20, default=UNFULFILLED)
    test = models.BooleanField(default=False)
    # Last, so SQLite can read the columns above without touching this large value.
    document = models.TextField(help_text="The order in the sandbox's neutral form (JSON).")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "sandbox Shopify order"
        indexes = [
            models.Index(fields=["shop", "updated_at", "legacy_id"], name="sandbox_shopify_shop_updated"),
            models.Index(fields=["shop", "created_at", "legacy_id"], name="sandbox_shopify_shop_created"),
            models.Index(fields=["shop", "processed_at", "legacy_id"], name="sandbox_shopify_shop_processed"),
            models.Index(fields=["shop", "number"], name="sandbox_shopify_shop_number"),
        ]

    def __str__(self):
        return f"{self.name} ({self.legacy_id})"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.legacy_id}"

    def parsed(self) -> dict:
        return json.loads(self.document)


class SandboxShopifyDelivery(OutboxDelivery):
    """One webhook delivery in the outbox.

    `event_id` names the event (X-Shopify-Event-Id), `webhook_id` the delivery
    (X-Shopify-Webhook-Id, kept by its retries). A duplicate is a second row of the same
    event: with the same webhook id (the delivery repeated) or a new one (a new delivery).
    """

    shop = models.ForeignKey(SandboxShopifyShop, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(
        SandboxShopifyOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    topic = models.CharField(max_length=40)
    event_id = models.CharField(max_length=36)
    webhook_id = models.CharField(max_length=36)
    triggered_at = models.DateTimeField()
    api_version = models.CharField(max_length=20)
    previous_secret_sent = models.BooleanField(
        default=False, help_text="The last attempt was signed with the previous client secret."
    )

    class Meta(OutboxDelivery.Meta):
        verbose_name = "sandbox Shopify webhook delivery"
        verbose_name_plural = "sandbox Shopify webhook deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sandbox_shopify_delivery_due")]

    def __str__(self):
        return f"{self.topic} {self.event_id} ({self.state})"
