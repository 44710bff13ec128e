"""The order list as CSV: streamed row by row, so 100,000 orders never sit in memory.

Text from the platforms is written so that a spreadsheet never runs it: a cell that
starts with = + - @ (or a tab or carriage return) gets a leading apostrophe. Numbers
and times are the portal's own formatting and are written as they are.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterator

from django.db.models import QuerySet

from connections.models import Connection

from .models import STATUS_CHOICES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
COLUMNS = (
    "Order",
    "Placed ({tz})",
    "Customer",
    "Email",
    "Connection",
    "Status",
    "Platform status",
    "Subtotal",
    "Shipping",
    "Discount",
    "Total",
    "Currency",
    "Platform order ID",
    "Portal ID",
)
FIELDS = (
    "number",
    "placed_at",
    "customer_name",
    "customer_email",
    "connection_id",
    "status",
    "platform_status",
    "subtotal",
    "shipping_total",
    "discount_total",
    "total",
    "currency",
    "external_id",
    "pk",
)


def safe_cell(value: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    """A file whose write returns the line: csv.writer then yields each row's text."""

    def write(self, value):
        return value


def rows(orders: QuerySet, merchant) -> Iterator[str]:
    """The CSV's lines: a header, then one per order, read from the database in chunks."""
    tz = zoneinfo.ZoneInfo(merchant.timezone)
    connections = {c.pk: safe_cell(str(c)) for c in Connection.objects.filter(merchant=merchant)}
    statuses = dict(STATUS_CHOICES)
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark: spreadsheets then read the file as UTF-8
    yield writer.writerow([column.format(tz=merchant.timezone) for column in COLUMNS])
    for values in orders.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        row = dict(zip(FIELDS, values, strict=True))
        placed = row["placed_at"]
        yield writer.writerow(
            [
                safe_cell(row["number"]),
                placed.astimezone(tz).strftime("%Y-%m-%d %H:%M") if placed else "",
                safe_cell(row["customer_name"]),
                safe_cell(row["customer_email"]),
                connections.get(row["connection_id"], ""),
                statuses.get(row["status"], row["status"]),
                safe_cell(row["platform_status"]),
                row["subtotal"],
                row["shipping_total"],
                row["discount_total"],
                row["total"],
                safe_cell(row["currency"]),
                safe_cell(row["external_id"]),
                row["pk"],
            ]
        )
