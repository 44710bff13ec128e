"""The sandbox NOTHS's orders: each one the Order document the API serves, and its columns."""

import json
from datetime import UTC, datetime

from django.db import models
from django.utils import timezone

from sandbox.models import SandboxAccount
from sandbox.values import dump_json

NOTHS_STATES = ("placed", "expired", "accepted", "declined", "dispatched", "refunded", "archived")


ENQUIRY_STATES = ("opened", "acknowledged", "overdue", "resolved")


UNRESOLVED_ENQUIRY_STATES = ("opened", "acknowledged", "overdue")


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
            # state on the end: a count of a window filtered by state reads the index alone.
            models.Index(fields=["account", "updated_at", "state"], name="sandbox_noths_acct_updated"),
            # (account, placed_at, noths_id) serves the default sort; updated_at and state on
            # the end make it cover the adapter's queries too (an updated_at window sorted by
            # placed_at, the reconciliation's filtered by state as well), so a deep page skips
            # index entries instead of whole rows.
            models.Index(
                fields=["account", "placed_at", "noths_id", "updated_at", "state"], name="sandbox_noths_acct_placed"
            ),
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
