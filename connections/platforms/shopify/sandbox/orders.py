"""Changing a sandbox Shopify order: the one save path, `fulfillmentCreate`'s rules, cancelling, touching.

Every change goes through `save_change`, which writes the document and the columns the
search reads together, moves `updated_at` on (whole seconds, as Shopify's times are, and
always after the last value, so each change's webhook body is newer than the one before)
and queues the shop's webhooks in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from sandbox.values import dump_json

from . import render
from . import webhooks as shopify_webhooks
from .models import SandboxShopifyOrder, SandboxShopifyShop

UPDATED, CANCELLED = "orders/updated", "orders/cancelled"
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER")


def now_seconds(shop: SandboxShopifyShop) -> datetime:
    """The time on the shop's clock (its account's), in whole seconds as Shopify's times are."""
    return shop.account.now().replace(microsecond=0)


def save_change(
    order: SandboxShopifyOrder, doc: dict, *, topics: tuple[str, ...] = (UPDATED,), now: datetime | None = None
) -> None:
    """Save `doc` as the (locked) order's new state, move updated_at on, queue the shop's webhooks."""
    moment = (now or now_seconds(order.shop)).replace(microsecond=0)
    if moment <= order.updated_at:
        moment = order.updated_at.replace(microsecond=0) + timedelta(seconds=1)
    doc["updated_at"] = render.utc_z(moment)
    write_document(order, doc)
    order.save(update_fields=[*COLUMNS, "document"])
    shopify_webhooks.queue(order.shop, [(order, topic) for topic in topics])


COLUMNS = ("updated_at", "cancelled_at", "closed_at", "financial_status", "fulfillment_status", "test")


def write_document(order: SandboxShopifyOrder, doc: dict) -> None:
    """Set the document and the columns that repeat it (unsaved)."""
    order.updated_at = render.from_z(doc["updated_at"])
    order.cancelled_at = render.from_z(doc["cancelled_at"])
    order.closed_at = render.from_z(doc["closed_at"])
    order.financial_status = doc["financial_status"]
    order.fulfillment_status = doc["fulfillment_status"]
    order.test = doc["test"]
    order.document = dump_json(doc)


def cancel_order(
    order: SandboxShopifyOrder, reason: str = "CUSTOMER", *, notify: bool = True, at: datetime | None = None
) -> bool:
    """Cancel an order as the merchant does in the admin: refunded (or voided, if unpaid), restocked,
    its fulfillment orders closed, archived. Queues orders/cancelled and orders/updated. False if it
    was cancelled already. `at`: the time Shopify gives the change instead of now; an earlier one is
    a change its search index shows late, behind an `updated_at` window a sync has already read."""
    reason = reason.upper()
    if reason not in CANCEL_REASONS:
        raise ValueError(f"reason must be one of {', '.join(CANCEL_REASONS)}, not {reason!r}")
    with transaction.atomic():
        locked = SandboxShopifyOrder.objects.select_for_update().select_related("shop").get(pk=order.pk)
        doc = locked.parsed()
        if doc["cancelled_at"] is not None:
            return False
        moment = max((at or now_seconds(locked.shop)).replace(microsecond=0), locked.updated_at + timedelta(seconds=1))
        doc["cancelled_at"] = render.utc_z(moment)
        doc["closed_at"] = doc["closed_at"] or doc["cancelled_at"]
        doc["cancel_reason"] = reason
        doc["financial_status"] = "VOIDED" if doc["financial_status"] in ("PENDING", "AUTHORIZED") else "REFUNDED"
        doc["current_total_price"] = "0.00"
        for line in doc["line_items"]:
            line["current_quantity"] = 0
        for fo in doc["fulfillment_orders"]:
            if fo["status"] in render.OPEN_STATUSES:
                fo["status"] = "CLOSED"
                for fo_line in fo["line_items"]:
                    fo_line["remaining_quantity"] = 0
        save_change(locked, doc, topics=(CANCELLED, UPDATED) if notify else (), now=moment)
    _follow(order, locked)
    return True


def touch_orders(shop: SandboxShopifyShop, orders=None, *, count: int | None = None, notify: bool = True) -> int:
    """Simulate an edit in the admin: each order's updated_at moves to now (its webhook: orders/updated).

    Touches `orders` (a queryset or list), or `count` random orders of the shop, or all of them.
    Returns how many were touched.
    """
    chosen = shop.orders.all() if orders is None else orders
    if count is not None:
        chosen = chosen.order_by("?")[:count] if hasattr(chosen, "order_by") else list(chosen)[:count]
    pks = [o.pk for o in chosen]
    touched = 0
    with transaction.atomic():
        locked = list(SandboxShopifyOrder.objects.select_for_update().select_related("shop").filter(pk__in=pks))
        moment = now_seconds(shop)
        for order in locked:
            doc = order.parsed()
            doc["updated_at"] = render.utc_z(max(moment, order.updated_at + timedelta(seconds=1)))
            write_document(order, doc)
        SandboxShopifyOrder.objects.bulk_update(locked, ["updated_at", "document"], batch_size=500)
        if notify and locked:
            shopify_webhooks.queue(shop, [(order, UPDATED) for order in locked])
        touched = len(locked)
    return touched


def _follow(order: SandboxShopifyOrder, saved: SandboxShopifyOrder) -> None:
    for field in (*COLUMNS, "document"):
        setattr(order, field, getattr(saved, field))


# -- fulfillmentCreate ------------------------------------------------------------------------------------


@dataclass
class UserError(Exception):
    """A business refusal: `fulfillmentCreate` answers `userErrors: [{field, message}]`, HTTP 200."""

    field: list[str]
    message: str


def fulfillment_create(shop: SandboxShopifyShop, fulfillment: dict) -> dict:
    """Run `fulfillmentCreate(fulfillment:)`: its payload, `{fulfillment, userErrors}`.

    The rules of platforms/shopify.md §5.2: every fulfillment order named must exist, belong
    to one order, be open, and have the quantities asked for; omitted line items mean all that
    remains. On success the quantities go down (a fulfillment order with nothing left is
    CLOSED), the order is FULFILLED or PARTIALLY_FULFILLED, and orders/updated is queued.
    """
    try:
        with transaction.atomic():
            made = _fulfil(shop, fulfillment)
    except UserError as refusal:
        return {"fulfillment": None, "userErrors": [{"field": refusal.field, "message": refusal.message}]}
    return {"fulfillment": made, "userErrors": []}


def _fulfil(shop: SandboxShopifyShop, fulfillment: dict) -> dict:
    requests_ = fulfillment.get("lineItemsByFulfillmentOrder") or []
    if not requests_:
        raise UserError(
            ["fulfillment", "lineItemsByFulfillmentOrder"], "Line items by fulfillment order can't be blank."
        )
    field = ["fulfillment", "lineItemsByFulfillmentOrder"]
    numbers = []
    for index, request in enumerate(requests_):
        number = render.gid_number(request.get("fulfillmentOrderId"), "FulfillmentOrder")
        if number is None:
            raise UserError([*field, str(index), "fulfillmentOrderId"], "Fulfillment order does not exist.")
        numbers.append(number)
    owners = {render.owner_of(number) for number in numbers}
    orders = {
        o.legacy_id: o
        for o in SandboxShopifyOrder.objects.select_for_update().filter(shop=shop, legacy_id__in=list(owners))
    }
    docs = {legacy_id: order.parsed() for legacy_id, order in orders.items()}
    found = {}
    for index, number in enumerate(numbers):
        doc = docs.get(render.owner_of(number))
        fo = next((f for f in doc["fulfillment_orders"] if f["id"] == number), None) if doc else None
        if fo is None:
            raise UserError([*field, str(index), "fulfillmentOrderId"], "Fulfillment order does not exist.")
        found[index] = fo
    if len(owners) > 1:
        raise UserError(["fulfillment"], "All fulfillment orders must belong to the same order and location.")
    (legacy_id,) = owners
    order, doc = orders[legacy_id], docs[legacy_id]
    if doc["cancelled_at"] is not None:
        raise UserError(["fulfillment"], f"Order {doc['name']} is cancelled and cannot be fulfilled.")
    tracking = _tracking(fulfillment.get("trackingInfo"))
    sent: dict[int, int] = {}
    for index, request in enumerate(requests_):
        fo = found[index]
        if fo["status"] not in render.OPEN_STATUSES:
            raise UserError(
                [*field, str(index), "fulfillmentOrderId"],
                f"Fulfillment order {render.gid('FulfillmentOrder', fo['id'])} has an unfulfillable "
                f"status= {fo['status'].lower()}.",
            )
        _take(fo, request.get("fulfillmentOrderLineItems"), [*field, str(index)], sent)
    if not any(sent.values()):
        raise UserError(field, "Fulfillment order line items can't be blank: nothing remains to fulfill.")
    chosen = list({fo["id"]: fo for fo in found.values()}.values())
    for fo in chosen:
        if all(line["remaining_quantity"] == 0 for line in fo["line_items"]):
            fo["status"] = "CLOSED"
        else:
            fo["status"] = "IN_PROGRESS"
    moment = max(now_seconds(shop), order.updated_at + timedelta(seconds=1))
    lines_by_item: dict[int, int] = {}
    for fo in chosen:
        by_id = {line["id"]: line for line in fo["line_items"]}
        for fo_line_id, quantity in sent.items():
            if fo_line_id in by_id and quantity:
                item = by_id[fo_line_id]["line_item_id"]
                lines_by_item[item] = lines_by_item.get(item, 0) + quantity
    made = {
        "id": legacy_id * render.PARTS + len(doc["fulfillments"]) + 1,
        "status": "SUCCESS",
        "created_at": render.utc_z(moment),
        "notify_customer": bool(fulfillment.get("notifyCustomer")),
        "tracking": tracking,
        "line_items": [{"id": item, "quantity": quantity} for item, quantity in lines_by_item.items()],
    }
    doc["fulfillments"].append(made)
    doc["fulfillment_status"] = render.fulfillment_status(doc)
    save_change(order, doc, now=moment)
    return render.GraphQLOrder(doc, redact=shop.redact_customer_data).fulfillment(made)


def _take(fo: dict, asked, field: list[str], sent: dict[int, int]) -> None:
    """Take the quantities asked for (None: all that remains) off the fulfillment order's lines."""
    lines = {line["id"]: line for line in fo["line_items"]}
    if asked is None:
        for line in fo["line_items"]:
            if line["remaining_quantity"]:
                sent[line["id"]] = sent.get(line["id"], 0) + line["remaining_quantity"]
                line["remaining_quantity"] = 0
        return
    for position, wanted in enumerate(asked):
        where = [*field, "fulfillmentOrderLineItems", str(position)]
        number = render.gid_number(wanted.get("id"), "FulfillmentOrderLineItem")
        line = lines.get(number)
        if line is None:
            raise UserError([*where, "id"], "Fulfillment order line item does not exist.")
        quantity = wanted.get("quantity")
        if quantity is None or quantity <= 0 or quantity > line["remaining_quantity"]:
            raise UserError(
                [*where, "quantity"],
                f"Invalid fulfillment order line item quantity requested: {quantity} of "
                f"{line['remaining_quantity']} remaining.",
            )
        line["remaining_quantity"] -= quantity
        sent[line["id"]] = sent.get(line["id"], 0) + quantity


def _tracking(info: dict | None) -> list[dict]:
    """trackingInfo as the fulfillment keeps it: one entry per number (singular or plural, not both)."""
    if not info:
        return []
    singular = info.get("number") is not None or info.get("url") is not None
    plural = bool(info.get("numbers") or info.get("urls"))
    if singular and plural:
        raise UserError(["fulfillment", "trackingInfo"], "Use either number and url, or numbers and urls, not both.")
    company = info.get("company")
    numbers = list(info.get("numbers") or []) if plural else [info.get("number")]
    urls = list(info.get("urls") or []) if plural else [info.get("url")]
    count = max(len(numbers), len(urls))
    if count == 0 or (count == 1 and numbers[0] is None and urls[0] is None):
        return [{"number": None, "url": None, "company": company}] if company else []
    numbers += [None] * (count - len(numbers))
    urls += [None] * (count - len(urls))
    return [{"number": n, "url": u, "company": company} for n, u in zip(numbers, urls, strict=True)]
