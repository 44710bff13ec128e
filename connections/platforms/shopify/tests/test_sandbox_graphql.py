"""The sandbox Shopify's GraphQL layer: the adapter's documents run as on Shopify, a document naming a
field Shopify lacks fails validation exactly as Shopify fails it, and an order reads as the Admin
API shows one (gids, string money, UTC times, paginated line items)."""

from decimal import Decimal

import pytest

from connections.platforms.shopify import queries
from connections.platforms.shopify.sandbox.models import SandboxShopifyShop

from .sandbox_helpers import cost_of, data_of, gql, make_order, make_shop, switch

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return make_shop(restore_rate=0)


def available(shop) -> float:
    return SandboxShopifyShop.objects.get(pk=shop.pk).bucket_available


def order_query(client, order, line_items=10, after=None):
    variables = {"id": order.gid, "lineItems": line_items, "lineItemsAfter": after}
    return data_of(gql(client, queries.ORDER, variables))["order"]


def test_the_shop_query_answers_the_health_check(client, shop):
    order = make_order(shop)
    response = gql(client, queries.SHOP)
    assert response["X-Shopify-API-Version"] == "2026-10"
    data = data_of(response)
    assert data["shop"] == {
        "name": "Test Crafts",
        "myshopifyDomain": "test-crafts.myshopify.com",
        "currencyCode": "GBP",
        "ianaTimezone": "Europe/London",
        "plan": {"displayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False},
    }
    assert data["orders"] == {"nodes": [{"id": order.gid}]}
    assert cost_of(response)["requestedQueryCost"] == 5


def test_any_dated_version_and_unstable_are_served_and_echoed(client, shop):
    for version in ("2024-01", "2027-04", "unstable"):
        response = gql(client, "{ shop { name } }", version=version)
        assert data_of(response) == {"shop": {"name": "Test Crafts"}}
        assert response["X-Shopify-API-Version"] == version
    assert gql(client, "{ shop { name } }", version="latest").status_code == 404


def test_public_api_versions(client, shop):
    versions = data_of(gql(client, "{ publicApiVersions { handle displayName supported } }"))["publicApiVersions"]
    assert {"handle": "unstable", "displayName": "unstable", "supported": False} in versions
    assert any(v["handle"] == "2026-10" and v["supported"] for v in versions)


def test_an_unknown_field_fails_validation_with_no_data_and_no_charge(client, shop):
    before = available(shop)
    response = gql(client, "query { shop { name plan { displayName } sellerHandle } }")
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "undefinedField"
    assert "sellerHandle" in error["message"] and "Shop" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 42}]
    assert cost_of(response)["requestedQueryCost"] == 0
    assert available(shop) == before


def test_other_validation_failures_carry_shopifys_codes(client, shop):
    cases = {
        '{ orders(first: "ten") { nodes { id } } }': "argumentLiteralsIncompatible",
        "{ orders(frist: 10) { nodes { id } } }": "argumentNotAccepted",
        "{ order { id } }": "missingRequiredArguments",
        "{ shop }": "selectionMismatch",
        "query Q($n: Int) { shop { name } }": "variableNotUsed",
    }
    for query, code in cases.items():
        body = gql(client, query).json()
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], query
        assert "data" not in body


def test_every_document_of_the_adapter_validates(client, shop):
    order = make_order(shop)
    fo_id = data_of(gql(client, queries.FULFILLMENT_ORDERS, {"id": order.gid}))["order"]["fulfillmentOrders"]
    assert fo_id["nodes"][0]["id"].startswith("gid://shopify/FulfillmentOrder/")
    for document, variables in (
        (queries.SHOP, None),
        (queries.ORDERS, {"first": 10, "lineItems": 10}),
        (queries.ORDER, {"id": order.gid, "lineItems": 10}),
        (queries.FULFILLMENT_ORDERS, {"id": order.gid}),
    ):
        data_of(gql(client, document, variables))


def test_a_syntax_error_answers_200_with_its_location(client, shop):
    response = gql(client, "query { shop { name }")
    assert response.status_code == 200
    body = response.json()
    (error,) = body["errors"]
    assert error["locations"] == [{"line": 1, "column": 22}]
    assert "Syntax Error" in error["message"]
    assert "data" not in body and "cost" in body["extensions"]


def test_missing_or_wrong_variables_are_errors_before_running(client, shop):
    body = gql(client, queries.ORDERS, {"first": 10}).json()
    assert "data" not in body
    assert "lineItems" in body["errors"][0]["message"]
    body = gql(client, queries.ORDERS, {"first": "ten", "lineItems": 10}).json()
    assert "data" not in body and "first" in body["errors"][0]["message"]


def test_more_than_250_a_page_is_an_error(client, shop):
    body = gql(client, queries.ORDERS, {"first": 251, "lineItems": 1}).json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "first must be less than or equal to 250"
    body = gql(client, "{ orders(first: 1) { nodes { lineItems(first: 300) { nodes { id } } } } }").json()
    assert body["errors"][0]["message"] == "first must be less than or equal to 250"


def test_orders_needs_first_or_last(client, shop):
    body = gql(client, "{ orders { nodes { id } } }").json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["orders"]


def test_an_order_reads_as_the_admin_api_shows_it(client, shop):
    order = make_order(shop, line_items=3)
    doc = order.parsed()
    node = order_query(client, order)
    assert node["id"] == f"gid://shopify/Order/{order.legacy_id}"
    assert node["legacyResourceId"] == str(order.legacy_id)  # UnsignedInt64: a string
    assert node["name"] == order.name == "#1001"
    assert node["createdAt"].endswith("Z") and node["createdAt"] == doc["created_at"]
    assert node["displayFulfillmentStatus"] == "UNFULFILLED"
    assert node["displayFinancialStatus"] in ("PAID", "PENDING")
    assert node["cancelledAt"] is None and node["closed"] is False
    total = node["totalPriceSet"]["shopMoney"]
    assert total == {"amount": doc["total_price"], "currencyCode": "GBP"}
    assert isinstance(total["amount"], str) and Decimal(total["amount"]) > 0
    lines = node["lineItems"]["nodes"]
    assert len(lines) == 3 and node["lineItems"]["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": node["lineItems"]["pageInfo"]["endCursor"],
    }
    subtotal = sum(Decimal(line["originalTotalSet"]["shopMoney"]["amount"]) for line in lines)
    assert str(subtotal) == node["subtotalPriceSet"]["shopMoney"]["amount"]
    for line in lines:
        assert line["id"].startswith("gid://shopify/LineItem/")
        assert line["variant"]["id"].startswith("gid://shopify/ProductVariant/")
        unit = Decimal(line["originalUnitPriceSet"]["shopMoney"]["amount"])
        assert unit * line["quantity"] == Decimal(line["originalTotalSet"]["shopMoney"]["amount"])
    assert node["customer"]["firstName"] and node["shippingAddress"]["countryCodeV2"] == "GB"
    assert node["email"].endswith("@example.com")


def test_line_items_are_really_paginated(client, shop):
    order = make_order(shop, line_items=7)
    seen, after, pages = [], None, 0
    while True:
        connection = order_query(client, order, line_items=3, after=after)["lineItems"]
        seen += [line["id"] for line in connection["nodes"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    body = gql(client, queries.ORDER, {"id": order.gid, "lineItems": 3, "lineItemsAfter": "bm9wZQ=="}).json()
    assert body["data"] == {"order": None}
    assert "Invalid cursor" in body["errors"][0]["message"]


def test_edges_and_cursors_and_last_before(client, shop):
    order = make_order(shop, line_items=5)
    query = """query($id: ID!) { order(id: $id) {
      all: lineItems(first: 5) { edges { cursor node { id } } }
      tail: lineItems(last: 2) { nodes { id } pageInfo { hasPreviousPage hasNextPage } }
    } }"""
    node = data_of(gql(client, query, {"id": order.gid}))["order"]
    ids = [edge["node"]["id"] for edge in node["all"]["edges"]]
    assert [n["id"] for n in node["tail"]["nodes"]] == ids[-2:]
    assert node["tail"]["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": False}
    before = node["all"]["edges"][3]["cursor"]
    query = "query($id: ID!, $b: String) { order(id: $id) { lineItems(last: 2, before: $b) { nodes { id } } } }"
    node = data_of(gql(client, query, {"id": order.gid, "b": before}))["order"]
    assert [n["id"] for n in node["lineItems"]["nodes"]] == ids[1:3]


def test_an_unknown_order_is_null_and_a_malformed_id_an_error(client, shop):
    make_order(shop)
    variables = {"id": "gid://shopify/Order/123", "lineItems": 1}
    assert data_of(gql(client, queries.ORDER, variables)) == {"order": None}
    variables["id"] = "gid://shopify/Product/123"
    assert data_of(gql(client, queries.ORDER, variables)) == {"order": None}
    body = gql(client, queries.ORDER, {"id": "1001", "lineItems": 1}).json()
    assert body["data"] == {"order": None} and "Invalid global id" in body["errors"][0]["message"]


def test_another_shops_order_is_not_found(client, shop):
    other = make_shop(domain="other-crafts.myshopify.com", token="shpat_other", client_id="other-client")
    order = make_order(other)
    assert data_of(gql(client, queries.ORDER, {"id": order.gid, "lineItems": 1})) == {"order": None}


def test_fulfillment_orders_of_an_order(client, shop):
    order = make_order(shop, line_items=2)
    data = data_of(gql(client, queries.FULFILLMENT_ORDERS, {"id": order.gid}))["order"]
    assert data["fulfillments"] == [] and data["displayFulfillmentStatus"] == "UNFULFILLED"
    (fo,) = data["fulfillmentOrders"]["nodes"]
    assert fo["status"] == "OPEN" and fo["assignedLocation"] == {"name": "Shop location"}
    lines = fo["lineItems"]["nodes"]
    assert len(lines) == 2
    assert all(line["remainingQuantity"] == line["totalQuantity"] > 0 for line in lines)
    assert all(line["id"].startswith("gid://shopify/FulfillmentOrderLineItem/") for line in lines)


def test_without_protected_customer_data_the_customer_is_null(client, shop):
    order = make_order(shop)
    switch(shop, redact_customer_data=True)
    node = order_query(client, order)
    assert node["customer"] is None and node["shippingAddress"] is None
    assert node["email"] is None and node["phone"] is None
    assert node["lineItems"]["nodes"]  # the rest is there
    query = "query($id: ID!) { order(id: $id) { billingAddress { city } } }"
    assert data_of(gql(client, query, {"id": order.gid}))["order"] == {"billingAddress": None}


def test_fragments_aliases_and_typename(client, shop):
    order = make_order(shop)
    query = """query($id: ID!) { o: order(id: $id) { __typename ...F ... on Order { n2: name } } }
      fragment F on Order { n1: name }"""
    assert data_of(gql(client, query, {"id": order.gid})) == {
        "o": {"__typename": "Order", "n1": "#1001", "n2": "#1001"}
    }


def test_a_bad_operation_name_is_an_error(client, shop):
    body = gql(client, "query A { shop { name } } query B { shop { name } }").json()
    assert "data" not in body and "operation name" in body["errors"][0]["message"]
    assert data_of(gql(client, "query A { shop { name } } query B { shop { id } }", operationName="A")) == {
        "shop": {"name": "Test Crafts"}
    }
