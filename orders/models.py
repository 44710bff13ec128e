"""Orders as they came from the platforms, and what we did with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat, Upper
from django.utils import timezone

from connections.platforms import faults
from connections.platforms.base import OrderStatus
from connections.platforms.states import State

from .fields import CompressedJSONField

STATUS_LABELS = {
    OrderStatus.DRAFT: "Not approved yet",
    OrderStatus.PENDING: "Awaiting acceptance",
    OrderStatus.ACCEPTED: "Accepted",
    OrderStatus.READY: "Ready for pickup",
    OrderStatus.SHIPPED: "Dispatched",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.ARCHIVED: "Archived",
    OrderStatus.UNKNOWN: "Unknown",
}
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in OrderStatus]


def _searchable(fields: list[str], name: str) -> models.Index:
    """An index of the merchant's orders in a page's order that also holds what a search and the connection
    filter test (INCLUDE, PostgreSQL only): a searched page walks it without reading the table."""
    return models.Index(fields=fields, include=["search_text", "connection"], name=name)


class OrderQuerySet(models.QuerySet):
    def of_merchant(self, merchant) -> OrderQuerySet:
        """The merchant's orders, its id compared as a bigint, the column's type.

        The search's trigram index leads with the merchant (btree_gin, migration 0021), and PostgreSQL 15's
        btree_gin compares a bigint only with a bigint, where a Python int is sent as an integer: so
        compared, the index finds the merchant's matches alone (5,612 of 16,723 for "customer40" on a
        million orders, in 1.5 ms where the trigrams' matches and the merchant's 404,500 orders took 25)."""
        return self.filter(merchant_id=Cast(Value(merchant.pk), models.BigIntegerField()))


class Order(models.Model):
    connection = models.ForeignKey("connections.Connection", on_delete=models.CASCADE, related_name="orders")
    # Denormalised from the connection so every merchant-scoped query is one indexed filter.
    merchant = models.ForeignKey("portal.Merchant", on_delete=models.CASCADE, related_name="orders")
    external_id = models.CharField(max_length=100)
    number = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    platform_status = models.CharField(max_length=50, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=50, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    placed_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=dict, blank=True)
    # The platform's payload as received, zlib-compressed (orders/fields.py): a dict in Python.
    raw = CompressedJSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    # The items as last written: an update that leaves them alone (most are status changes)
    # does not delete and rewrite them. Blank for orders imported before it was kept.
    items_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When a reconciliation last compared this order with the platform's copy (the start of its pass).
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the merchant's search looks in (orders/search.py), upper-cased once when the row is written: one
    # test per row, not three UPPER()s, and on PostgreSQL held in the list's index too (Meta.indexes), so a
    # search that matches only old orders walks the index alone, not the table. Lines apart, so a term
    # (one line) never matches across two fields.
    search_text = models.GeneratedField(
        expression=Upper(Concat("number", Value("\n"), "customer_name", Value("\n"), "customer_email")),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="order_unique_per_connection"),
        ]
        indexes = [
            # The merchant's order list (orders/paging.py): keyset pages on (placed_at, id), whole, by
            # one state, of one connection, or both; the id breaks ties so deep pages never sort. On
            # PostgreSQL placed_at is DESC NULLS LAST, the list's order (migration 0014 builds them).
            # PostgreSQL keeps search_text and the connection in the merchant's two (INCLUDE), so a search,
            # with or without the list's filters, walks an index alone (migrations 0016, 0018); SQLite has no
            # such indexes (models.W040, silenced in the settings).
            _searchable(["merchant", "-placed_at", "-id"], "order_merchant_placed_id"),
            _searchable(["merchant", "platform_status", "-placed_at", "-id"], "order_merchant_state_placed"),
            models.Index(fields=["connection", "-placed_at", "-id"], name="order_connection_placed"),
            models.Index(
                fields=["connection", "platform_status", "-placed_at", "-id"], name="order_connection_state_placed"
            ),
            # The API's order feed: keyset pages on (updated_at, id) within a merchant (api/cursor.py), whole or
            # by the canonical status, holding what a search and the connection filter test, as the list's do:
            # a searched page walks an index alone (migration 0019).
            _searchable(["merchant", "updated_at", "id"], "order_merchant_updated"),
            _searchable(["merchant", "status", "updated_at", "id"], "order_merchant_status_updated"),
            # A connection's orders imported per day (connections/activity.py): a range of one connection.
            models.Index(fields=["connection", "first_seen_at"], name="order_connection_first_seen"),
            # The admin: the order list's order (ties by id; ranges of placed_at too), its exact search by
            # the order's number and the platform's order id, and its status filter. Plain B-trees: no
            # query asks for a prefix, so none of Django's `_like` twins (migration 0017).
            models.Index(fields=["placed_at", "id"], name="order_placed_id"),
            models.Index(fields=["number"], name="order_number"),
            models.Index(fields=["external_id"], name="order_external_id"),
            models.Index(fields=["status"], name="order_status"),
        ]

    def __str__(self):
        return f"Order {self.number}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(OrderStatus(self.status), self.status) if self.status else ""

    @property
    def state(self) -> State:
        """The order's state on its platform, in the platform's words and tone (what its badge shows)."""
        return self.connection.adapter.state(self.platform_status)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    external_id = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    barcode = models.CharField(max_length=100, blank=True, help_text="UPC or EAN")
    title = models.CharField(max_length=500, blank=True)
    quantity = models.IntegerField(default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    options = models.JSONField(default=list, blank=True, help_text="[[name, value], ...]: variant and personalisation")
    image_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["order", "position"]

    def __str__(self):
        return f"{self.quantity} \u00d7 {self.title}"


class OrderEvent(models.Model):
    """The order's timeline: what happened to it, on the platform and here."""

    class Kind(models.TextChoices):
        IMPORTED = "imported", "Imported"
        UPDATED = "updated", "Updated"
        STATUS = "status", "Status changed"
        ACTION = "action", "Sent to platform"
        ACTION_FAILED = "action_failed", "Platform refused"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.message


class Shipment(models.Model):
    """A dispatch the merchant recorded; its push to the platform is its `action`."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    estimated_delivery_date = models.DateField(null=True, blank=True)
    resolve_enquiry = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Shipment {self.tracking_number or '(no tracking)'} of {self.order}"


class OutboundAction(models.Model):
    """Something we must tell a platform (accept an order, push a shipment, update an order), with its attempts.

    Our own row, not the task broker, decides whether it is done: a task that runs
    twice finds the action already claimed or finished.
    """

    class Kind(models.TextChoices):
        ACCEPT = "accept", "Accept order"
        SHIPMENT = "shipment", "Push dispatch"
        UPDATE = "update", "Update on platform"  # payload: what the platform's OrderUpdates form made

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Sending"
        RETRYING = "retrying", "Will retry"
        DONE = "done", "Done"
        REJECTED = "rejected", "Refused by platform"
        FAILED = "failed", "Gave up"

    OPEN = (State.QUEUED, State.RUNNING, State.RETRYING)

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    shipment = models.OneToOneField(Shipment, null=True, blank=True, on_delete=models.CASCADE, related_name="action")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When it was last handed to the broker, so the tick never queues copies of it.
    enqueued_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    help_text = models.TextField(blank=True)
    result = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The admin's list of actions, in this order (about one action an order: a million rows soon).
        indexes = [models.Index(fields=["created_at", "id"], name="action_created_id")]
        constraints = [
            # One open action of each kind per order (acceptance, dispatch push, update), however many clicks.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(state__in=["queued", "running", "retrying"]),
                name="action_one_open_per_order_and_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.order} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN


class ActionAttempt(models.Model):
    action = models.ForeignKey(OutboundAction, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # done / rejected / transient / auth / rate_limited
    message = models.TextField(blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    # The passing faults this attempt's requests absorbed by retrying, as a sync run keeps them
    # (connections/platforms/faults.py).
    retries = models.JSONField(
        default=dict, blank=True, help_text="Passing faults absorbed by retries: kind, status, count, longest wait."
    )

    class Meta:
        ordering = ["action", "number"]

    def __str__(self):
        return f"Attempt {self.number}: {self.outcome}"

    @property
    def retries_summary(self) -> str:
        """'1 retry absorbed (1 rate limit)', or ''."""
        return faults.describe(self.retries)


class SkippedOrder(models.Model):
    """An order a platform showed us that we did not import, and why: the answer to
    "where is my order?". One row per order and connection, its latest reason; the list
    leaves out orders imported since (see `orders.skipped`).

    It also remembers the newest copy of the order seen (its platform state and time):
    ingest never creates the order from a copy older than that one (a late RECEIVED after
    a CANCELLED that was not imported).
    """

    connection = models.ForeignKey("connections.Connection", on_delete=models.CASCADE, related_name="skipped_orders")
    external_id = models.CharField(max_length=100)
    number = models.CharField(max_length=100, blank=True, db_index=True)
    reason = models.CharField(max_length=300)
    # The newest copy seen and not imported: its platform state and time (blank and null
    # when no copy told us, e.g. only unreadable ones).
    platform_status = models.CharField(max_length=50, blank=True, default="")
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    first_skipped_at = models.DateTimeField(default=timezone.now)
    last_skipped_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_skipped_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="skipped_order_unique_per_connection")
        ]

    def __str__(self):
        return f"{self.number or self.external_id}: {self.reason}"
