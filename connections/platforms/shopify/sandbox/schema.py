"""The executable Admin schema: `schema.graphql` (Shopify's names and types) with the sandbox's resolvers.

Root fields read the shop's models; everything below an order is made from its document
(`render.GraphQLOrder`: plain dicts, connections as callables the default resolver calls).
Resolvers get the `Context` (the shop, the API version asked for) as `info.context`.

Validation is graphql-core's, each error carrying the code Shopify's GraphQL layer gives it
(`extensions.code`, e.g. `undefinedField` for a field the type lacks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from graphql import DocumentNode, GraphQLError, GraphQLSchema, build_schema, validate
from graphql import validation as rules

from . import orders as shopify_orders
from . import render, search
from .models import SandboxShopifyOrder, SandboxShopifyShop

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
# The versions `publicApiVersions` lists: the supported stable ones, newest last, then unstable.
PUBLIC_API_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
# Sort keys served, by the column they order on; the others (RELEVANCE, TOTAL_PRICE ...) order by id.
SORT_COLUMNS = {
    "UPDATED_AT": "updated_at",
    "CREATED_AT": "created_at",
    "PROCESSED_AT": "processed_at",
    "ID": "legacy_id",
    "ORDER_NUMBER": "number",
}
TIME_COLUMNS = frozenset({"updated_at", "created_at", "processed_at"})
SHOP_ID_BASE = 60_000_000_000


@dataclass
class Context:
    shop: SandboxShopifyShop
    api_version: str


@cache
def schema() -> GraphQLSchema:
    built = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    query, mutation = built.query_type, built.mutation_type
    query.fields["shop"].resolve = resolve_shop
    query.fields["publicApiVersions"].resolve = resolve_api_versions
    query.fields["orders"].resolve = resolve_orders
    query.fields["order"].resolve = resolve_order
    mutation.fields["fulfillmentCreate"].resolve = resolve_fulfillment_create
    return built


# -- validation codes -----------------------------------------------------------------------------------

# Shopify's codes for the static validation failures (graphql-ruby's names); others: "validationError".
CODES = {
    rules.FieldsOnCorrectTypeRule: "undefinedField",
    rules.KnownArgumentNamesRule: "argumentNotAccepted",
    rules.ProvidedRequiredArgumentsRule: "missingRequiredArguments",
    rules.ValuesOfCorrectTypeRule: "argumentLiteralsIncompatible",
    rules.ScalarLeafsRule: "selectionMismatch",
    rules.KnownTypeNamesRule: "undefinedType",
    rules.NoUnusedVariablesRule: "variableNotUsed",
    rules.NoUndefinedVariablesRule: "variableNotDefined",
    rules.VariablesInAllowedPositionRule: "variableMismatch",
    rules.VariablesAreInputTypesRule: "variableRequiresValidType",
    rules.KnownFragmentNamesRule: "useAndDefineFragment",
    rules.NoUnusedFragmentsRule: "useAndDefineFragment",
    rules.FragmentsOnCompositeTypesRule: "fragmentTypeMismatch",
    rules.PossibleFragmentSpreadsRule: "fragmentSpreadTypeMismatch",
    rules.OverlappingFieldsCanBeMergedRule: "fieldConflict",
    rules.KnownDirectivesRule: "directiveCannotBeApplied",
    rules.UniqueArgumentNamesRule: "argumentNotUnique",
    rules.UniqueVariableNamesRule: "variableNotUnique",
    rules.UniqueOperationNamesRule: "operationNotUnique",
    rules.LoneAnonymousOperationRule: "anonymousOperationNotAlone",
    rules.KnownOperationTypesRule: "missingQueryConfiguration",
}


def validation_errors(document: DocumentNode) -> list[dict]:
    """The document's validation errors as Shopify formats them (with `extensions.code`); [] if valid.

    All rules run in one pass; only a failing document is checked again rule by rule, to
    learn which rule each error came from.
    """
    errors = validate(schema(), document)
    if not errors:
        return []
    codes: dict[tuple, str] = {}
    for rule in rules.specified_rules:
        for error in validate(schema(), document, [rule]):
            codes.setdefault(_error_key(error), CODES.get(rule, "validationError"))
    return [
        {**error.formatted, "extensions": {"code": codes.get(_error_key(error), "validationError")}} for error in errors
    ]


def _error_key(error: GraphQLError) -> tuple:
    return error.message, tuple((loc.line, loc.column) for loc in error.locations or ())


# -- resolvers ------------------------------------------------------------------------------------------


def resolve_shop(root, info) -> dict:
    shop: SandboxShopifyShop = info.context.shop
    now = timezone.now()
    return {
        "id": render.gid("Shop", SHOP_ID_BASE + shop.pk),
        "name": shop.name,
        "email": shop.email,
        "myshopifyDomain": shop.domain,
        "currencyCode": shop.currency,
        "ianaTimezone": shop.iana_timezone,
        "timezoneAbbreviation": now.astimezone(ZoneInfo(shop.iana_timezone)).tzname() or "UTC",
        "plan": {
            "displayName": shop.plan_name,
            "partnerDevelopment": shop.partner_development,
            "shopifyPlus": shop.shopify_plus,
        },
        "primaryDomain": {
            "id": render.gid("Domain", SHOP_ID_BASE + shop.pk),
            "host": shop.domain,
            "url": f"https://{shop.domain}",
            "sslEnabled": True,
        },
    }


def resolve_api_versions(root, info) -> list[dict]:
    latest = PUBLIC_API_VERSIONS[-1]
    versions = [
        {
            "handle": handle,
            "displayName": f"{handle} (Latest)" if handle == latest else handle,
            "supported": True,
        }
        for handle in PUBLIC_API_VERSIONS
    ]
    return [*versions, {"handle": "unstable", "displayName": "unstable", "supported": False}]


def order_node(order: SandboxShopifyOrder, shop: SandboxShopifyShop) -> dict:
    return render.GraphQLOrder(order.parsed(), redact=shop.redact_customer_data).order()


def resolve_order(root, info, id: str):
    number = render.gid_number(id, "Order")
    if number is None:
        if not (isinstance(id, str) and id.startswith("gid://shopify/")):
            raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
        return None  # another type's id: no such order
    shop = info.context.shop
    order = SandboxShopifyOrder.objects.filter(shop=shop, legacy_id=number).first()
    return None if order is None else order_node(order, shop)


def resolve_fulfillment_create(root, info, fulfillment: dict, message: str | None = None) -> dict:
    return shopify_orders.fulfillment_create(info.context.shop, fulfillment)


def resolve_orders(
    root,
    info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    sortKey: str = "PROCESSED_AT",
    query: str | None = None,
    savedSearchId: str | None = None,
) -> dict:
    """A page of the shop's orders, keyset-paged on (sort column, id) so a cursor stays valid
    whatever happens to other orders (an order whose sort value changes simply moves)."""
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    if first is not None and last is not None:
        raise GraphQLError("Passing both `first` and `last` to paginate the `orders` connection is not supported.")
    render.check_page_size(first, last)
    shop = info.context.shop
    column = SORT_COLUMNS.get(sortKey, "legacy_id")
    found = search.search_filter(query, shop.iana_timezone, shop.account.now())  # "now" is the shop's
    matching = SandboxShopifyOrder.objects.filter(shop=shop).filter(found)
    rows = matching
    if after:
        rows = rows.filter(_beyond(column, _position(after, column), descending=reverse))
    if before:
        rows = rows.filter(_beyond(column, _position(before, column), descending=not reverse))
    forward = first is not None
    # Read in the list's direction for `first`, against it for `last` (then turned round).
    descending = reverse if forward else not reverse
    prefix = "-" if descending else ""
    size = first if forward else last
    page = list(rows.order_by(f"{prefix}{column}", f"{prefix}legacy_id")[: size + 1])
    more = len(page) > size
    page = page[:size]
    if not forward:
        page.reverse()
    pairs = [(order_node(order, shop), _cursor(order, column)) for order in page]
    boundary = after if forward else before

    def other_side() -> bool:
        """Whether orders lie on the far side of the cursor this page started from."""
        if not boundary:
            return False
        return matching.filter(
            ~_beyond(column, _position(boundary, column), descending=reverse ^ (not forward))
        ).exists()

    if forward:
        return render.connection(pairs, more, other_side)
    return render.connection(pairs, other_side(), more)


def _cursor(order: SandboxShopifyOrder, column: str) -> str:
    value = getattr(order, column)
    return render.encode_cursor(
        {"last_id": order.legacy_id, "last_value": value.isoformat() if isinstance(value, datetime) else value}
    )


def _position(cursor: str, column: str) -> tuple:
    """(sort value, id) of a cursor, or a GraphQL error for one this sort cannot read."""
    payload = render.decode_cursor(cursor)
    value = payload.get("last_value") if payload else None
    last_id = payload.get("last_id") if payload else None
    try:
        if not isinstance(last_id, int):
            raise ValueError
        if column in TIME_COLUMNS:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, int):
            raise ValueError
    except (TypeError, ValueError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from None
    return value, last_id


def _beyond(column: str, position: tuple, *, descending: bool) -> Q:
    """The orders after `position` in a list sorted by (column, id), ascending or descending."""
    value, last_id = position
    op = "lt" if descending else "gt"
    if column == "legacy_id":
        return Q(**{f"legacy_id__{op}": last_id})
    return Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"legacy_id__{op}": last_id})
