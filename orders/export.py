"""The order list as CSV, streamed in pieces of about BLOCK characters: 100,000 orders never sit in memory.

Pieces, not a line per order: the server writes each piece the view yields to its socket on
its own, so a line each was one write (and, chunked, one frame) per order. bench/scale.py's
export of 404,500 orders (61 MB) took 8.9 s that way and 5.1-5.5 s in pieces, about the time
making the lines takes.

Text from the platforms is written so that a spreadsheet never runs it: a cell that
starts with = + - @ (or a tab or carriage return) gets a leading apostrophe. Numbers
and times are the portal's own formatting and are written as they are.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Iterator

from django.db.models import QuerySet

from connections.models import Connection

from .models import STATUS_CHOICES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000  # orders read from the database at a time
BLOCK = 64 * 1024  # characters in a piece yielded to the server, about
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


def rows(orders: QuerySet, merchant) -> Iterator[str]:
    """The CSV's text: the byte-order mark and the header at once (before any order is read),
    then the orders, read from the database in chunks, in pieces of about BLOCK characters."""
    tz = zoneinfo.ZoneInfo(merchant.timezone)
    connections = {c.pk: safe_cell(str(c)) for c in Connection.objects.filter(merchant=merchant)}
    statuses = dict(STATUS_CHOICES)
    piece = io.StringIO()
    writer = csv.writer(piece)
    piece.write("\ufeff")  # a byte-order mark: spreadsheets then read the file as UTF-8
    writer.writerow([column.format(tz=merchant.timezone) for column in COLUMNS])
    yield _taken(piece)
    size = 0
    for values in orders.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        row = dict(zip(FIELDS, values, strict=True))
        placed = row["placed_at"]
        size += writer.writerow(
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
        if size >= BLOCK:
            yield _taken(piece)
            size = 0
    if size:
        yield _taken(piece)


def _taken(piece: io.StringIO) -> str:
    """What the piece holds, and the piece emptied."""
    text = piece.getvalue()
    piece.seek(0)
    piece.truncate()
    return text
