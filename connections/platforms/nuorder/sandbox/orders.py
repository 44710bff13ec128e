"""What a brand can do to a fake NuORDER order, with NuORDER's rules (platforms/nuorder.md §3-§5).

The API views and the control pages both come through here, so each rule lives in one
place. A refusal raises `NuorderError`, which the API answers as `{"code", "message"}`.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sandbox.models import SandboxAccount
from sandbox.values import dump_json, iso_ms, to_ms

from .models import NUORDER_STATUSES, SandboxNuorderOrder

# The verb forms recorded in 2014 traffic (§5); `approve` and `ship` are unconfirmed, so absent.
STATUS_VERBS = {"process": "processed", "cancel": "cancelled"}
# Keys the server owns: a body may repeat them, but they never change through an update.
SERVER_KEYS = ("_id", "order_number", "created_on", "modified_on")
ADDRESS_KEYS = ("billing_address", "shipping_address")
OBJECT_KEYS = (*ADDRESS_KEYS, "shipping_information", "retailer")


class NuorderError(Exception):
    """A refusal the API reports as `{"code": status, "message": message}`."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def not_found() -> NuorderError:
    return NuorderError(404, "order not found")


def get_order(
    account: SandboxAccount, *, order_id: str | None = None, number: str | None = None, for_update: bool = False
) -> SandboxNuorderOrder:
    """The account's order by `_id` or by order number; another account's order is "not found" too."""
    orders = account.nuorder_orders.all()
    if for_update:
        orders = orders.select_for_update()
    lookup = {"nuorder_id": order_id} if order_id is not None else {"order_number": number}
    try:
        return orders.get(**lookup)
    except SandboxNuorderOrder.DoesNotExist:
        raise not_found() from None


def status_from_path(value: str) -> str:
    """The status a URL segment asks for: a lowercase status, or the verbs process/cancel."""
    status = STATUS_VERBS.get(value, value)
    if status not in NUORDER_STATUSES:
        raise NuorderError(400, f"invalid status: {value!r}; use one of {', '.join(NUORDER_STATUSES)}")
    return status


def _bump(order: SandboxNuorderOrder, doc: dict) -> None:
    """A new modified_on: now, and always later than the last one (clients compare them)."""
    moment = to_ms(order.account.now())  # the platform's clock
    if moment <= order.modified_on:
        moment = order.modified_on + timedelta(milliseconds=1)
    order.modified_on = moment
    doc["modified_on"] = iso_ms(moment)


def set_status(order: SandboxNuorderOrder, status: str) -> bool:
    """Move the order to `status`; False when it already had it (the API's 304).

    Setting the status a cancelled order already has is a 304 too; any other change to a
    cancelled order is refused, as cancelled orders are locked (§5).
    """
    if order.status == status:
        return False
    if order.status == "cancelled":
        raise NuorderError(400, "order is cancelled and locked")
    doc = order.parsed()
    order.status = doc["status"] = status
    if status == "cancelled":
        doc["locked"] = True
    _bump(order, doc)
    order.document = dump_json(doc)
    order.save(update_fields=["status", "modified_on", "document"])
    return True


def update_order(order: SandboxNuorderOrder, body) -> None:
    """POST /api/order/{id}: merge a partial order into the stored one.

    Any top-level key is stored (NuORDER's order schema takes custom fields), after these
    checks: `shipments` is a list of objects whose `tracking_numbers` is a list of strings;
    addresses and `shipping_information` are objects; `line_items` is a list; the status
    changes only through the status endpoints (a different `status` here is a 400); the
    server's own keys (`_id`, `order_number`, `created_on`, `modified_on`) are ignored.
    """
    if order.status == "cancelled":
        raise NuorderError(400, "order is cancelled and locked")
    if not isinstance(body, dict):
        raise NuorderError(400, "the body must be a JSON object (a partial order)")
    if "status" in body and body["status"] != order.status:
        raise NuorderError(400, "change the status with POST /api/order/{id}/{status}, not in the order body")
    if "shipments" in body:
        _check_shipments(body["shipments"])
    for key in OBJECT_KEYS:
        if key in body and not isinstance(body[key], dict):
            raise NuorderError(400, f"{key} must be an object")
    if "line_items" in body and not isinstance(body["line_items"], list):
        raise NuorderError(400, "line_items must be a list")
    doc = order.parsed()
    for key, value in body.items():
        if key not in SERVER_KEYS and key != "status":
            doc[key] = value
    if body:
        doc["edited"] = True
        _bump(order, doc)
        doc["edited_on"] = doc["modified_on"]
        order.document = dump_json(doc)
        order.save(update_fields=["modified_on", "document"])


def _check_shipments(shipments) -> None:
    if not isinstance(shipments, list):
        raise NuorderError(400, "shipments must be a list")
    for index, shipment in enumerate(shipments):
        if not isinstance(shipment, dict):
            raise NuorderError(400, f"shipments[{index}] must be an object")
        numbers = shipment.get("tracking_numbers", [])
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            raise NuorderError(400, f"shipments[{index}].tracking_numbers must be a list of strings")


def with_payments(document: str) -> str:
    """`?__populate=__payments`: the order with `__metadata.payments` (none in the sandbox)."""
    if '"__metadata"' not in document:  # the usual case: add the key without parsing the order
        return document[: document.rindex("}")] + ',"__metadata":{"payments":[]}}'
    doc = json.loads(document)
    metadata = doc.get("__metadata")
    doc["__metadata"] = {**(metadata if isinstance(metadata, dict) else {}), "payments": []}
    return dump_json(doc)
