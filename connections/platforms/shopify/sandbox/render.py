"""An order's two faces: the GraphQL `Order` the API resolves, and the REST body its webhooks carry.

Both are made from one neutral document (`SandboxShopifyOrder.document`), so they can never
disagree. The document keeps times in UTC (ISO, whole seconds, Z), money as strings with two
decimals, statuses as the GraphQL enums spell them, and the order's line items, fulfillment
orders and fulfillments. GraphQL shows times in UTC with a Z; REST in the shop's own offset
(platforms/shopify.md §4.3, §7). A shop without protected-customer-data access sees no
customer, addresses, email or phone in either.

The ids of an order's parts are made from its legacy id, so a gid alone finds its order: of
order L, line item N is L·100 + N (N ≤ 49) and its fulfillment-order line item L·100 + 50 + N
(never a line item's number, so mixing the two up fails as on Shopify); fulfillment order and
fulfillment N are L·100 + N too, each in its own gid type. An order's legacy id stays below
2**53 / 100, so every id is an exact JSON number.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandbox.values import dump_json

MAX_PAGE = 250  # nodes a connection returns at most
PARTS = 100  # ids of an order's parts: legacy id × PARTS + their number
LOCATION_NAME = "Shop location"
LOCATION_ID = 71_234_567_890
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")
REST_FULFILLMENT = {"UNFULFILLED": None, "PARTIALLY_FULFILLED": "partial", "FULFILLED": "fulfilled"}
PROTECTED = ("customer", "shipping_address", "billing_address", "email", "phone")


# -- plain values --------------------------------------------------------------------------------------


def utc_z(moment: datetime | None) -> str | None:
    """A time as the document and GraphQL write it: UTC, whole seconds, Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_z(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_time(text: str | None, zone: str) -> str | None:
    """A document time in the shop's offset, as REST and webhooks write it (2026-12-04T10:00:00-05:00)."""
    if text is None:
        return None
    return from_z(text).astimezone(ZoneInfo(zone)).isoformat()


def money(value) -> str:
    """An amount as Shopify's JSON carries it: a string with two decimals."""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def gid_number(value, kind: str) -> int | None:
    """N of `gid://shopify/<kind>/N` (query parameters ignored), or None for anything else."""
    prefix = f"gid://shopify/{kind}/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    number = value[len(prefix) :].partition("?")[0]
    return int(number) if number.isascii() and number.isdigit() and len(number) < 19 else None


def owner_of(part_id: int) -> int:
    """The legacy id of the order a part's id belongs to."""
    return part_id // PARTS


def encode_cursor(payload: dict) -> str:
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict | None:
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


# -- the document's derived values ---------------------------------------------------------------------


def fulfillment_status(doc: dict) -> str:
    """UNFULFILLED, PARTIALLY_FULFILLED or FULFILLED, from what the fulfillments sent."""
    sent = sum(line["quantity"] for f in doc["fulfillments"] for line in f["line_items"])
    if sent == 0:
        return "UNFULFILLED"
    remaining = sum(
        line["remaining_quantity"]
        for fo in doc["fulfillment_orders"]
        if fo["status"] in OPEN_STATUSES
        for line in fo["line_items"]
    )
    return "FULFILLED" if remaining == 0 else "PARTIALLY_FULFILLED"


def unfulfilled(doc: dict, line_item_id: int) -> int:
    return sum(
        line["remaining_quantity"]
        for fo in doc["fulfillment_orders"]
        if fo["status"] in OPEN_STATUSES
        for line in fo["line_items"]
        if line["line_item_id"] == line_item_id
    )


def fulfilled(doc: dict, line_item_id: int) -> int:
    return sum(line["quantity"] for f in doc["fulfillments"] for line in f["line_items"] if line["id"] == line_item_id)


# -- GraphQL ---------------------------------------------------------------------------------------------


def money_bag(amount, currency: str) -> dict:
    value = {"amount": money(amount), "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def in_memory_connection(items: list, make_node, first=None, after=None, last=None, before=None, reverse=False):
    """A connection over a short list held in the document (line items, fulfillment orders).

    Cursors carry the item's id, so one stays valid however the list is read. Raises
    ValueError (a GraphQL error) for a cursor that names no item of the list.
    """
    check_page_size(first, last)
    ordered = list(reversed(items)) if reverse else list(items)
    ids = [item["id"] for item in ordered]

    def position(cursor: str) -> int:
        payload = decode_cursor(cursor)
        if payload is None or payload.get("last_id") not in ids:
            raise ValueError(f"Invalid cursor: {cursor}")
        return ids.index(payload["last_id"])

    start, end = 0, len(ordered)
    if after:
        start = position(after) + 1
    if before:
        end = min(end, position(before))
    window = ordered[start:end] if start < end else []
    chosen = window
    if first is not None:
        chosen = chosen[:first]
    if last is not None:
        chosen = chosen[-last:] if last else []
    has_next = (first is not None and len(window) > first) or (end < len(ordered) and before is not None)
    has_previous = (last is not None and len(window) > last) or (start > 0 and after is not None)
    return connection(
        [(make_node(item), encode_cursor({"last_id": item["id"]})) for item in chosen], has_next, has_previous
    )


def check_page_size(first: int | None, last: int | None) -> None:
    """Shopify's page limits: at most 250 nodes, and never a negative count (a GraphQL error)."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise ValueError(f"{name} must be less than or equal to {MAX_PAGE}; got {value}")
        if value is not None and value < 0:
            raise ValueError(f"{name} must be greater than or equal to 0; got {value}")


def connection(pairs: list[tuple[dict, str]], has_next: bool, has_previous) -> dict:
    """A connection's fields from (node, cursor) pairs. `has_previous` may be a callable (asked only
    when a query selects it)."""
    return {
        "nodes": [node for node, _ in pairs],
        "edges": [{"cursor": cursor, "node": node} for node, cursor in pairs],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": (lambda info: has_previous()) if callable(has_previous) else has_previous,
            "startCursor": pairs[0][1] if pairs else None,
            "endCursor": pairs[-1][1] if pairs else None,
        },
    }


class GraphQLOrder:
    """Makes the GraphQL `Order` (nested dicts, connections as callables) of a document."""

    def __init__(self, doc: dict, *, redact: bool):
        self.doc, self.redact = doc, redact
        self.currency = doc["currency"]
        self.lines = {line["id"]: line for line in doc["line_items"]}

    def bag(self, amount) -> dict:
        return money_bag(amount, self.currency)

    def order(self) -> dict:
        doc, bag = self.doc, self.bag
        order_gid = gid("Order", doc["id"])
        return {
            "id": order_gid,
            "legacyResourceId": str(doc["id"]),
            "name": doc["name"],
            "confirmationNumber": doc["confirmation_number"],
            "confirmed": True,
            "createdAt": doc["created_at"],
            "updatedAt": doc["updated_at"],
            "processedAt": doc["processed_at"],
            "cancelledAt": doc["cancelled_at"],
            "cancelReason": doc["cancel_reason"],
            "closed": doc["closed_at"] is not None,
            "closedAt": doc["closed_at"],
            "test": doc["test"],
            "displayFinancialStatus": doc["financial_status"],
            "displayFulfillmentStatus": doc["fulfillment_status"],
            "currencyCode": self.currency,
            "presentmentCurrencyCode": self.currency,
            "email": None if self.redact else doc["email"],
            "phone": None if self.redact else doc["phone"],
            "note": doc["note"],
            "tags": list(doc["tags"]),
            "poNumber": doc["po_number"],
            "sourceName": doc["source_name"],
            "customAttributes": [{"key": a["name"], "value": a["value"]} for a in doc["note_attributes"]],
            "totalPriceSet": bag(doc["total_price"]),
            "currentTotalPriceSet": bag(doc["current_total_price"]),
            "subtotalPriceSet": bag(doc["subtotal_price"]),
            "totalShippingPriceSet": bag(doc["total_shipping"]),
            "totalDiscountsSet": bag(doc["total_discounts"]),
            "totalTaxSet": bag(doc["total_tax"]),
            "customer": None if self.redact else self.customer(doc["customer"]),
            "shippingAddress": None if self.redact else self.address(doc["shipping_address"], 1),
            "billingAddress": None if self.redact else self.address(doc["billing_address"], 2),
            "shippingLine": self.shipping_line(doc["shipping_line"]),
            "lineItems": lambda info, **args: in_memory_connection(doc["line_items"], self.line_item, **args),
            "fulfillmentOrders": lambda info, **args: in_memory_connection(
                doc["fulfillment_orders"], self.fulfillment_order, **_paging(args)
            ),
            "fulfillments": lambda info, first=None: [
                self.fulfillment(f) for f in doc["fulfillments"][: first if first is not None else None]
            ],
        }

    def customer(self, customer: dict | None) -> dict | None:
        if customer is None:
            return None
        first, last = customer["first_name"], customer["last_name"]
        return {
            "id": gid("Customer", customer["id"]),
            "legacyResourceId": str(customer["id"]),
            "firstName": first,
            "lastName": last,
            "displayName": " ".join(part for part in (first, last) if part) or customer.get("email") or "",
            "email": customer.get("email"),
            "phone": customer.get("phone"),
        }

    def address(self, address: dict | None, kind: int) -> dict | None:
        if address is None:
            return None
        return {
            "id": gid("MailingAddress", self.doc["id"] * 10 + kind) + "?model_name=Address",
            "name": address["name"],
            "firstName": address["first_name"],
            "lastName": address["last_name"],
            "company": address["company"],
            "address1": address["address1"],
            "address2": address["address2"],
            "city": address["city"],
            "province": address["province"],
            "provinceCode": address["province_code"],
            "zip": address["zip"],
            "country": address["country"],
            "countryCodeV2": address["country_code"],
            "phone": address["phone"],
        }

    def shipping_line(self, line: dict | None) -> dict | None:
        if line is None:
            return None
        return {
            "id": gid("ShippingLine", line["id"]),
            "title": line["title"],
            "code": line["code"],
            "source": line["source"],
            "carrierIdentifier": None,
            "originalPriceSet": self.bag(line["price"]),
        }

    def line_item(self, line: dict) -> dict:
        bag = self.bag
        total = Decimal(line["price"]) * line["quantity"]
        return {
            "id": gid("LineItem", line["id"]),
            "sku": line["sku"],
            "title": line["title"],
            "name": line_name(line),
            "variantTitle": line["variant_title"],
            "vendor": line["vendor"],
            "quantity": line["quantity"],
            "currentQuantity": line["current_quantity"],
            "unfulfilledQuantity": unfulfilled(self.doc, line["id"]),
            "requiresShipping": line["requires_shipping"],
            "customAttributes": [],
            "image": None,
            "originalUnitPriceSet": bag(line["price"]),
            "discountedUnitPriceSet": bag(line["price"]),
            "originalTotalSet": bag(total),
            "totalDiscountSet": bag("0"),
            "product": {
                "id": gid("Product", line["product_id"]),
                "legacyResourceId": str(line["product_id"]),
                "title": line["title"],
            },
            "variant": {
                "id": gid("ProductVariant", line["variant_id"]),
                "legacyResourceId": str(line["variant_id"]),
                "sku": line["sku"],
                "barcode": line["barcode"],
                "title": line["variant_title"] or "Default Title",
            },
        }

    def fulfillment_order(self, fo: dict) -> dict:
        doc = self.doc
        return {
            "id": gid("FulfillmentOrder", fo["id"]),
            "status": fo["status"],
            "requestStatus": "UNSUBMITTED",
            "fulfillAt": fo["created_at"],
            "orderId": gid("Order", doc["id"]),
            "orderName": doc["name"],
            "assignedLocation": {
                "name": LOCATION_NAME,
                "location": {
                    "id": gid("Location", LOCATION_ID),
                    "legacyResourceId": str(LOCATION_ID),
                    "name": LOCATION_NAME,
                },
            },
            "supportedActions": (
                [{"action": "CREATE_FULFILLMENT", "externalUrl": None}] if fo["status"] in OPEN_STATUSES else []
            ),
            "lineItems": lambda info, **args: in_memory_connection(
                fo["line_items"], self.fulfillment_order_line, **args
            ),
        }

    def fulfillment_order_line(self, line: dict) -> dict:
        item = self.lines[line["line_item_id"]]
        return {
            "id": gid("FulfillmentOrderLineItem", line["id"]),
            "remainingQuantity": line["remaining_quantity"],
            "totalQuantity": line["total_quantity"],
            "sku": item["sku"],
            "lineItem": self.line_item(item),
        }

    def fulfillment(self, fulfillment: dict) -> dict:
        tracking = [self.tracking(t) for t in fulfillment["tracking"]]
        return {
            "id": gid("Fulfillment", fulfillment["id"]),
            "legacyResourceId": str(fulfillment["id"]),
            "status": fulfillment["status"],
            "createdAt": fulfillment["created_at"],
            "trackingInfo": lambda info, first=None: tracking[: first if first is not None else None],
        }

    @staticmethod
    def tracking(tracking: dict) -> dict:
        return {"number": tracking["number"], "url": tracking["url"], "company": tracking["company"]}


def _paging(args: dict) -> dict:
    """The paging arguments of a connection field (others, like `displayable` or `query`, are not served)."""
    return {key: args.get(key) for key in ("first", "after", "last", "before")} | {"reverse": bool(args.get("reverse"))}


def line_name(line: dict) -> str:
    return f"{line['title']} - {line['variant_title']}" if line["variant_title"] else line["title"]


# -- REST (webhook bodies) ---------------------------------------------------------------------------------


def rest_order(doc: dict, *, zone: str, redact: bool) -> dict:
    """The order as the REST Admin API (and so a webhook) shows it."""
    currency = doc["currency"]

    def when(key: str) -> str | None:
        return local_time(doc[key], zone)

    def money_set(amount) -> dict:
        value = {"amount": money(amount), "currency_code": currency}
        return {"shop_money": value, "presentment_money": dict(value)}

    body = {
        "id": doc["id"],
        "admin_graphql_api_id": gid("Order", doc["id"]),
        "name": doc["name"],
        "order_number": doc["number"],
        "number": doc["number"] - 1000,
        "confirmation_number": doc["confirmation_number"],
        "created_at": when("created_at"),
        "updated_at": when("updated_at"),
        "processed_at": when("processed_at"),
        "cancelled_at": when("cancelled_at"),
        "cancel_reason": doc["cancel_reason"].lower() if doc["cancel_reason"] else None,
        "closed_at": when("closed_at"),
        "financial_status": doc["financial_status"].lower(),
        "fulfillment_status": REST_FULFILLMENT[doc["fulfillment_status"]],
        "confirmed": True,
        "test": doc["test"],
        "currency": currency,
        "presentment_currency": currency,
        "email": doc["email"],
        "contact_email": doc["email"],
        "phone": doc["phone"],
        "note": doc["note"],
        "tags": ", ".join(doc["tags"]),
        "note_attributes": [{"name": a["name"], "value": a["value"]} for a in doc["note_attributes"]],
        "source_name": doc["source_name"],
        "po_number": doc["po_number"],
        "taxes_included": doc["taxes_included"],
        "total_price": money(doc["total_price"]),
        "current_total_price": money(doc["current_total_price"]),
        "subtotal_price": money(doc["subtotal_price"]),
        "total_line_items_price": money(doc["subtotal_price"]),
        "total_discounts": money(doc["total_discounts"]),
        "total_tax": money(doc["total_tax"]),
        "total_price_set": money_set(doc["total_price"]),
        "subtotal_price_set": money_set(doc["subtotal_price"]),
        "total_discounts_set": money_set(doc["total_discounts"]),
        "total_shipping_price_set": money_set(doc["total_shipping"]),
        "total_tax_set": money_set(doc["total_tax"]),
        "customer": _rest_customer(doc["customer"]),
        "shipping_address": _rest_address(doc["shipping_address"]),
        "billing_address": _rest_address(doc["billing_address"]),
        "shipping_lines": [_rest_shipping_line(doc["shipping_line"], money_set)] if doc["shipping_line"] else [],
        "line_items": [_rest_line_item(doc, line, money_set) for line in doc["line_items"]],
        "fulfillments": [_rest_fulfillment(doc, f, zone) for f in doc["fulfillments"]],
    }
    if redact:
        body.update({key: None for key in PROTECTED}, contact_email=None)
    return body


def rest_body(doc: dict, *, zone: str, redact: bool) -> str:
    """The exact webhook body: compact JSON, UTF-8 as is."""
    return dump_json(rest_order(doc, zone=zone, redact=redact))


def _rest_customer(customer: dict | None) -> dict | None:
    if customer is None:
        return None
    return {
        "id": customer["id"],
        "admin_graphql_api_id": gid("Customer", customer["id"]),
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "email": customer.get("email"),
        "phone": customer.get("phone"),
    }


ADDRESS_KEYS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country",
    "country_code",
    "phone",
)


def _rest_address(address: dict | None) -> dict | None:
    return None if address is None else {key: address[key] for key in ADDRESS_KEYS}


def _rest_shipping_line(line: dict, money_set) -> dict:
    return {
        "id": line["id"],
        "title": line["title"],
        "code": line["code"],
        "source": line["source"],
        "price": money(line["price"]),
        "price_set": money_set(line["price"]),
    }


def _rest_line_item(doc: dict, line: dict, money_set) -> dict:
    sent = fulfilled(doc, line["id"])
    return {
        "id": line["id"],
        "admin_graphql_api_id": gid("LineItem", line["id"]),
        "product_id": line["product_id"],
        "variant_id": line["variant_id"],
        "sku": line["sku"],
        "title": line["title"],
        "name": line_name(line),
        "variant_title": line["variant_title"],
        "vendor": line["vendor"],
        "quantity": line["quantity"],
        "current_quantity": line["current_quantity"],
        "fulfillable_quantity": unfulfilled(doc, line["id"]),
        "fulfillment_status": None if sent == 0 else ("fulfilled" if sent >= line["quantity"] else "partial"),
        "price": money(line["price"]),
        "price_set": money_set(line["price"]),
        "total_discount": "0.00",
        "requires_shipping": line["requires_shipping"],
        "taxable": True,
        "gift_card": False,
        "grams": line["grams"],
    }


def _rest_fulfillment(doc: dict, fulfillment: dict, zone: str) -> dict:
    tracking = fulfillment["tracking"]
    return {
        "id": fulfillment["id"],
        "admin_graphql_api_id": gid("Fulfillment", fulfillment["id"]),
        "order_id": doc["id"],
        "status": fulfillment["status"].lower(),
        "created_at": local_time(fulfillment["created_at"], zone),
        "tracking_company": tracking[0]["company"] if tracking else None,
        "tracking_number": tracking[0]["number"] if tracking else None,
        "tracking_numbers": [t["number"] for t in tracking if t["number"]],
        "tracking_url": tracking[0]["url"] if tracking else None,
        "tracking_urls": [t["url"] for t in tracking if t["url"]],
        "line_items": [{"id": line["id"], "quantity": line["quantity"]} for line in fulfillment["line_items"]],
    }
