"""Partner Picking: the body of `PUT /v2/chains/{chain_id}/orders/{order_id}`.

One endpoint, keyed by `status`, takes the whole item list each time: UPDATE_CART for
item changes before fulfilment, READY_FOR_PICKUP (platform riders) or DISPATCHED (own
riders) to fulfil, CANCELLED with a reason. The field names come from clients that
follow the spec (see `platforms/partner_api.md` §2.3), not from the spec itself; they
are written here only, so a correction is one place.

The body is state-setting: the items as the platform holds them now, with the
merchant's marks applied. Marking an item again replaces its earlier mark (and its
earlier replacement line), so sending the same update twice sends the same body.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import first_help
from ..errors import PlatformError, PlatformFailure, TransientError
from .words import delivery_words


@dataclass(frozen=True)
class ItemUpdate:
    """What picking did to one order line: found, not found or replaced."""

    item_id: str
    status: str  # IN_CART, NOT_FOUND, REPLACED
    replacement_sku: str = ""
    replacement_name: str = ""
    quantity: int | None = None


@dataclass(frozen=True)
class OrderUpdate:
    """An order update the merchant sends from the order page: the status to set, the item marks."""

    status: str  # UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED
    items: tuple[ItemUpdate, ...] = ()
    cancel_reason: str = ""

    def payload(self) -> dict[str, Any]:
        """As an action keeps it (JSON)."""
        return dataclasses.asdict(self)

    @classmethod
    def of(cls, payload: dict[str, Any]) -> OrderUpdate:
        """The update an action's payload holds."""
        return cls(
            status=payload["status"],
            items=tuple(ItemUpdate(**item) for item in payload.get("items") or ()),
            cancel_reason=payload.get("cancel_reason") or "",
        )


# The chain's picking mode (a credential): Pelican is read only, Partner Picking updates orders.
PELICAN, PARTNER_PICKING = "pelican", "partner"
UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED = "UPDATE_CART", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"
LOGISTICS_DELIVERY, VENDOR_DELIVERY = "LOGISTICS_DELIVERY", "VENDOR_DELIVERY"
ITEM_STATUSES = ("IN_CART", "NOT_FOUND", "REPLACED")
ITEM_STATUS_LABELS = {
    "NOT_PROCESSED": "Not picked yet",
    "IN_CART": "Picked",
    "NOT_FOUND": "Not found",
    "REPLACED": "Replaced",
    "ADDITION": "Added by the picker",
}
CANCEL_REASONS = (
    ("ITEM_UNAVAILABLE", "Items unavailable"),
    ("TOO_BUSY", "Too busy"),
    ("CLOSED", "Store closed"),
)
# The fulfilment the order's delivery takes: platform riders collect, own riders deliver.
FULFIL_BY_TRANSPORT = {LOGISTICS_DELIVERY: READY_FOR_PICKUP, VENDOR_DELIVERY: DISPATCHED}
STATUS_LABELS = {
    UPDATE_CART: "Send picked items",
    READY_FOR_PICKUP: "Ready for pickup",
    DISPATCHED: "Dispatched",
    CANCELLED: "Cancel order",
}
DONE = {
    UPDATE_CART: "The Partner API has the picked items.",
    READY_FOR_PICKUP: "The Partner API marked the order ready for pickup.",
    DISPATCHED: "The Partner API marked the order dispatched.",
    CANCELLED: "The Partner API cancelled the order.",
}
READ_ONLY = "Pelican Picking is read only: orders are updated in the Pelican app."
# The option `partner.normalize_order` gives each item: its picking status.
PICKING_OPTION = "Picking"
# The way out of a refused update, by what the platform said.
REFUSAL_HELP = (
    (
        re.compile(r"\b(already|is|was|been) cancel", re.I),
        "The order is cancelled on the Partner API, so nothing more can be sent for it; this page now shows it as "
        "the platform holds it.",
    ),
    (
        re.compile(r"HTTP 404", re.I),
        "The Partner API no longer has this order (it keeps orders for 60 days); it can only be handled in the "
        "Partner Portal now.",
    ),
    (
        re.compile(r"\bsku\b|replace|item", re.I),
        "Check the marks and the replacement SKUs (a replacement must be in the store's catalog), then send again.",
    ),
    (
        re.compile(r"status|transition|already|dispatched|ready|picked", re.I),
        "The order has moved on on the Partner API: this page now shows where it stands; send only what still applies.",
    ),
)


def read_only_words(credentials: dict[str, str]) -> str:
    """Why orders of this connection cannot be updated from the portal ('' when they can)."""
    return READ_ONLY if credentials.get("picking_mode") == PELICAN else ""


def refusal_help(error: PlatformFailure) -> str:
    """How the merchant gets past a refused update ('' when nothing fits)."""
    return first_help(REFUSAL_HELP, error) if isinstance(error, PlatformError) else ""


def mark_words(mark: str) -> str:
    """An item's picking mark in words (one the portal does not know as such)."""
    return ITEM_STATUS_LABELS.get(mark or "NOT_PROCESSED", "Marked in a way the portal does not know")


def fulfil_statuses(transport_type: str) -> tuple[str, ...]:
    """The fulfilment an order takes; both when its delivery is not known."""
    known = FULFIL_BY_TRANSPORT.get(str(transport_type or "").upper())
    return (known,) if known else tuple(FULFIL_BY_TRANSPORT.values())


def transport_problem(transport_type: str, status: str) -> str:
    """Why `status` does not fit an order of this delivery ('' when it does)."""
    if status not in FULFIL_BY_TRANSPORT.values() or status in fulfil_statuses(transport_type):
        return ""
    fits = STATUS_LABELS[fulfil_statuses(transport_type)[0]]
    delivery = delivery_words(transport_type).lower()
    return f"\u201c{STATUS_LABELS[status]}\u201d does not fit this order ({delivery}): send \u201c{fits}\u201d for it."


def request_body(current: Any, update: OrderUpdate) -> dict[str, Any]:
    """The PUT body: the order's items as the platform holds them, with the picking applied."""
    if not isinstance(current, dict) or not isinstance(current.get("items", []), list):
        raise TransientError("The Partner API sent something other than an order.")
    if update.status not in DONE:
        raise PlatformError(f"{update.status} is not an update the portal sends.")
    problem = transport_problem(str(current.get("transport_type") or "").upper(), update.status)
    if problem:
        raise PlatformError(problem)
    items = [copy.deepcopy(i) for i in current.get("items") or [] if isinstance(i, dict)]
    by_id = {str(i["_id"]): i for i in items if i.get("_id") not in (None, "")}
    if len({change.item_id for change in update.items}) < len(update.items):
        raise PlatformError("An item is marked twice in one update.")
    for change in update.items:
        item = by_id.get(change.item_id)
        if item is None:
            raise PlatformError(f"Item {change.item_id} is not on this order any more: reload the order.")
        items = _with_replacement(items, change.item_id, _apply(item, change))
    body: dict[str, Any] = {"order_id": current.get("order_id"), "status": update.status, "items": items}
    if update.status == CANCELLED:
        reason = update.cancel_reason or CANCEL_REASONS[0][0]
        if reason not in dict(CANCEL_REASONS):
            raise PlatformError(f"{reason} is not a cancellation reason the Partner API takes.")
        body["cancellation"] = {"reason": reason, "cancelled_by": "VENDOR"}
    return body


def _apply(item: dict[str, Any], change: ItemUpdate) -> dict[str, Any] | None:
    """Set the item's status; a picked quantity is the item's, a replacement's is its new line's.

    Returns the replacement line of a REPLACED item, else None.
    """
    if change.status not in ITEM_STATUSES:
        raise PlatformError(f"{change.status} is not a picking status.")
    if change.quantity is not None and change.quantity < 1:
        raise PlatformError("A picked or replacing quantity is at least 1; mark the item not found instead.")
    item["status"] = change.status
    pricing = item.get("pricing") if isinstance(item.get("pricing"), dict) else {}
    if change.status == "IN_CART" and change.quantity is not None:
        item["pricing"] = _with_quantity(pricing, change.quantity)
    if change.status != "REPLACED":
        return None
    if not change.replacement_sku:
        raise PlatformError("A replaced item needs the SKU of what replaces it.")
    return {
        "sku": change.replacement_sku,
        "name": change.replacement_name or change.replacement_sku,
        "status": "IN_CART",
        "replaced_id": item.get("_id"),
        "pricing": _with_quantity(pricing, change.quantity) if change.quantity is not None else copy.deepcopy(pricing),
    }


def _with_replacement(items: list[dict], item_id: str, line: dict[str, Any] | None) -> list[dict]:
    """The items with `line` as the one live replacement of `item_id` (none when `line` is None).

    Whether a PUT's items are the whole list (a line left out is gone) or only the lines to
    change (a line left out stays) is not documented, so a body here means the same either
    way: a replacement line the platform holds is never left out. One of the same SKU keeps
    its place and `_id` and takes the new quantity; any other is sent back NOT_FOUND
    (withdrawn: it counts towards nothing), and a new SKU is a new line.
    """
    held = [i for i, item in enumerate(items) if str(item.get("replaced_id") or "") == item_id]
    same = next((i for i in held if line and items[i].get("sku") == line["sku"]), None)
    result = []
    for i, item in enumerate(items):
        if i == same:
            result.append({**line, "_id": item["_id"]} if item.get("_id") else line)
        elif i in held:
            result.append({**item, "status": "NOT_FOUND"})
        else:
            result.append(item)
    if line and same is None:
        result.append(line)
    return result


def _with_quantity(pricing: dict[str, Any], quantity: int) -> dict[str, Any]:
    """A copy of `pricing` for `quantity` units; a unit-priced total follows the quantity."""
    pricing = {**copy.deepcopy(pricing), "quantity": quantity}
    if str(pricing.get("pricing_type") or "UNIT").upper() == "UNIT" and pricing.get("unit_price") is not None:
        with contextlib.suppress(InvalidOperation):
            pricing["total_price"] = float(Decimal(str(pricing["unit_price"])) * quantity)
    return pricing


def marks_words(items: tuple[ItemUpdate, ...]) -> str:
    """'2 picked, 1 replaced by OAT-1L' for a list of marks ('' for none)."""
    counts = {status: sum(1 for i in items if i.status == status) for status in ITEM_STATUSES}
    words = [f"{counts[s]} {ITEM_STATUS_LABELS[s].lower()}" for s in ITEM_STATUSES[:2] if counts[s]]
    replacements = ", ".join(i.replacement_sku for i in items if i.status == "REPLACED")
    if counts["REPLACED"]:
        words.append(f"{counts['REPLACED']} replaced by {replacements}")
    return ", ".join(words)


def done_words(update: OrderUpdate) -> str:
    """What the platform now holds, for the action's result and the order's timeline."""
    details = marks_words(update.items)
    if update.status == CANCELLED:
        reason = update.cancel_reason or CANCEL_REASONS[0][0]
        details = ", ".join(filter(None, [dict(CANCEL_REASONS).get(reason, reason), details]))
    return f"{DONE[update.status][:-1]} ({details})." if details else DONE[update.status]
