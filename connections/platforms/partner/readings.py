"""What the Partner API documents for each read the adapter makes (platforms/partner_api.md §4).

Only these shapes are believed (`answers`); anything else with a 200 is retried, then the
read fails. The docs read two ways for a store's orders (O2): "200 + orders array", and
`{"orders": [...], "total_pages": n}`; and an order in the list may be whole or its id alone
(the adapter then reads it: `PartnerPlatform._complete`). Either reading is believed, and
only its empty list means none: `{}`, or an object without `orders`, is not "no orders".
"""

from ..answers import Either, ListOf, Reading, Text, document

_ORDERS = ListOf("orders", ids=True, documents=True, key="order_id")
# GET /v2/chains/{chain}/vendors/{vendor}/orders (or without /orders): a store's orders (O2).
# The words name the endpoints by their templates: a path holds the chain's id.
_LIST = Either(_ORDERS, document("an order list", orders=_ORDERS))
STORE_ORDERS = Reading("the store's orders", _LIST, endpoint="GET /v2/chains/{chain}/vendors/{vendor}/orders")
STORE_CHECK = Reading("the store's orders of the last day", _LIST, endpoint=STORE_ORDERS.endpoint)
# GET /v2/chains/{chain}/orders/{order_id}: one order object (O1).
ORDER = Reading(
    "the order",
    document("an order", order_id=Text("an order id")),
    endpoint="GET /v2/chains/{chain}/orders/{order_id}",
)
