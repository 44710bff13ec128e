"""Reading Shopify orders: a GraphQL `Order` node, or a webhook's body (the REST shape), in our shape.

One order comes in two shapes (platforms/shopify.md §2.4, §4.3): the query's camelCase
node with gids and `MoneyBag`s, and the webhook's snake_case body with numeric ids and
plain amounts, its times in the store's offset. Both become the same NormalizedOrder,
keyed by the order's gid, and both records carry the order's update time (in UTC) as
their version, so the two shapes of one state are one copy to ingest.

Names, emails, phones and addresses are null where the app has no access to protected
customer data (§7.5): the order is imported all the same, and says why they are missing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import NormalizedItem, NormalizedOrder, OrderRecord, UnreadableRecord
from ..states import status_map
from ..values import decimal_amount, json_object, utc_datetime
from .words import CANCEL_REASONS, STATES

GID = "gid://shopify/Order/"
# Our statuses for an order, worked out from its financial and fulfilment states (`_platform_status`).
STATUS_MAP = status_map(STATES)
# The REST shape's fulfillment_status in the GraphQL shape's words.
REST_FULFILMENT = {None: "UNFULFILLED", "": "UNFULFILLED", "partial": "PARTIALLY_FULFILLED", "fulfilled": "FULFILLED"}
HIDDEN_CUSTOMER = (
    "Hidden by Shopify: it shares customers' names and addresses only with apps granted protected customer "
    "data. Ask for it in the app's settings (Dev Dashboard \u2192 API access), then Fetch Orders again."
)


def record(raw: dict[str, Any]) -> OrderRecord:
    """An order of either shape as a record for ingest; UnreadableRecord when it names no order."""
    if not isinstance(raw, dict):
        raise UnreadableRecord("not an order: not an object")
    return OrderRecord(order_gid(raw), raw, normalize_order, version=version(raw))


def order_gid(raw: dict[str, Any]) -> str:
    """The order's gid: the node's `id`, the webhook's `admin_graphql_api_id`, or one made of its numeric id."""
    for key in ("admin_graphql_api_id", "id"):
        if isinstance(raw.get(key), str) and raw[key].startswith(GID):
            return raw[key]
    number = raw.get("id")
    if (isinstance(number, int) and not isinstance(number, bool)) or (isinstance(number, str) and number.isdigit()):
        return f"{GID}{number}"
    raise UnreadableRecord("not an order: it has no order id")


def version(raw: dict[str, Any]) -> str:
    """The order's update time in UTC: it moves whenever the order changes."""
    try:
        updated = utc_datetime(raw.get("updatedAt") or raw.get("updated_at"))
    except ValueError:
        return ""
    return updated.isoformat() if updated else ""


def normalize_order(raw: dict[str, Any]) -> NormalizedOrder:
    """One Shopify order in our shape, whichever its shape. Unknown keys are ignored."""
    try:
        return _normalize(raw if "financial_status" in raw or "admin_graphql_api_id" in raw else _from_node(raw), raw)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise UnreadableRecord(f"unreadable Shopify order: {exc}") from None


def _from_node(node: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL node in the webhook's (REST) shape: one reading for both."""
    lines = json_object(node.get("lineItems"))
    return {
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "created_at": node.get("createdAt"),
        "processed_at": node.get("processedAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "cancel_reason": str(node.get("cancelReason") or "").lower() or None,
        "closed_at": node.get("closedAt"),
        "financial_status": str(node.get("displayFinancialStatus") or "").lower() or None,
        "display_fulfillment_status": node.get("displayFulfillmentStatus"),
        "currency": node.get("currencyCode"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "note": node.get("note"),
        "tags": ", ".join(node.get("tags") or []),
        "note_attributes": [
            {"name": a.get("key"), "value": a.get("value")} for a in node.get("customAttributes") or []
        ],
        "total_price": _money(node.get("totalPriceSet")),
        "subtotal_price": _money(node.get("subtotalPriceSet")),
        "total_discounts": _money(node.get("totalDiscountsSet")),
        "total_shipping": _money(node.get("totalShippingPriceSet")),
        "customer": _customer(node.get("customer")),
        "shipping_address": _address(node.get("shippingAddress")),
        "shipping_lines": [node["shippingLine"]] if node.get("shippingLine") else [],
        "line_items": [_line_from_node(line) for line in lines.get("nodes") or []],
        "test": node.get("test"),
        "po_number": node.get("poNumber"),
    }


def _normalize(order: dict[str, Any], raw: dict[str, Any]) -> NormalizedOrder:
    currency = str(order.get("currency") or "")[:3]
    platform_status = _platform_status(order)
    customer = json_object(order.get("customer"))
    address = json_object(order.get("shipping_address"))
    name = " ".join(str(customer.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    name = name or str(address.get("name") or "").strip()
    hidden = order.get("customer") is None and order.get("shipping_address") is None and not order.get("email")
    items = tuple(_item(line, position) for position, line in enumerate(order.get("line_items") or []))
    shipping = order.get("total_shipping")
    if shipping is None:
        shipping = json_object(json_object(order.get("total_shipping_price_set")).get("shop_money")).get("amount")
    return NormalizedOrder(
        external_id=order_gid(raw),
        number=str(order.get("name") or order_gid(raw).removeprefix(GID)),
        status=STATUS_MAP[platform_status],
        platform_status=platform_status,
        placed_at=utc_datetime(order.get("processed_at") or order.get("created_at")),
        platform_updated_at=utc_datetime(order.get("updated_at")),
        currency=currency,
        total=decimal_amount(order.get("total_price")),
        subtotal=decimal_amount(order.get("subtotal_price")),
        shipping_total=decimal_amount(shipping),
        discount_total=decimal_amount(order.get("total_discounts")),
        customer_name=name,
        customer_email=str(order.get("email") or ""),
        customer_phone=str(order.get("phone") or ""),
        shipping_address={
            key: str(address.get(source) or "")
            for key, source in (
                ("name", "name"),
                ("company", "company"),
                ("line1", "address1"),
                ("line2", "address2"),
                ("city", "city"),
                ("region", "province"),
                ("postcode", "zip"),
                ("country", "country_code"),
            )
            if address.get(source)
        },
        items=items,
        notes=_notes(order, hidden),
        flags={
            "legacy_id": order_gid(raw).removeprefix(GID),
            "financial_status": str(order.get("financial_status") or ""),
            "fulfillment_status": _fulfilment_status(order).lower(),
        },
        raw=raw,
    )


def _platform_status(order: dict[str, Any]) -> str:
    if order.get("cancelled_at"):
        return "cancelled"
    if order.get("financial_status") == "refunded":
        return "refunded"
    fulfilment = _fulfilment_status(order)
    if fulfilment in ("FULFILLED", "RESTOCKED"):
        return "fulfilled"
    if fulfilment == "PARTIALLY_FULFILLED":
        return "partially_fulfilled"
    if fulfilment == "ON_HOLD":
        return "on_hold"
    return "unfulfilled"


def _fulfilment_status(order: dict[str, Any]) -> str:
    if order.get("display_fulfillment_status"):
        return str(order["display_fulfillment_status"]).upper()
    return REST_FULFILMENT.get(order.get("fulfillment_status"), str(order.get("fulfillment_status") or "").upper())


def _item(line: Any, position: int) -> NormalizedItem:
    line = json_object(line)
    quantity = line.get("current_quantity")
    quantity = int(quantity if quantity is not None else line.get("quantity") or 0)
    unit = decimal_amount(line.get("price"))
    total = line.get("total")
    variant = str(line.get("variant_title") or "")
    return NormalizedItem(
        external_id=str(line.get("admin_graphql_api_id") or line.get("id") or position),
        title=str(line.get("name") or line.get("title") or "Item"),
        quantity=quantity,
        unit_price=unit,
        total=decimal_amount(total) if total is not None else (unit * quantity).quantize(Decimal("0.01")),
        sku=str(line.get("sku") or ""),
        barcode=str(line.get("barcode") or ""),
        options=(("Variant", variant),) if variant and variant != "Default Title" else (),
    )


def _line_from_node(node: dict[str, Any]) -> dict[str, Any]:
    variant = json_object(node.get("variant"))
    return {
        "admin_graphql_api_id": node.get("id"),
        "sku": node.get("sku") or variant.get("sku"),
        "barcode": variant.get("barcode"),
        "title": node.get("title"),
        "name": node.get("name"),
        "variant_title": node.get("variantTitle"),
        "quantity": node.get("quantity"),
        "current_quantity": node.get("currentQuantity"),
        "price": _money(node.get("originalUnitPriceSet")),
        "total": _money(node.get("originalTotalSet")),
    }


def _notes(order: dict[str, Any], hidden: bool) -> tuple[tuple[str, str], ...]:
    notes = []
    if hidden:
        notes.append(("Customer", HIDDEN_CUSTOMER))
    if order.get("cancelled_at"):
        reason = str(order.get("cancel_reason") or "")
        notes.append(("Cancelled", CANCEL_REASONS.get(reason, "No reason given" if not reason else "Another reason")))
    for label, key in (("Note", "note"), ("Tags", "tags"), ("PO number", "po_number")):
        if order.get(key):
            notes.append((label, str(order[key])))
    for attribute in order.get("note_attributes") or []:
        if isinstance(attribute, dict) and attribute.get("name"):
            notes.append((str(attribute["name"]), str(attribute.get("value") or "")))
    for line in order.get("shipping_lines") or []:
        if isinstance(line, dict) and line.get("title"):
            notes.append(("Shipping", str(line["title"])))
    if order.get("financial_status"):
        notes.append(("Payment", str(order["financial_status"]).replace("_", " ").capitalize()))
    if order.get("test"):
        notes.append(("Test order", "yes (a bogus-gateway order)"))
    return tuple(notes)


def _customer(node: Any) -> dict[str, Any] | None:
    node = json_object(node) if node is not None else None
    if not node:
        return None
    return {"id": node.get("id"), "first_name": node.get("firstName"), "last_name": node.get("lastName")}


def _address(node: Any) -> dict[str, Any] | None:
    node = json_object(node) if node is not None else None
    if not node:
        return None
    keys = {
        "firstName": "first_name",
        "lastName": "last_name",
        "provinceCode": "province_code",
        "countryCodeV2": "country_code",
    }
    return {keys.get(key, key): value for key, value in node.items()}


def _money(bag: Any) -> str | None:
    """`MoneyBag.shopMoney.amount` (a string, in the shop's currency), or None."""
    return json_object(json_object(bag).get("shopMoney")).get("amount") if bag else None
