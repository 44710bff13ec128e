"""What Shopify documents for each query the adapter sends (platforms/shopify.md §2, §6).

A GraphQL answer is HTTP 200 either way: `data` in the shape the query asked for, or
`errors` with a documented `extensions.code` (THROTTLED, ACCESS_DENIED, SHOP_INACTIVE,
MAX_COST_EXCEEDED, a validation code such as `undefinedField`), which the client turns into
the kit's kinds. Everything else is ambiguous (`answers`) and retried: an `errors` array
without a code, INTERNAL_SERVER_ERROR and TIMEOUT ("returned instead of HTTP 500 in most
cases", §6), `data` null or missing the field asked for, a connection without `nodes`.
Only an empty `nodes` list means no orders; `order: null` means no such order.
"""

from dataclasses import dataclass
from typing import Any

from ..answers import (
    Anything,
    Document,
    ListOf,
    Nullable,
    Reading,
    Shape,
    Text,
    document,
    error_in_success,
    words_in_json,
)
from .client import error_code, errors_of

# Codes Shopify sends for an error that is not the answer failing: it counts as "500" (§6).
SERVER_CODES = frozenset({"", "INTERNAL_SERVER_ERROR", "TIMEOUT"})


@dataclass(frozen=True)
class GraphQLAnswer(Shape):
    """`{"data": ...}` of `data`'s shape, or documented `errors` (which the client reads)."""

    data: Shape

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return self.data.problem(value)
        errors = errors_of(value)
        if errors and all(error_code(e) in SERVER_CODES for e in errors):
            return error_in_success(words_in_json(errors)[0])
        if errors:
            return None  # documented: the client turns them into the kit's kinds
        return document("a GraphQL answer", data=self.data).problem(value)


def _connection(noun: str) -> Shape:
    return document(
        f"a list of {noun}",
        nodes=ListOf(noun, key="id"),
        pageInfo=document("its page info", hasNextPage=Anything()),
    )


def query(what: str, name: str, **data: Shape) -> Reading:
    """The reading of query `name` (`queries`): `data` holds these fields, each of its shape. The words
    name the query, not the one endpoint every query goes to."""
    return Reading(what, GraphQLAnswer(Document("data", data)), errors_are_answers=True, endpoint=f"query {name}")


_ORDER = document("an order", id=Text("an order id"))
ORDERS = query("the orders changed since the last sync", "Orders", orders=_connection("orders"))
ORDER_VERSIONS = query("the orders' update times", "OrderVersions", orders=_connection("orders"))
# `order: null` is Shopify's "no such order" (deleted, or older than the app may read, §7.4).
ORDER = query("the order", "Order", order=Nullable(_ORDER))
MORE_LINE_ITEMS = query(
    "the order's further line items", "Order", order=document("an order", lineItems=_connection("line items"))
)
FULFILLMENT_ORDERS = query("the order's fulfillment orders", "FulfillmentOrders", order=Nullable(_ORDER))
# The check asks for one order's id too: only a token that may read orders gets it.
SHOP = query(
    "the shop",
    "Shop",
    shop=document("the shop", name=Anything()),
    orders=document("a list of orders", nodes=ListOf("orders", key="id")),
)
