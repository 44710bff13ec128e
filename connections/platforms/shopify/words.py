"""Shopify's words: its order states (worked out from an order's fulfilment and payment), and its
refusals with how the merchant gets past each one (platforms/shopify.md §6)."""

import re

from ..base import OrderStatus
from ..states import State, Tone

STATES = (
    State("unfulfilled", "Unfulfilled", OrderStatus.PENDING, Tone.WAITING, "to ship"),
    State("partially_fulfilled", "Partially fulfilled", OrderStatus.ACCEPTED, Tone.ACTIVE),
    State("on_hold", "On hold", OrderStatus.PENDING, Tone.PROBLEM),
    State("fulfilled", "Fulfilled", OrderStatus.SHIPPED, Tone.DONE),
    State("cancelled", "Cancelled", OrderStatus.CANCELLED, Tone.CANCELLED),
    State("refunded", "Refunded", OrderStatus.REFUNDED, Tone.CANCELLED),
)
# Why an order was cancelled (`cancelReason`, lower case as both shapes are read).
CANCEL_REASONS = {
    "customer": "The customer changed or cancelled the order",
    "declined": "The payment was declined",
    "fraud": "The order was fraudulent",
    "inventory": "Items were unavailable",
    "staff": "A staff error",
    "other": "Another reason",
}

AUTH_HELP = (
    (
        re.compile(r"invalid_client|client authentication", re.I),
        "Shopify did not accept the client ID and secret: copy them again from your app's settings in the Dev "
        "Dashboard, and check that the app is installed on this store.",
    ),
    (
        re.compile(r"protected customer data|approved to access", re.I),
        "The app may not read customers' details: ask for protected customer data in its settings.",
    ),
    (
        re.compile(r"scope|merchant approval|access denied|required access", re.I),
        "The app lacks a permission the portal needs: give it read_orders and "
        "write_merchant_managed_fulfillment_orders (Admin API scopes), install it again, and paste the new token.",
    ),
)
REFUSAL_HELP = (
    (
        re.compile(r"HTTP 402|unavailable shop", re.I),
        "Shopify has frozen the store (an unpaid bill): it answers again once the bill is paid in the Shopify admin.",
    ),
    (
        re.compile(r"HTTP 423|store is unavailable|locked", re.I),
        "Shopify has locked the store: contact Shopify support.",
    ),
    (
        re.compile(r"HTTP 404|not found", re.I),
        "Shopify does not know this store: check its myshopify.com domain on the connection's Edit page.",
    ),
    (
        re.compile(r"unfulfillable|fulfillment order|remaining|quantity", re.I),
        "The order changed on Shopify since it was read (fulfilled or edited there): Fetch Orders to see where it "
        "stands, and send only what still has to go.",
    ),
    (
        re.compile(r"undefinedField|doesn't exist on type|cannot query field", re.I),
        "The portal's query does not fit this store's Admin API version: staff should check the API version the "
        "connection pins.",
    ),
)
AUTH = (
    "Shopify did not accept the Admin API access token: copy it again from your app (it starts with shpat_), or "
    "give the client ID and secret of your app instead."
)
