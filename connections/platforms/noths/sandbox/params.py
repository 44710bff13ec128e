"""Reading the fake NOTHS API's parameters: list filters, sorting, paging and action forms.

Every bad value raises `NothsError` (400 INVALID_PARAMETER) naming the parameter.
Filters and sort keys follow platforms/noths.md §2.1.
"""

import re
from datetime import date, datetime

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from sandbox.models import SandboxAccount

from .actions import invalid
from .models import NOTHS_STATES, UNRESOLVED_ENQUIRY_STATES, SandboxNothsOrder

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 250

# API sort key -> column. None: the column would be the same for every order of one
# account (partner_*), or the API never shows the value (customer_email), so only the
# tie-break on the order id applies.
SORT_COLUMNS = {
    "accepted_at": "accepted_at",
    "confirm_by": "confirm_by",
    "customer_email": None,
    "customer_expected_delivery_date": "customer_expected_delivery_date",
    "customer_name": "customer_name",
    "declined_at": "declined_at",
    "delivery_recipient_name": "delivery_recipient_name",
    "delivery_service_code": "delivery_service_code",
    "dispatch_note_viewed": "dispatch_note_viewed",
    "dispatched_at": "dispatched_at",
    "enquiry_state": "enquiry_state",
    "estimated_delivery_date": "estimated_delivery_date",
    "estimated_dispatch_at": "estimated_dispatch_at",
    "expired_at": "expired_at",
    "gift": "gift",
    "international": "international",
    "listing_total_gross_value": "items_total_cents",
    "partner_name": None,
    "partner_shortcode": None,
    "placed_at": "placed_at",
    "state": "state",
}
DATE_RANGE_FILTERS = (
    "customer_expected_delivery_date",
    "estimated_delivery_date",
    "estimated_dispatch_at",
    "updated_at",
)
BOOLEAN_FILTERS = ("dispatch_note_viewed", "gift", "repeat_customer")
DELIVERY_SERVICE_CODES = ("EXPRESS_12", "EXPRESS_24", "EXPRESS_48", "FREE", "SATURDAY", "STANDARD", "STANDARD_COURIER")
ENQUIRY_FILTER_STATES = ("opened", "acknowledged", "overdue", "resolved", "unresolved")

TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


# -- single values ------------------------------------------------------------------


def timestamp(name: str, value: str) -> datetime:
    """An ISO 8601 date-time with offset, e.g. 2024-05-01T10:00:00+01:00 (or ...Z)."""
    # An unencoded "+" in a hand-typed URL arrives as a space: "...T10:00:00 01:00".
    value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise invalid(f"{name} must be an ISO 8601 date-time with an offset, like 2024-05-01T10:00:00+00:00")
    return parsed


def day(name: str, value) -> date:
    """A required yyyy-mm-dd date."""
    try:
        parsed = parse_date(str(value or "").strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise invalid(f"{name} is required, as a date like 2024-05-01")
    return parsed


def flag(name: str, value, default: bool = False) -> bool:
    """A boolean from a form, a query string or JSON; empty means `default`."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise invalid(f"{name} must be true or false")


def whole_number(name: str, value: str | None, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise invalid(f"{name} must be a whole number") from None
    if number < 0:
        raise invalid(f"{name} must not be negative")
    return number


def words(params, name: str) -> list[str]:
    """A comma-separated list; repeating the parameter (state=a&state=b) works too."""
    return [part.strip() for raw in params.getlist(name) for part in raw.split(",") if part.strip()]


def numbers(params, name: str) -> list[int]:
    try:
        return [int(part) for part in words(params, name)]
    except ValueError:
        raise invalid(f"{name} must be a comma-separated list of ids") from None


def one_of(name: str, values: list[str], allowed) -> list[str]:
    for value in values:
        if value not in allowed:
            raise invalid(f"{name} must be one of: {', '.join(allowed)}")
    return values


# -- the order list -----------------------------------------------------------------


def list_query(account: SandboxAccount, params) -> tuple[QuerySet, list, int, int]:
    """The filtered orders, their ordering, the offset and the page size for GET /orders."""
    orders = filter_orders(SandboxNothsOrder.objects.filter(account=account), params)
    ordering = sort_order(params.get("sort") or "placed_at", params.get("dir") or "desc")
    offset = whole_number("offset", params.get("offset"), 0)
    per_page = min(whole_number("per_page", params.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return orders, ordering, offset, per_page


def filter_orders(orders: QuerySet, params) -> QuerySet:
    if states := words(params, "state"):
        orders = orders.filter(state__in=one_of("state", states, NOTHS_STATES))
    for field in DATE_RANGE_FILTERS:
        if value := params.get(f"{field}[from]"):
            orders = orders.filter(**{f"{field}__gte": timestamp(f"{field}[from]", value)})
        if value := params.get(f"{field}[to]"):
            orders = orders.filter(**{f"{field}__lte": timestamp(f"{field}[to]", value)})
    if ids := numbers(params, "ids"):
        orders = orders.filter(noths_id__in=ids)
    if zones := numbers(params, "delivery_zone_ids"):
        orders = orders.filter(delivery_zone_id__in=zones)
    if products := numbers(params, "product_ids"):
        any_product = Q()
        for product_id in products:
            any_product |= Q(product_ids__contains=f",{product_id},")
        orders = orders.filter(any_product)
    if codes := words(params, "delivery_service_code"):
        orders = orders.filter(delivery_service_code__in=one_of("delivery_service_code", codes, DELIVERY_SERVICE_CODES))
    if enquiry := words(params, "enquiry_state"):
        wanted = set(one_of("enquiry_state", enquiry, ENQUIRY_FILTER_STATES))
        if "unresolved" in wanted:
            wanted = (wanted - {"unresolved"}) | set(UNRESOLVED_ENQUIRY_STATES)
        orders = orders.filter(enquiry_state__in=wanted)
    for field in BOOLEAN_FILTERS:
        if params.get(field):
            orders = orders.filter(**{field: flag(field, params[field])})
    if params.get("unresolved_enquiry"):
        unresolved = Q(enquiry_state__in=UNRESOLVED_ENQUIRY_STATES)
        orders = orders.filter(unresolved if flag("unresolved_enquiry", params["unresolved_enquiry"]) else ~unresolved)
    if text := (params.get("query") or "").strip():
        orders = orders.filter(
            Q(number__icontains=text) | Q(customer_name__icontains=text) | Q(delivery_recipient_name__icontains=text)
        )
    return orders


def sort_order(sort: str, direction: str) -> list:
    """ORDER BY terms. Ties always break on the order id, so offset paging is deterministic."""
    if sort not in SORT_COLUMNS:
        raise invalid(f"sort must be one of: {', '.join(SORT_COLUMNS)}")
    if direction not in ("asc", "desc"):
        raise invalid("dir must be asc or desc")
    descending = direction == "desc"
    terms = []
    if column := SORT_COLUMNS[sort]:
        if SandboxNothsOrder._meta.get_field(column).null:
            # Orders without the value last either way, the same on SQLite and PostgreSQL.
            terms.append(F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True))
        else:
            # Plain terms on NOT NULL columns, so the (account, placed_at, noths_id) index serves them.
            terms.append(f"-{column}" if descending else column)
    terms.append("-noths_id" if descending else "noths_id")
    return terms


# -- action forms (single POSTs are form-encoded, bulk entries are JSON objects) ----------


def accept_params(data) -> dict:
    return {
        "estimated_delivery_date": day("estimated_delivery_date", data.get("estimated_delivery_date")),
        "estimated_dispatch_at": day("estimated_dispatch_at", data.get("estimated_dispatch_at")),
    }


def decline_params(data) -> dict:
    if not str(data.get("decline_reason") or "").strip():
        raise invalid("decline_reason is required")
    return {}


def dispatch_params(data, *, ignore_unresolved_default: bool = False) -> dict:
    return {
        "estimated_delivery_date": day("estimated_delivery_date", data.get("estimated_delivery_date")),
        "tracking_number": str(data.get("tracking_number") or "").strip(),
        "parcel_tracking_url": str(data.get("parcel_tracking_url") or "").strip(),
        "resolve_enquiry": flag("resolve_enquiry", data.get("resolve_enquiry")),
        "ignore_unresolved_enquiries": flag(
            "ignore_unresolved_enquiries", data.get("ignore_unresolved_enquiries"), ignore_unresolved_default
        ),
    }
