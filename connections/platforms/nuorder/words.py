"""NuORDER's words: its order states, and its refusals with how the merchant gets past each one."""

import re

from ..base import OrderStatus
from ..states import State, Tone

# In the order an order moves through them.
STATES = (
    State("draft", "Draft", OrderStatus.DRAFT, Tone.WAITING),
    State("review", "In review", OrderStatus.DRAFT, Tone.WAITING),
    State("pending", "Pending", OrderStatus.DRAFT, Tone.WAITING),
    State("approved", "Approved", OrderStatus.PENDING, Tone.WAITING),
    State("processed", "Processed", OrderStatus.ACCEPTED, Tone.ACTIVE),
    State("shipped", "Shipped", OrderStatus.SHIPPED, Tone.DONE),
    State("cancelled", "Cancelled", OrderStatus.CANCELLED, Tone.CANCELLED),
)

RETAIL_CANNOT_WRITE = (
    "A Retail (buyer) application can only read orders on NuORDER; untick this, or use the brand's "
    "Wholesale application."
)


AUTH_HELP = (
    (
        re.compile(r"signature", re.I),
        "NuORDER rejected the OAuth signature: check the Consumer Secret and Token Secret.",
    ),
    (
        re.compile(r"consumer", re.I),
        "NuORDER does not know this Consumer Key here: check the Consumer Key and the Application Type "
        "(Wholesale or Retail).",
    ),
    (
        re.compile(r"token", re.I),
        "NuORDER does not know this Token: check the Token, the Application Type, and that the PB_DEV "
        "application is approved in NuORDER.",
    ),
    (re.compile(r"timestamp", re.I), "NuORDER refused the request's time: staff should check this server's clock."),
)
