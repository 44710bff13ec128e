"""Reading NuORDER orders: one of our items per (style, colour, size).

Facts and their sources are in the shared `platforms/nuorder.md` (§4 the order document).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import NormalizedItem, NormalizedOrder, OrderStatus, UnreadableRecord
from ..states import status_map
from ..values import decimal_amount, utc_datetime
from .words import STATES

STATUS_MAP = status_map(STATES)


def normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    """One NuORDER order in our shape: one item per (style, colour, size). Unknown keys are ignored."""
    try:
        return _normalize_order(raw)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise UnreadableRecord(f"unreadable NuORDER order: {exc}") from None


def _normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    if not raw.get("_id"):
        raise ValueError("missing _id")
    status = str(raw.get("status") or "")
    currency = str(raw.get("currency_code") or "USD")[:3]
    items = tuple(_items(raw))
    subtotal = sum((item.total for item in items), Decimal("0"))
    total = decimal_amount(raw.get("total")) if raw.get("total") is not None else subtotal
    retailer = raw.get("retailer") or {}
    address = raw.get("shipping_address") or {}
    return NormalizedOrder(
        external_id=str(raw["_id"]),
        number=str(raw.get("order_number") or raw["_id"]),
        status=STATUS_MAP.get(status, OrderStatus.UNKNOWN),
        platform_status=status,
        placed_at=utc_datetime(raw.get("created_on")),
        platform_updated_at=utc_datetime(raw.get("modified_on") or raw.get("edited_on") or raw.get("created_on")),
        currency=currency,
        total=total.quantize(Decimal("0.01")),
        subtotal=subtotal.quantize(Decimal("0.01")),
        discount_total=max(Decimal("0"), subtotal - total).quantize(Decimal("0.01")),
        customer_name=str(retailer.get("retailer_name") or ""),
        customer_email=str(retailer.get("buyer_email") or ""),
        shipping_address={
            "name": str(address.get("display_name") or retailer.get("retailer_name") or ""),
            "line1": str(address.get("line_1") or ""),
            "line2": str(address.get("line_2") or ""),
            "city": str(address.get("city") or ""),
            "region": str(address.get("state") or ""),
            "postcode": str(address.get("zip") or ""),
            "country": str(address.get("country") or ""),
        },
        items=items,
        notes=_notes(raw, retailer),
        flags={"ship_start": str(raw.get("start_ship") or ""), "ship_end": str(raw.get("end_ship") or "")},
        raw=raw,
    )


def _items(raw: dict[str, Any]):
    for line_index, line in enumerate(raw.get("line_items") or []):
        product = line.get("product") or {}
        style, colour = str(product.get("style_number") or ""), str(product.get("color") or "")
        for size in line.get("sizes") or []:
            quantity = int(size.get("quantity") or 0)
            price = decimal_amount(size.get("price"))
            size_name = str(size.get("size") or "")
            options = [("Style", style), ("Colour", colour), ("Size", size_name)]
            if product.get("season"):
                options.append(("Season", str(product["season"])))
            if line.get("warehouse"):
                options.append(("Warehouse", str(line["warehouse"])))
            yield NormalizedItem(
                external_id=f"{line.get('id') or product.get('_id') or line_index}:{size_name}",
                title=" ".join(p for p in (str(product.get("name") or style), colour, size_name) if p),
                quantity=quantity,
                unit_price=price,
                total=(price * quantity).quantize(Decimal("0.01")),
                sku="-".join(p for p in (style, str(product.get("color_code") or colour), size_name) if p),
                barcode=str(size.get("upc") or ""),
                options=tuple(options),
            )


def _notes(raw: dict[str, Any], retailer: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    notes = []
    if retailer.get("buyer_name"):
        notes.append(("Buyer", f"{retailer['buyer_name']} <{retailer.get('buyer_email') or ''}>"))
    if retailer.get("retailer_code"):
        notes.append(("Retailer code", str(retailer["retailer_code"])))
    if raw.get("customer_po_number"):
        notes.append(("PO number", str(raw["customer_po_number"])))
    start, end = utc_datetime(raw.get("start_ship")), utc_datetime(raw.get("end_ship"))
    if start or end:
        notes.append(("Ship window", " \u2013 ".join(d.strftime("%-d %b %Y") for d in (start, end) if d)))
    for key, label in (("rep_name", "Sales rep"), ("order_type", "Order type"), ("notes", "Notes")):
        if raw.get(key):
            notes.append((label, str(raw[key])))
    return tuple(notes)
