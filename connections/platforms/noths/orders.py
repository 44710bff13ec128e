"""Reading NOTHS orders: an Order document as the API returns it, in our shape.

Facts and their sources are in the shared `platforms/noths.md` (§4 the Order resource).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import NormalizedItem, NormalizedOrder, OrderStatus, UnreadableRecord
from ..errors import TransientError
from ..notes import time_note
from ..states import status_map
from ..values import utc_datetime
from .words import ENQUIRY_STATES, STATES, delivery_service_words

STATE_MAP = status_map(STATES)


def normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    """One NOTHS Order (as the API returns it) in our shape. Unknown keys are ignored.

    Raises UnreadableRecord when a field it needs cannot be read.
    """
    try:
        return _normalize_order(raw)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise UnreadableRecord(f"unreadable NOTHS order: {exc}") from None


def _normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    if not isinstance(raw, dict):
        raise TypeError("not an object")
    order_id = raw["id"]
    if order_id in (None, ""):
        raise ValueError("missing id")
    state = str(raw.get("state") or "")
    total_money = raw.get("order_total") or {}
    currency = _currency(total_money) or _first_currency(raw) or "GBP"
    items = tuple(_normalize_item(i, currency) for i in (raw.get("items") or []))
    subtotal = sum((i.total for i in items), Decimal("0"))
    user = raw.get("user") or {}
    address = raw.get("delivery_address") or {}
    recipient = raw.get("delivery_recipient_name") or " ".join(
        p for p in (raw.get("delivery_recipient_first_name"), raw.get("delivery_recipient_last_name")) if p
    )
    phone = " ".join(p for p in (user.get("telephone_country_code"), user.get("telephone")) if p)
    placed_at = utc_datetime(raw.get("placed_at"))
    updated_at = utc_datetime(raw.get("updated_at")) or _latest_timestamp(raw)
    enquiry = raw.get("enquiry") or {}
    order_detail = raw.get("order_detail") or {}
    return NormalizedOrder(
        external_id=str(order_id),
        number=str(raw.get("number") or order_id),
        status=STATE_MAP.get(state, OrderStatus.UNKNOWN),
        platform_status=state,
        placed_at=placed_at,
        platform_updated_at=updated_at,
        currency=currency,
        total=_money(total_money),
        subtotal=subtotal,
        shipping_total=_money(raw.get("delivery_total")),
        discount_total=_cents(raw.get("promotion_discount"), total_money),
        customer_name=str(user.get("name") or ""),
        customer_phone=phone,
        shipping_address={
            "name": str(recipient or ""),
            "line1": str(address.get("address1") or ""),
            "line2": str(address.get("address2") or ""),
            "city": str(address.get("town") or ""),
            "region": str(address.get("county") or ""),
            "postcode": str(address.get("post_code") or ""),
            "country": str(address.get("country") or ""),
        },
        items=items,
        notes=_notes(raw),
        flags={
            "dispatch_note_viewed": bool(raw.get("dispatch_note_viewed")),
            "has_enquiry": bool(raw.get("has_enquiry")),
            "enquiry_state": str(enquiry.get("state") or "") if isinstance(enquiry, dict) else "",
            "unresolved_enquiry": _unresolved_enquiry(raw),
            "tracking_number": str(order_detail.get("tracking_number") or ""),
            "tracking_url": str(order_detail.get("parcel_tracking_url") or ""),
        },
        raw=raw,
    )


def _normalize_item(raw: dict[str, Any], currency: str) -> NormalizedItem:
    product = raw.get("product") or {}
    quantity = int(raw.get("quantity") or 0)
    total = _money(raw.get("listing_total_gross"))
    # NOTHS gives only the line total; the unit price is derived (platforms/noths.md §4).
    unit = (total / quantity).quantize(Decimal("0.0001")) if quantity else total
    image = (product.get("image") or {}) if isinstance(product, dict) else {}
    options = tuple(
        (str(o.get("name") or ""), str(o.get("value") or "")) for o in (raw.get("options") or []) if isinstance(o, dict)
    )
    return NormalizedItem(
        external_id=str(raw.get("id") or ""),
        title=str(raw.get("item_title") or product.get("title") or ""),
        quantity=quantity,
        unit_price=unit,
        total=total,
        sku=str(product.get("sku") or ""),
        options=options,
        image_url=str(image.get("thumb_url") or image.get("normal_url") or ""),
    )


UNRESOLVED_ENQUIRY_STATES = ("opened", "acknowledged", "overdue")


def _unresolved_enquiry(raw: dict[str, Any]) -> bool:
    enquiry = raw.get("enquiry")
    state = enquiry.get("state") if isinstance(enquiry, dict) else None
    return bool(raw.get("has_enquiry")) and (state is None or state in UNRESOLVED_ENQUIRY_STATES)


def _dated_note(label: str, value: Any, *, with_time: bool) -> tuple[str, ...]:
    """A time as a moment the page shows in the portal's style; a date as its day (as NOTHS means it)."""
    try:
        moment = utc_datetime(value)
    except ValueError:
        return (label, str(value))
    return time_note(label, moment) if with_time else (label, moment.strftime("%-d %b %Y"))


def _notes(raw: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    notes = []
    service = raw.get("delivery_service") or {}
    if service.get("name") or service.get("code"):
        notes.append(("Delivery service", str(service.get("name") or delivery_service_words(service["code"]))))
    for key, label, with_time in (
        ("confirm_by", "Accept by", True),
        ("estimated_dispatch_at", "Estimated dispatch", False),
        ("estimated_delivery_date", "Estimated delivery", False),
        ("customer_expected_delivery_date", "Customer expects delivery", False),
    ):
        if raw.get(key):
            notes.append(_dated_note(label, raw[key], with_time=with_time))
    if raw.get("gift"):
        notes.append(("Gift", "yes" + (", gift wrapped" if raw.get("gift_wrap") else "")))
    if raw.get("gift_message"):
        notes.append(("Gift message", str(raw["gift_message"])))
    if raw.get("delivery_note"):
        notes.append(("Delivery note", str(raw["delivery_note"])))
    enquiry = raw.get("enquiry")
    if raw.get("has_enquiry") and isinstance(enquiry, dict):
        notes.append(("Customer enquiry", ENQUIRY_STATES.get(str(enquiry.get("state") or "opened"), "Open")))
    return tuple(notes)


def unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """One order from GET /orders/{id}, as `readings.ORDER` believes it: a bare Order (the spec), or
    {"data": Order}."""
    return body["data"] if isinstance(body.get("data"), dict) else body


def total_count(body: Any) -> int:
    try:
        return int(body["query"]["total"])
    except (TypeError, KeyError, ValueError):
        raise TransientError("NOTHS sent an order list without its query.total count.") from None


def _money(value: Any) -> Decimal:
    if not isinstance(value, dict):
        return Decimal("0")
    currency = value.get("currency") or {}
    subunit = int(currency.get("subunit_to_unit") or 100) if isinstance(currency, dict) else 100
    return (Decimal(int(value.get("cents") or 0)) / subunit).quantize(Decimal("0.01"))


def _cents(value: Any, money_like: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    return _money({"cents": value, "currency": (money_like or {}).get("currency") or {}})


def _currency(money: Any) -> str:
    if isinstance(money, dict) and isinstance(money.get("currency"), dict):
        return str(money["currency"].get("iso_code") or "")
    return ""


def _first_currency(raw: dict[str, Any]) -> str:
    for item in raw.get("items") or []:
        if isinstance(item, dict) and (code := _currency(item.get("listing_total_gross"))):
            return code
    return ""


def _latest_timestamp(raw: dict[str, Any]) -> datetime | None:
    stamps = [
        utc_datetime(raw.get(k))
        for k in ("placed_at", "accepted_at", "declined_at", "expired_at", "dispatched_at", "archived_at")
        if raw.get(k)
    ]
    return max(stamps) if stamps else None
