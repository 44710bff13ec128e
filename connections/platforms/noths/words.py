"""NOTHS's words: its order states, and its refusals with how the merchant gets past each one."""

import re

from ..base import OrderStatus
from ..states import State, Tone

STATES = (
    State("placed", "Placed", OrderStatus.PENDING, Tone.WAITING, "new, waiting for you to accept"),
    State("accepted", "Accepted", OrderStatus.ACCEPTED, Tone.ACTIVE),
    State("dispatched", "Dispatched", OrderStatus.SHIPPED, Tone.DONE),
    State("declined", "Declined", OrderStatus.CANCELLED, Tone.CANCELLED),
    State("expired", "Expired", OrderStatus.CANCELLED, Tone.CANCELLED, "not accepted in time"),
    State("refunded", "Refunded", OrderStatus.REFUNDED, Tone.CANCELLED),
    State("archived", "Archived", OrderStatus.ARCHIVED, Tone.DONE),
)
# A customer enquiry's state (platforms/noths.md §4).
ENQUIRY_STATES = {
    "opened": "Open, not answered yet",
    "acknowledged": "Open, acknowledged",
    "overdue": "Open and overdue",
    "resolved": "Resolved",
}
# The delivery services NOTHS names by code (`delivery_service_code`), for an order that gives no name.
DELIVERY_SERVICES = {
    "EXPRESS_12": "Express (12 hours)",
    "EXPRESS_24": "Express (24 hours)",
    "EXPRESS_48": "Express (48 hours)",
    "FREE": "Free delivery",
    "SATURDAY": "Saturday delivery",
    "STANDARD": "Standard delivery",
    "STANDARD_COURIER": "Standard courier",
}


def delivery_service_words(code: str) -> str:
    return DELIVERY_SERVICES.get(str(code).upper(), "Another delivery service")


# How the merchant gets past each dispatch/accept rejection. NOTHS's exact error codes
# are not documented, so each rule matches the code or the words of the title.
REJECTION_HELP = (
    (
        re.compile(r"dispatch.?note|not.?(been.?)?printed|NOT_VIEWED", re.I),
        "NOTHS only lets an order be dispatched once its dispatch note has been printed. "
        "Click Download dispatch note on this page (or print it in NOTHS), then Retry.",
    ),
    (
        re.compile(r"enquir", re.I),
        "The customer has an unresolved enquiry on this order. Tick "
        "\u201cResolve the customer's enquiry\u201d and Retry, or answer the enquiry in NOTHS first.",
    ),
    (
        re.compile(r"not.?accepted|must be accepted|NOT_ACCEPTED", re.I),
        "The order has not been accepted yet. Accept it first (Accept order on this page), then Retry.",
    ),
    (
        re.compile(r"not.?placed|already|NOT_PLACED|INVALID_STATE", re.I),
        "The order is no longer in a state that allows this. Fetch Orders to see its current state in NOTHS.",
    ),
    (
        re.compile(r"RESOURCE_NOT_FOUND|not.?found", re.I),
        "NOTHS does not know this order for this token. Check that the connection uses the right store's token.",
    ),
)
