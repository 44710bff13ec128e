"""The `orders(query:)` search syntax, the part the portal uses (platforms/shopify.md §2.3).

Terms are joined by whitespace or AND; each is `field:value` or `field:<op>value` with op one
of > >= < <=. Values may be quoted ('...' or "..."), as Shopify asks for times. Served:

- `updated_at`, `created_at`, `processed_at`: an ISO time (with Z or an offset; without one,
  the shop's time zone), a date (2026-11-01: the whole day in the shop's time zone, so
  `>2026-11-01` is from the next day on) or `now`;
- `status`: open, closed, cancelled, not_closed, any;
- `name`: #1001 or 1001;
- `financial_status` (paid, pending, refunded, ...), `fulfillment_status` (shipped, partial,
  unshipped, unfulfilled), `id` (with the same operators), `test` (true/false).

`NOT` before a term negates it (`created_at:>='2026-11-01' NOT status:open`). Unknown fields,
OR, and values that do not parse are ignored, as Shopify ignores a term it cannot use. No term
means every order (there is no default status filter).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

TERM = re.compile(r"""(?P<field>[A-Za-z_]+):(?P<op><=|>=|<|>|=)?(?P<value>'[^']*'|"[^"]*"|\S*)|(?P<word>\S+)""")
TIME_FIELDS = {"updated_at": "updated_at", "created_at": "created_at", "processed_at": "processed_at"}
LOOKUPS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
STATUS = {
    "open": Q(closed_at__isnull=True, cancelled_at__isnull=True),
    "closed": Q(closed_at__isnull=False),
    "cancelled": Q(cancelled_at__isnull=False),
    "canceled": Q(cancelled_at__isnull=False),
    "not_closed": Q(closed_at__isnull=True),
    "any": Q(),
}
FULFILLMENT = {
    "shipped": Q(fulfillment_status="FULFILLED"),
    "fulfilled": Q(fulfillment_status="FULFILLED"),
    "partial": Q(fulfillment_status="PARTIALLY_FULFILLED"),
    "unshipped": Q(fulfillment_status="UNFULFILLED"),
    "unfulfilled": ~Q(fulfillment_status="FULFILLED"),
}


def search_filter(text: str | None, zone: str, now: datetime | None = None) -> Q:
    """The filter of a search query, for a shop in time zone `zone`."""
    found = Q()
    negate = False
    for match in TERM.finditer(text or ""):
        if match["word"]:
            negate = match["word"] == "NOT"  # AND, OR, free text: not served
            continue
        term = _term(match["field"].lower(), match["op"] or ":", _unquote(match["value"]), zone, now)
        if term is not None:
            found &= ~term if negate else term
        negate = False
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _term(field: str, op: str, value: str, zone: str, now: datetime | None) -> Q | None:
    if field in TIME_FIELDS:
        return _time_term(TIME_FIELDS[field], op, value, zone, now)
    if op not in (":", "="):
        return _id_term(op, value) if field == "id" else None
    value = value.strip()
    if field == "status":
        return STATUS.get(value.lower())
    if field == "name":
        number = value.removeprefix("#")
        if number.isascii() and number.isdigit():
            return Q(number=int(number))
        return Q(name__iexact=value) if value else None
    if field == "financial_status":
        return Q(financial_status=value.upper()) if value else None
    if field == "fulfillment_status":
        return FULFILLMENT.get(value.lower())
    if field == "id":
        return _id_term("=", value)
    if field == "test" and value.lower() in ("true", "false"):
        return Q(test=value.lower() == "true")
    return None


def _id_term(op: str, value: str) -> Q | None:
    number = value.rpartition("/")[2]
    if not (number.isascii() and number.isdigit()):
        return None
    if op in (":", "="):
        return Q(legacy_id=int(number))
    return Q(**{f"legacy_id__{LOOKUPS[op]}": int(number)})


def _time_term(column: str, op: str, value: str, zone: str, now: datetime | None) -> Q | None:
    """A time range [start, end): a moment is one second long, a date one day."""
    span = parse_time(value, zone, now)
    if span is None:
        return None
    start, end = span
    if op in (":", "="):
        return Q(**{f"{column}__gte": start, f"{column}__lt": end})
    if op == ">":
        return Q(**{f"{column}__gte": end})
    if op == ">=":
        return Q(**{f"{column}__gte": start})
    if op == "<":
        return Q(**{f"{column}__lt": start})
    return Q(**{f"{column}__lt": end})


def parse_time(value: str, zone: str, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The [start, end) a search value names, or None when it is not a time."""
    value = value.strip()
    if value.lower() == "now":
        moment = (now or timezone.now()).replace(microsecond=0)
        return moment, moment + timedelta(seconds=1)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            start = datetime.combine(day, time(), tzinfo=ZoneInfo(zone))
            return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(zone))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    if moment.microsecond:
        return moment, moment + timedelta(microseconds=1)
    return moment, moment + timedelta(seconds=1)
