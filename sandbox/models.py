"""The fake platforms' data: accounts (one per fake seller token), NOTHS, NuORDER and Partner API orders.

A `SandboxAccount` is platform-neutral: NuORDER and other platforms add their own
order models next to `SandboxNothsOrder` and reuse the account and its fault switches.
"""

import json
import uuid
from datetime import UTC, datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

NOTHS_STATES = ("placed", "expired", "accepted", "declined", "dispatched", "refunded", "archived")
ENQUIRY_STATES = ("opened", "acknowledged", "overdue", "resolved")
UNRESOLVED_ENQUIRY_STATES = ("opened", "acknowledged", "overdue")

# The fault switches: each holds how many of the next API requests fail (-1 = all, 0 = none).
FAULT_FIELDS = ("fault_rate_limit", "fault_server_error", "fault_malformed_json")

FAULT_HELP = "The next N API requests fail this way; -1 = every request, 0 = off."


class SandboxAccount(models.Model):
    """One fake seller account on one fake platform, found by its API token."""

    PLATFORMS = [
        ("noths", "Not On The High Street"),
        ("nuorder", "NuORDER"),
        ("partner", "foodpanda / Delivery Hero Partner API"),
    ]

    platform = models.CharField(max_length=20, choices=PLATFORMS, default="noths")
    token = models.CharField(max_length=100, unique=True)
    shortcode = models.CharField(max_length=64, help_text="Display label, like the store shortcode on NOTHS.")
    name = models.CharField(max_length=200, help_text="The seller's name (NOTHS partner_name).")
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
        help_text=f"Answer 200 with an empty body to reads (NuORDER only). {FAULT_HELP}",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "shortcode", "pk"]

    def __str__(self):
        return f"{self.get_platform_display()} {self.shortcode}"

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


def iso(moment: datetime | None) -> str | None:
    """A timestamp as NOTHS shows it: ISO 8601, whole seconds, UTC offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


class SandboxNothsOrder(models.Model):
    """A NOTHS order. `document` is the Order JSON exactly as the API returns it.

    The list endpoint serves `document` strings as they are, so every value that can
    change or that the API filters or sorts on is also a column. After changing a
    column, call `write_document()` so the JSON says the same.
    """

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="noths_orders")
    noths_id = models.IntegerField(unique=True)
    number = models.CharField(max_length=20)

    # Set when the order is made; kept as columns for filtering, sorting and search.
    customer_name = models.CharField(max_length=120)
    delivery_recipient_name = models.CharField(max_length=120)
    delivery_service_code = models.CharField(max_length=32)
    delivery_zone_id = models.IntegerField()
    gift = models.BooleanField(default=False)
    international = models.BooleanField(default=False)
    repeat_customer = models.BooleanField(default=False)
    items_total_cents = models.IntegerField(default=0, help_text="Sum of the items' listing_total_gross.")
    product_ids = models.CharField(max_length=255, help_text='Comma-wrapped, for the product_ids filter: ",12,34,"')

    # What changes as the order moves along.
    state = models.CharField(max_length=16, choices=[(s, s) for s in NOTHS_STATES], default="placed")
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)
    confirm_by = models.DateTimeField(null=True)
    accepted_at = models.DateTimeField(null=True)
    declined_at = models.DateTimeField(null=True)
    expired_at = models.DateTimeField(null=True)
    dispatched_at = models.DateTimeField(null=True)
    archived_at = models.DateTimeField(null=True)
    estimated_dispatch_at = models.DateTimeField(null=True)
    estimated_delivery_date = models.DateTimeField(null=True)
    customer_expected_delivery_date = models.DateTimeField(null=True)
    dispatch_note_viewed = models.BooleanField(default=False)
    enquiry_state = models.CharField(max_length=16, blank=True, choices=[(s, s) for s in ENQUIRY_STATES])
    enquiry_messages = models.JSONField(default=list, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    parcel_tracking_url = models.CharField(max_length=500, blank=True)

    # Last, so SQLite can read the columns above without touching this large value.
    document = models.TextField(help_text="The Order JSON the API serves, ready-made.")

    class Meta:
        ordering = ["-placed_at", "-noths_id"]
        indexes = [
            models.Index(fields=["account", "updated_at"], name="sandbox_noths_acct_updated"),
            # (account, placed_at, noths_id) serves the default sort; updated_at on the end
            # makes it cover the adapter's query too (an updated_at window sorted by
            # placed_at), so a deep page skips index entries instead of whole rows.
            models.Index(fields=["account", "placed_at", "noths_id", "updated_at"], name="sandbox_noths_acct_placed"),
        ]

    def __str__(self):
        return f"NOTHS {self.number} ({self.state})"

    @property
    def has_unresolved_enquiry(self) -> bool:
        return self.enquiry_state in UNRESOLVED_ENQUIRY_STATES

    def column_fields(self, now: datetime | None = None) -> dict:
        """The Order JSON keys whose values come from columns."""
        now = now or timezone.now()
        return {
            "id": self.noths_id,
            "number": self.number,
            "state": self.state,
            "placed_at": iso(self.placed_at),
            "updated_at": iso(self.updated_at),
            "confirm_by": iso(self.confirm_by),
            "accepted_at": iso(self.accepted_at),
            "declined_at": iso(self.declined_at),
            "expired_at": iso(self.expired_at),
            "dispatched_at": iso(self.dispatched_at),
            "archived_at": iso(self.archived_at),
            "estimated_dispatch_at": iso(self.estimated_dispatch_at),
            "estimated_delivery_date": iso(self.estimated_delivery_date),
            "customer_expected_delivery_date": iso(self.customer_expected_delivery_date),
            "dispatch_note_viewed": self.dispatch_note_viewed,
            # As of the last write: NOTHS works it out live, we only when the order changes.
            "dispatch_overdue": bool(
                self.state == "accepted" and self.estimated_dispatch_at and self.estimated_dispatch_at < now
            ),
            "has_enquiry": bool(self.enquiry_state),
            "enquiry": (
                {
                    "id": self.noths_id,
                    "state": self.enquiry_state,
                    "messages": [{"body": body} for body in self.enquiry_messages],
                }
                if self.enquiry_state
                else None
            ),
            "order_detail": {
                "tracking_number": self.tracking_number or None,
                "parcel_tracking_url": self.parcel_tracking_url or None,
            },
        }

    def write_document(self, rest: dict | None = None) -> None:
        """Rebuild `document` from the columns (on top of `rest`, or of the stored JSON)."""
        columns = self.column_fields()
        if rest is None:
            doc = json.loads(self.document)
            doc.update(columns)
        else:
            doc = dict(columns)  # the column keys first, so "id" leads the document
            for key, value in rest.items():
                doc.setdefault(key, value)
        self.document = dump_json(doc)

    def parsed(self) -> dict:
        return json.loads(self.document)


def dump_json(value) -> str:
    """Compact JSON, UTF-8 kept as is (the responses are UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- NuORDER --------------------------------------------------------------------------------

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


# -- Partner API (foodpanda / Delivery Hero) --------------------------------------------------------------

PARTNER_PICKING, PELICAN = "partner", "pelican"
PICKING_MODES = [(PARTNER_PICKING, "Partner Picking (the partner updates orders)"), (PELICAN, "Pelican (read only)")]
LOGISTICS_DELIVERY, VENDOR_DELIVERY = "LOGISTICS_DELIVERY", "VENDOR_DELIVERY"
TRANSPORT_TYPES = [(LOGISTICS_DELIVERY, "Platform riders"), (VENDOR_DELIVERY, "Own riders")]
# What GET shows. `picked_up` is lower case on purpose: Pelican orders after the rider's pickup.
PARTNER_STATUSES = ("RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "DISPATCHED", "picked_up", "CANCELLED")
# The two doc readings of the webhook that follows a vendor-delivery PUT DISPATCHED (partner_api.md §5).
CONFIRMATIONS = [("DISPATCHED", "DISPATCHED (foodpanda docs)"), ("READY_FOR_PICKUP", "READY_FOR_PICKUP (Glovo copy)")]
MAX_STATIC_TOKENS = 11  # the Portal's limit per chain, the account's token included
SWITCH_HELP = "The next N webhook events; -1 = every one, 0 = off."


class SandboxPartnerChain(models.Model):
    """A Partner API chain. Its account's `token` is the chain's first static Portal token, and the
    account's fault switches apply to its API; this holds the rest of what the Partner Portal shows.

    The webhook switches make delivery misbehave deterministically (see `partner_webhooks`).
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

    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=500, blank=True, help_text="Sent verbatim in the header below.")
    webhook_header = models.CharField(max_length=100, default="Authorization")
    vendor_delivery_confirmation = models.CharField(
        max_length=20,
        choices=CONFIRMATIONS,
        default="DISPATCHED",
        help_text="The webhook sent after a PUT DISPATCHED of a VENDOR_DELIVERY order.",
    )
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
        default=0, validators=[MinValueValidator(-1)], help_text=f"Send an event twice. {SWITCH_HELP}"
    )
    webhook_out_of_order = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-1)],
        help_text="Hold an event back and send it after the chain's next event (or a few seconds, if none "
        f"comes first). {SWITCH_HELP}",
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
        help_text="Send a wrong secret with the next N delivery attempts; -1 = every one, 0 = off.",
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


class SandboxPartnerDelivery(models.Model):
    """One webhook event in the outbox: the order as it was at the event, sent until a 2xx or given up."""

    QUEUED, HELD, DELIVERED, FAILED, DROPPED = "queued", "held", "delivered", "failed", "dropped"
    STATES = [
        (QUEUED, "queued"),
        (HELD, "held back (out of order)"),
        (DELIVERED, "delivered"),
        (FAILED, "failed (gave up)"),
        (DROPPED, "dropped (never sent)"),
    ]

    chain = models.ForeignKey(SandboxPartnerChain, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(SandboxPartnerOrder, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, help_text="The event: the status the body carries.")
    body = models.TextField(help_text="The full order document at the event, sent as it is.")
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    duplicate = models.BooleanField(default=False, help_text="A second copy, from the duplicates switch.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    wrong_secret_sent = models.BooleanField(default=False, help_text="The last attempt carried a wrong secret.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
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
