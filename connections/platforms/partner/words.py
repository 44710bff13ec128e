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
