"""Reading Partner API orders: a webhook body or a GET answer (the same document), in our shape.

Facts and their sources are in the shared `platforms/partner_api.md` (§3 the order).
GET may spell statuses in lower case (`picked_up`): they are upper-cased here.
"""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from ..base import NormalizedItem, NormalizedOrder, OrderStatus, UnreadableRecord
from ..notes import time_note
from ..states import status_map
from ..values import decimal_amount, json_object, utc_datetime
from . import picking
from .words import CANCELLED_BY, STATES, delivery_words

STATUS_MAP = status_map(STATES)


# The platform sends no currency; the store's country decides it.
CURRENCY_BY_COUNTRY = {
    "SG": "SGD", "MY": "MYR", "TH": "THB", "PH": "PHP", "TW": "TWD", "HK": "HKD", "PK": "PKR", "BD": "BDT",
    "KH": "KHR", "LA": "LAK", "MM": "MMK", "JP": "JPY", "TR": "TRY", "SE": "SEK", "NO": "NOK", "FI": "EUR",
    "AT": "EUR", "HU": "HUF", "CZ": "CZK", "SK": "EUR", "AE": "AED", "KW": "KWD", "SA": "SAR", "QA": "QAR",
    "BH": "BHD", "OM": "OMR", "JO": "JOD", "EG": "EGP", "IQ": "IQD", "ES": "EUR", "IT": "EUR", "PT": "EUR",
    "AR": "ARS", "UY": "UYU", "CL": "CLP", "PE": "PEN", "BO": "BOB", "PY": "PYG", "EC": "USD", "DO": "DOP",
}  # fmt: skip


def known_status(raw: dict[str, Any]) -> bool:
    """Whether the order's status is one the portal applies (a missing one means: GET the order)."""
    status = raw.get("status")
    return not status or str(status).strip().upper() in STATUS_MAP


def unknown_status_words(raw: dict[str, Any]) -> str:
    return f"status \u201c{raw.get('status')}\u201d is not one the portal knows; not applied"


def normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    """One Partner API order (webhook body or GET answer) in our shape. Unknown keys are ignored."""
    try:
        return _normalize_order(raw)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise UnreadableRecord(f"unreadable Partner API order: {exc}") from None


def _normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    if not isinstance(raw, dict) or not raw.get("order_id"):
        raise ValueError("missing order_id")
    status = str(raw.get("status") or "").strip().upper()
    system = json_object(raw.get("sys"))
    client = json_object(raw.get("client"))
    customer = json_object(raw.get("customer"))
    payment = json_object(raw.get("payment"))
    address = json_object(customer.get("delivery_address"))
    currency = str(raw.get("currency") or CURRENCY_BY_COUNTRY.get(str(client.get("country_code") or "").upper(), ""))
    items = tuple(_item(item, position) for position, item in enumerate(raw.get("items") or []))
    name = " ".join(str(customer.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    return NormalizedOrder(
        external_id=str(raw["order_id"]),
        number=str(raw.get("order_code") or raw.get("external_order_id") or raw["order_id"])[:100],
        status=STATUS_MAP.get(status, OrderStatus.UNKNOWN),
        platform_status=status,
        placed_at=utc_datetime(system.get("created_at")),
        platform_updated_at=utc_datetime(system.get("updated_at")),
        currency=currency,
        total=decimal_amount(payment.get("order_total")),
        subtotal=decimal_amount(payment.get("sub_total")),
        shipping_total=decimal_amount(payment.get("delivery_fee")),
        discount_total=decimal_amount(payment.get("discount")),
        customer_name=name,
        customer_phone=str(customer.get("phone_number") or ""),
        shipping_address={k: str(v) for k, v in address.items() if v not in (None, "") and not isinstance(v, dict)},
        items=items,
        notes=_notes(raw, client),
        flags={
            "transport_type": str(raw.get("transport_type") or ""),
            "store_id": str(client.get("store_id") or ""),
            "cancellation": json_object(raw.get("cancellation")),
            # Each item's picking mark as the platform spells it (its options carry the words).
            "picking": {item.external_id: mark for item, mark in zip(items, _marks(raw), strict=True)},
        },
        raw=raw,
    )


def _marks(raw: dict[str, Any]) -> list[str]:
    return [str(json_object(item).get("status") or "NOT_PROCESSED") for item in raw.get("items") or []]


def _item(raw: Any, position: int) -> NormalizedItem:
    item = json_object(raw)
    pricing = json_object(item.get("pricing"))
    weighed = str(pricing.get("pricing_type") or "").upper() == "KG"
    quantity = decimal_amount(pricing.get("quantity") or (0 if weighed else 1))
    options = [(picking.PICKING_OPTION, picking.mark_words(str(item.get("status") or "")))]
    if weighed and pricing.get("weight") not in (None, ""):
        options.append(("Weight", f"{pricing['weight']} kg"))
    if item.get("replaced_id"):
        options.append(("Replaces", str(item["replaced_id"])))
    if item.get("instructions"):
        options.append(("Instructions", str(item["instructions"])))
    barcodes = item.get("barcode") or []
    return NormalizedItem(
        external_id=str(item.get("_id") or position),
        title=str(item.get("name") or item.get("sku") or "Item"),
        quantity=max(1, int(quantity)) if not weighed else 1,
        unit_price=decimal_amount(pricing.get("unit_price")),
        total=decimal_amount(pricing.get("total_price")),
        sku=str(item.get("sku") or ""),
        barcode=str(barcodes[0] if isinstance(barcodes, list) and barcodes else barcodes or ""),
        options=tuple(options),
        image_url=str(item.get("image_url") or ""),
    )


def _notes(raw: dict[str, Any], client: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    notes = []
    cancellation = json_object(raw.get("cancellation"))
    if cancellation:
        notes.append(("Cancellation", _cancellation_words(cancellation)))
    promised = _promised(raw.get("promised_for"))
    for label, value in (
        ("Store", " ".join(str(client.get(k) or "") for k in ("name", "store_id")).strip()),
        ("Order code", raw.get("order_code")),
        ("Platform order id", raw.get("external_order_id")),
        ("Delivery", delivery_words(str(raw.get("transport_type") or ""))),
        ("Promised for", time_note("Promised for", promised) if promised else ""),
        ("Customer comment", raw.get("comment")),
        ("Pre-order", "yes" if raw.get("isPreorder") else ""),
    ):
        if value:
            notes.append(value if isinstance(value, tuple) else (label, str(value)))
    return tuple(notes)


def _promised(value: Any):
    """The promised time, or None: one the platform spells wrongly is left out, never the whole order."""
    try:
        return utc_datetime(value)
    except ValueError:
        return None


def _cancellation_words(cancellation: dict[str, Any]) -> str:
    """The reason and who cancelled, in words: "Items unavailable (cancelled by the store)"."""
    code = str(cancellation.get("reason") or "")
    reason = dict(picking.CANCEL_REASONS).get(code, code.replace("_", " ").capitalize()) or "No reason given"
    by = str(cancellation.get("cancelled_by") or "").upper()
    return f"{reason} (cancelled by {CANCELLED_BY.get(by, 'someone else')})" if by else reason
