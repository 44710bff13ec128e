"""One GraphQL request, as Shopify's Admin API takes it: parse, validate, cost, bucket, run, refund.

The answer is (HTTP status, JSON body). Every answer from here carries `extensions.cost`
with the bucket's `throttleStatus`, so a client can pace itself from any of them:

- a syntax error, a validation error (with Shopify's `extensions.code`), bad variables or
  a page over 250: HTTP 200, `errors`, no `data`, nothing charged;
- a requested cost over 1000: MAX_COST_EXCEEDED, nothing charged;
- more than the bucket holds: THROTTLED with the shop's `throttle_status` (200 or 429),
  nothing run or charged;
- else the requested cost is charged, the query runs, and what it did not use goes back
  (`actualQueryCost` counts the nodes each connection really returned).
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError, execute, parse
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from . import bucket
from .cost import MAX_COST, Cost, page_size_errors
from .models import SandboxShopifyShop
from .schema import Context, schema, validation_errors

THROTTLED_DOCS = "https://shopify.dev/api/usage/rate-limits"


def run(
    shop: SandboxShopifyShop, query: str, variables: dict | None, operation_name: str | None, api_version: str
) -> tuple[int, dict]:
    """Answer one GraphQL request for the shop: (HTTP status, body)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return _refused(shop, [exc.formatted])
    if errors := validation_errors(document):
        return _refused(shop, errors)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f"No operation named \u201c{operation_name}\u201d" if operation_name else "An operation name is required"
        )
        return _refused(shop, [{"message": message, "extensions": {"code": "operationNotFound"}}])
    coerced = get_variable_values(schema(), operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return _refused(shop, [_error(e, "INVALID_VARIABLE") for e in coerced])
    cost = Cost(schema(), document, operation, coerced)
    too_big = page_size_errors(cost)
    if too_big:
        return _refused(shop, [_error(GraphQLError(message, node), "BAD_USER_INPUT") for node, message in too_big])
    requested = cost.requested()
    if requested > MAX_COST:
        error = {
            "message": f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_COST}).",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_COST},
        }
        return 200, {"errors": [error], "extensions": _cost(requested, None, bucket.status(shop))}
    charged, after = bucket.charge(shop, requested)
    if not charged:
        error = {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": THROTTLED_DOCS}}
        return int(shop.throttle_status), {"errors": [error], "extensions": _cost(requested, None, after)}
    result = execute(
        schema(),
        document,
        context_value=Context(shop=shop, api_version=api_version),
        variable_values=variables or {},
        operation_name=operation_name,
    )
    actual = cost.actual(result.data)
    after = bucket.refund(shop, requested - actual)
    body: dict = {}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    body["data"] = result.data
    body["extensions"] = _cost(requested, actual, after)
    return 200, body


def _refused(shop: SandboxShopifyShop, errors: list[dict]) -> tuple[int, dict]:
    """A request stopped before it ran: its errors, nothing charged, the bucket as it is."""
    return 200, {"errors": errors, "extensions": _cost(0, 0, bucket.status(shop))}


def _error(error: GraphQLError, code: str | None) -> dict:
    formatted = error.formatted
    if code:
        formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted


def _cost(requested: int, actual: int | None, status: bucket.Status) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status.as_json(),
        }
    }
