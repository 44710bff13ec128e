"""The Partner API's words: its order states, and its refusals with how the merchant gets past each one."""

import re

from ..base import OrderStatus
from ..states import State, Tone

STATES = (
    State("RECEIVED", "Received", OrderStatus.PENDING, Tone.WAITING, "to pick"),
    State("ACCEPTED", "Accepted", OrderStatus.ACCEPTED, Tone.ACTIVE),
    State("READY_FOR_PICKUP", "Ready for pickup", OrderStatus.READY, Tone.ACTIVE),
    State("DISPATCHED", "Dispatched", OrderStatus.SHIPPED, Tone.DONE),
    State("PICKED_UP", "Picked up", OrderStatus.SHIPPED, Tone.DONE, "by the rider"),
    State("DELIVERED", "Delivered", OrderStatus.DELIVERED, Tone.DONE),
    State("CANCELLED", "Cancelled", OrderStatus.CANCELLED, Tone.CANCELLED),
)
# An order's `transport_type`: who takes it to the customer.
DELIVERY_TYPES = {
    "LOGISTICS_DELIVERY": "A platform rider collects it",
    "VENDOR_DELIVERY": "Your own rider delivers it",
}
# Who cancelled an order (`cancellation.cancelled_by`).
CANCELLED_BY = {"VENDOR": "the store", "CUSTOMER": "the customer", "LOGISTICS": "the delivery service"}


def delivery_words(transport_type: str) -> str:
    """The order's delivery in words ('' when it has none; an unknown one as "Other delivery")."""
    if not transport_type:
        return ""
    return DELIVERY_TYPES.get(transport_type.upper(), "Other delivery")


AUTH_HELP = (
    (
        re.compile(r"pelican", re.I),
        "This chain picks in the Pelican app, so the Partner API takes no order updates from the portal: set "
        "Picking mode to Pelican (read only) on the connection's Edit page.",
    ),
    (
        re.compile(r"invalid_client|client", re.I),
        "The Partner API rejected the client ID or secret: check them with your Account Manager.",
    ),
    (
        re.compile(r"chain|forbidden", re.I),
        "The token is not valid for this chain: check the Chain ID, or generate the token under this chain in "
        "Partner Portal \u2192 Shops Integrations.",
    ),
)
