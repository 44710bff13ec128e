"""Reading plain values out of platform documents: objects, times and amounts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime


def utc_datetime(value: Any) -> datetime | None:
    """An ISO 8601 time in UTC; a time without an offset is taken as UTC. ValueError if unreadable."""
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"unreadable time {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise ValueError(f"time out of range {value!r}") from None


def decimal_amount(value: Any) -> Decimal:
    """An amount sent as a number or a string ("$1,234.50"); nothing is zero."""
    if value in (None, ""):
        return Decimal("0")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value).replace("$", "").replace(",", ""))


def json_object(value: Any) -> dict[str, Any]:
    """A JSON object of a document; null or "" is an empty one. TypeError for anything else."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value
