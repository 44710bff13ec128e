"""What a partner may do to a fake Partner API order, with the platform's rules (partner_api.md §2.3, §5).

One endpoint changes orders: `PUT /v2/chains/{chain_id}/orders/{order_id}`, keyed by
`status` (UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED, ACCEPTED), Partner Picking
only. `apply_update` holds its rules; the platform's own moves are `partner_data.set_status`.
Both save through `save_change`, which keeps the columns and the JSON in step and moves
sys.updated_at on by at least a millisecond, and both queue the webhook the platform sends.
A refusal raises `PartnerError`, which the API answers as {"error", "message"}.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

from sandbox.values import dump_json, iso_ms, to_ms

from . import webhooks as partner_webhooks
from .models import LOGISTICS_DELIVERY, VENDOR_DELIVERY, SandboxPartnerChain, SandboxPartnerOrder

RETENTION = timedelta(days=60)  # GET reaches orders of the last 60 days only
UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED, ACCEPTED = (
    "UPDATE_CART",
    "READY_FOR_PICKUP",
    "DISPATCHED",
    "CANCELLED",
    "ACCEPTED",
)
PUT_STATUSES = (UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED, ACCEPTED)
ITEM_STATUSES = ("NOT_PROCESSED", "IN_CART", "NOT_FOUND", "REPLACED", "ADDITION")
# Lines that count towards the order's total (NOT_FOUND and REPLACED lines do not).
CHARGED_ITEM_STATUSES = ("NOT_PROCESSED", "IN_CART", "ADDITION")
CANCEL_REASONS = ("CLOSED", "ITEM_UNAVAILABLE", "TOO_BUSY")
# Where an order has gone past the point a partner may change it.
ALREADY_OUT = {DISPATCHED: "dispatched", "picked_up": "picked up by the rider", "DELIVERED": "delivered"}
# The fulfilment each delivery takes: platform riders collect, own riders deliver.
FULFILMENT = {LOGISTICS_DELIVERY: READY_FOR_PICKUP, VENDOR_DELIVERY: DISPATCHED}
PARTNER = "PARTNER"  # sys.updated_by for changes made through the API


class PartnerError(Exception):
    """A refusal the API reports as `{"error": error, "message": message}` with `status`."""

    ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}

    def __init__(self, status: int, message: str, error: str | None = None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.error = error or self.ERRORS.get(status, "error")


def get_order(
    chain: SandboxPartnerChain, order_id: str, *, for_update: bool = False, now: datetime | None = None
) -> SandboxPartnerOrder:
    """The chain's order by its UUID: 400 for another shape, 404 unknown, another chain's or older than 60 days."""
    try:
        wanted = uuid.UUID(str(order_id))
    except ValueError:
        raise PartnerError(
            400, f"order_id must be a UUID, like 3fa85f64-5717-4562-b3fc-2c963f66afa6; got {order_id!r}"
        ) from None
    orders = SandboxPartnerOrder.objects.select_related("chain", "vendor")
    if for_update:
        orders = orders.select_for_update()
    found = orders.filter(
        chain=chain, order_id=wanted, created_at__gte=(now or chain.account.now()) - RETENTION
    ).first()
    if found is None:
        raise PartnerError(404, f"Order {wanted} not found (orders are kept for 60 days)")
    return found


def save_change(order: SandboxPartnerOrder, doc: dict, *, by: str) -> None:
    """Save `doc` as the order's new state. sys.updated_at is now, and always after the last one.

    Call it with the order's row locked, so two changes cannot read the same last value.
    """
    moment = to_ms(order.chain.account.now())
    if moment <= order.updated_at:
        moment = order.updated_at + timedelta(milliseconds=1)
    order.updated_at = moment
    doc["sys"] = {**doc.get("sys", {}), "updated_at": iso_ms(moment), "updated_by": by}
    order.status = doc["status"]
    order.document = dump_json(doc)
    order.save(update_fields=["status", "updated_at", "document"])


# -- the PUT ----------------------------------------------------------------------------------------------


def apply_update(order: SandboxPartnerOrder, body) -> bool:
    """Apply a PUT body to the (locked) order, queue its webhook; False when nothing changed."""
    if order.chain.is_pelican:
        raise PartnerError(403, "Order updates are not allowed for Pelican Picking: the Pelican app picks orders")
    if not isinstance(body, dict):
        raise PartnerError(400, "The body must be a JSON object with order_id, status and items")
    status = body.get("status")
    if status not in PUT_STATUSES:
        raise PartnerError(400, f"status must be one of {', '.join(PUT_STATUSES)}, not {status!r}")
    if body.get("order_id") not in (None, "") and str(body["order_id"]).lower() != str(order.order_id):
        raise PartnerError(400, f"The body's order_id {body['order_id']!r} is not the order in the path")
    if status == order.status:
        return False  # sent again: the order already has it
    _check_transition(order, status)
    doc = order.parsed()
    if body.get("items") is not None:
        doc["items"] = apply_items(doc["items"], body["items"])
        doc["payment"] = payment(doc["items"], doc["payment"])
    elif status == UPDATE_CART:
        raise PartnerError(400, "UPDATE_CART needs the items")
    if status == CANCELLED:
        doc["cancellation"] = _cancellation(body.get("cancellation"))
    if status == ACCEPTED:
        doc["accepted_for"] = _accepted_for(body.get("accepted_for"))
    if status != UPDATE_CART:
        doc["status"] = status
    if doc == order.parsed():
        return False  # an UPDATE_CART that changes nothing
    save_change(order, doc, by=PARTNER)
    event = {READY_FOR_PICKUP: READY_FOR_PICKUP, CANCELLED: CANCELLED}.get(status)
    if status == DISPATCHED:
        event = order.chain.vendor_delivery_confirmation
    if event:
        partner_webhooks.queue(order.chain, [(order, event)])
    return True


def _check_transition(order: SandboxPartnerOrder, status: str) -> None:
    if order.status == CANCELLED:
        raise PartnerError(409, f"Order {order.order_code} is already cancelled")
    if order.status in ALREADY_OUT:
        raise PartnerError(409, f"Order {order.order_code} is already {ALREADY_OUT[order.status]}")
    fits = FULFILMENT[order.transport_type]
    if status in FULFILMENT.values() and status != fits:
        raise PartnerError(400, f"{status} does not fit a {order.transport_type} order: send {fits} when it is ready")
    if status == ACCEPTED and order.transport_type != VENDOR_DELIVERY:
        raise PartnerError(400, f"ACCEPTED is for VENDOR_DELIVERY orders only; this one is {order.transport_type}")
    if status in (UPDATE_CART, ACCEPTED) and order.status not in ("RECEIVED", ACCEPTED):
        raise PartnerError(409, f"Order {order.order_code} is already {order.status}: {status} comes before that")


def _cancellation(value) -> dict:
    cancellation = value if isinstance(value, dict) else {}
    reason, cancelled_by = cancellation.get("reason"), cancellation.get("cancelled_by")
    if reason not in CANCEL_REASONS:
        raise PartnerError(
            400, f"CANCELLED needs cancellation.reason, one of {', '.join(CANCEL_REASONS)}; got {reason!r}"
        )
    if not isinstance(cancelled_by, str) or not cancelled_by.strip():
        raise PartnerError(400, "CANCELLED needs cancellation.cancelled_by, for example VENDOR")
    return {"reason": reason, "cancelled_by": cancelled_by.strip()}


def _accepted_for(value) -> str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PartnerError(400, f"ACCEPTED needs accepted_for, an ISO 8601 time; got {value!r}") from None
    return iso_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


# -- items and money ------------------------------------------------------------------------------------------


def apply_items(held: list[dict], changes) -> list[dict]:
    """The order's items with the body's changes: statuses and quantities of held lines by `_id`,
    and new lines, which replace one (`replaced_id`) or are an ADDITION. Lines the body leaves
    out stay as they are; a replacement line set NOT_FOUND is withdrawn (it counts for nothing)."""
    if not isinstance(changes, list):
        raise PartnerError(400, "items must be a list")
    items = [copy.deepcopy(item) for item in held]
    by_id = {item["_id"]: item for item in items}
    seen: set[str] = set()
    for position, change in enumerate(changes):
        if not isinstance(change, dict):
            raise PartnerError(400, f"items[{position}] must be an object")
        if change.get("status", "IN_CART") not in ITEM_STATUSES:
            raise PartnerError(400, f"items[{position}].status must be one of {', '.join(ITEM_STATUSES)}")
        item_id = change.get("_id")
        if item_id in (None, ""):
            items.append(_new_line(change, by_id, position))
            continue
        if item_id not in by_id:
            raise PartnerError(400, f"Unknown item _id {item_id!r}: it is not an item of this order")
        if item_id in seen:
            raise PartnerError(400, f"Item {item_id} is listed twice")
        seen.add(item_id)
        item = by_id[item_id]
        item["status"] = change.get("status", item["status"])
        if isinstance(change.get("pricing"), dict):
            item["pricing"] = _pricing(item["pricing"], change["pricing"], position)
    for item in items:
        replaced = by_id.get(item.get("replaced_id") or "")
        # A replacement line sent back NOT_FOUND is withdrawn: its item may be found after all.
        if replaced is not None and item["status"] != "NOT_FOUND" and replaced["status"] != "REPLACED":
            raise PartnerError(400, f"Item {replaced['_id']} has a replacement, so its status must be REPLACED")
    return items


def _new_line(change: dict, by_id: dict[str, dict], position: int) -> dict:
    replaced_id = change.get("replaced_id")
    if replaced_id in (None, "") and change.get("status") != "ADDITION":
        raise PartnerError(
            400, f"items[{position}] has no _id: a new line must replace one (replaced_id) or be an ADDITION"
        )
    if replaced_id not in (None, "") and replaced_id not in by_id:
        raise PartnerError(400, f"items[{position}].replaced_id {replaced_id!r} is not an item of this order")
    if not isinstance(change.get("sku"), str) or not change["sku"]:
        raise PartnerError(400, f"items[{position}] is a new line: it needs a sku")
    base = by_id[replaced_id]["pricing"] if replaced_id else {"pricing_type": "UNIT", "unit_price": 0, "quantity": 1}
    pricing = _pricing(base, change.get("pricing") if isinstance(change.get("pricing"), dict) else {}, position)
    return {
        "_id": uuid.uuid4().hex[:24],
        "sku": change["sku"],
        "barcode": change.get("barcode") if isinstance(change.get("barcode"), list) else [],
        "name": str(change.get("name") or change["sku"]),
        "image_url": str(change.get("image_url") or ""),
        "instructions": "",
        "status": change.get("status", "IN_CART"),
        "pricing": pricing,
        "original_pricing": None,
        "replaced_id": replaced_id or None,
    }


def _pricing(held: dict, change: dict, position: int) -> dict:
    """`held` with the quantity, weight (and, for a new line, unit price) the body sends; a new total."""
    pricing = dict(held)
    for key in ("quantity", "weight", "unit_price", "pricing_type"):
        if change.get(key) is None:
            continue
        if key == "pricing_type":
            if change[key] not in ("UNIT", "KG"):
                raise PartnerError(400, f"items[{position}].pricing.pricing_type must be UNIT or KG")
        elif isinstance(change[key], bool) or not isinstance(change[key], int | float) or change[key] < 0:
            raise PartnerError(400, f"items[{position}].pricing.{key} must be a number, 0 or more")
        pricing[key] = change[key]
    pricing["total_price"] = line_total(pricing)
    return pricing


def line_total(pricing: dict) -> float:
    """A weighed line costs its weight at the price per kg; any other its quantity at the unit price."""
    amount = pricing.get("weight") if pricing.get("pricing_type") == "KG" and pricing.get("weight") else None
    return money(float(pricing.get("unit_price") or 0) * float(amount or pricing.get("quantity") or 0))


def payment(items: list[dict], held: dict) -> dict:
    """The payment block for these items: fees and discount as held, totals worked out again.

    Prices include VAT; total_taxes is the VAT in the charged lines.
    """
    charged = [i["pricing"] for i in items if i["status"] in CHARGED_ITEM_STATUSES]
    sub_total = money(sum(p["total_price"] for p in charged))
    fees = sum(float(held.get(key) or 0) for key in ("delivery_fee", "service_fee", "container_charge"))
    taxes = sum(p["total_price"] * p.get("vat_percent", 0) / (100 + p.get("vat_percent", 0)) for p in charged)
    return {
        **held,
        "sub_total": sub_total,
        "order_total": money(max(0.0, sub_total + fees - float(held.get("discount") or 0))),
        "total_taxes": money(taxes),
    }


def money(value: float) -> float:
    """An amount in the currency's units, to the cent (JSON numbers, as the platform sends them)."""
    return round(value, 2)
