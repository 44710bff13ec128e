"""The sandbox Shopify's query cost and leaky bucket: the adapter's documents cost what queries.py says,
THROTTLED (with either HTTP status) runs and charges nothing, the bucket refills with time, the
single-query limit, and the refund of what a query did not use."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from graphql import parse
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from connections.platforms.shopify import queries
from connections.platforms.shopify.sandbox.cost import Cost
from connections.platforms.shopify.sandbox.models import SandboxShopifyShop
from connections.platforms.shopify.sandbox.schema import schema

from .sandbox_helpers import cost_of, data_of, gql, make_order, make_shop, switch

pytestmark = pytest.mark.django_db


def requested(document: str, variables: dict | None = None) -> int:
    parsed = parse(document)
    operation = get_operation_ast(parsed)
    coerced = get_variable_values(schema(), operation.variable_definitions or (), variables or {})
    return Cost(schema(), parsed, operation, coerced).requested()


@pytest.fixture
def shop(db):
    return make_shop(restore_rate=0)


def drain(shop, available: float, *, seconds_ago: float = 0, **fields):
    """The bucket holding `available` points as of `seconds_ago`."""
    return switch(
        shop,
        bucket_available=available,
        bucket_updated_at=timezone.now() - timedelta(seconds=seconds_ago),
        **fields,
    )


# -- the rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [1, 2, 10, 13, 50, 100, 250])
def test_the_orders_page_costs_what_queries_page_cost_says(page):
    assert requested(queries.ORDERS, {"first": page, "lineItems": queries.LINE_ITEMS}) == queries.page_cost(page)
    assert requested(queries.ORDERS, {"first": page, "lineItems": 3}) == queries.page_cost(page, 3)


def test_the_other_documents_cost():
    assert requested(queries.ORDERS, {"first": 10, "lineItems": 10}) == 763
    # shop 1 + plan 1; orders 2 + 1 node of 1
    assert requested(queries.SHOP) == 5
    # the order 1 + attributes 1 + 4 money bags of 2 + customer, address, shipping line 3
    # + lineItems (2 + pageInfo 1 + n × (1 + 2 money bags of 2 + variant 1))
    assert requested(queries.ORDER, {"id": "gid://shopify/Order/1", "lineItems": 10}) == 16 + 6 * 10 == 76
    assert requested(queries.ORDER, {"id": "gid://shopify/Order/1", "lineItems": 250}) == 1516  # over 1000
    # order 1 + fulfillments (a list: 1, + trackingInfo 1) + fulfillmentOrders 2 + 5 × (1 + location 1
    # + lineItems (2 + pageInfo 1 + 20 × 1)): under the smallest demo bucket (200)
    assert requested(queries.FULFILLMENT_ORDERS, {"id": "gid://shopify/Order/1"}) == 1 + 2 + 2 + 5 * 25 == 130
    # a mutation 10 + fulfillment 1 + its trackingInfo 1 + userErrors 1
    assert requested(queries.FULFILLMENT_CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": []}}) == 13


def test_edges_count_as_nodes_and_fragments_as_their_fields():
    by_nodes = "{ orders(first: 5) { nodes { id customer { id } } } }"
    by_edges = "{ orders(first: 5) { edges { cursor node { id customer { id } } } } }"
    by_fragment = "{ orders(first: 5) { nodes { ...F } } } fragment F on Order { id customer { id } }"
    inline = "{ orders(first: 5) { nodes { ... on Order { id customer { id } } } } }"
    assert {requested(q) for q in (by_nodes, by_edges, by_fragment, inline)} == {2 + 5 * 2}
    assert requested("{ orders(last: 3) { pageInfo { hasNextPage } nodes { id } } }") == 2 + 1 + 3
    assert requested("{ publicApiVersions { handle } }") == 1
    assert requested("query($s: Boolean!) { shop { name plan @skip(if: $s) { displayName } } }", {"s": True}) == 1


# -- answers -------------------------------------------------------------------------------------------


def test_every_answer_carries_the_cost_and_the_bucket(client, shop):
    make_order(shop)
    response = gql(client, queries.SHOP)
    cost = cost_of(response)
    assert cost["requestedQueryCost"] == 5 and cost["actualQueryCost"] == 5
    assert cost["throttleStatus"] == {"maximumAvailable": 1000.0, "currentlyAvailable": 995.0, "restoreRate": 0.0}


def test_actual_cost_counts_the_nodes_returned_and_the_rest_is_refunded(client, shop):
    for seed in range(3):
        make_order(shop, seed=seed, line_items=2)
    response = gql(client, queries.ORDERS, {"first": 10, "lineItems": 10})
    assert len(data_of(response)["orders"]["nodes"]) == 3
    cost = cost_of(response)
    assert cost["requestedQueryCost"] == 763
    # 3 orders of (16 + 2 line items × 6): 3 + 3 × 28
    assert cost["actualQueryCost"] == 3 + 3 * 28 == 87
    assert cost["throttleStatus"]["currentlyAvailable"] == 1000 - 87
    assert SandboxShopifyShop.objects.get(pk=shop.pk).bucket_available == 1000 - 87


def test_throttled_with_http_200_runs_nothing_and_charges_nothing(client, shop):
    make_order(shop)
    drain(shop, 100)
    response = gql(client, queries.ORDERS, {"first": 10, "lineItems": 10})
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 763,
        "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 100.0, "restoreRate": 0.0},
    }
    assert SandboxShopifyShop.objects.get(pk=shop.pk).bucket_available == 100
    assert data_of(gql(client, queries.SHOP))["shop"]["name"]  # a cheap query still goes through


def test_throttled_with_http_429(client, shop):
    drain(shop, 10, throttle_status="429")
    response = gql(client, queries.ORDERS, {"first": 10, "lineItems": 10})
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert cost_of(response)["throttleStatus"]["currentlyAvailable"] == 10.0


def test_the_bucket_refills_with_time_up_to_its_size(client, shop):
    drain(shop, 0, seconds_ago=5, restore_rate=100)  # 500 points back by now
    assert gql(client, queries.ORDERS, {"first": 10, "lineItems": 10}).json()["errors"][0]["message"] == "Throttled"
    drain(shop, 0, seconds_ago=8)  # 800 now: enough
    response = gql(client, queries.ORDERS, {"first": 10, "lineItems": 10})
    assert data_of(response)["orders"]["nodes"] == []
    # 800, less 763 charged, plus the 760 an empty page did not use (its actual cost is 3)
    assert 797 <= cost_of(response)["throttleStatus"]["currentlyAvailable"] <= 797 + 50
    drain(shop, 0, seconds_ago=3600)  # never more than the bucket holds
    status = cost_of(gql(client, queries.SHOP))["throttleStatus"]
    assert 1000 - 5 <= status["currentlyAvailable"] <= 1000  # full, less the query (refilling meanwhile)


def test_a_query_over_1000_is_refused_whatever_the_bucket(client, shop):
    switch(shop, bucket_size=5000, bucket_available=5000)
    response = gql(client, queries.ORDERS, {"first": 250, "lineItems": 10})
    assert response.status_code == 200
    body = response.json()
    cost = queries.page_cost(250)
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": f"Query cost is {cost}, which exceeds the single query max cost limit (1000).",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": 1000},
        }
    ]
    assert body["extensions"]["cost"]["requestedQueryCost"] == cost
    assert SandboxShopifyShop.objects.get(pk=shop.pk).bucket_available == 5000


def test_a_mutation_is_charged_too(client, shop):
    order = make_order(shop)
    fo = data_of(gql(client, queries.FULFILLMENT_ORDERS, {"id": order.gid}))["order"]["fulfillmentOrders"]
    before = cost_of(gql(client, queries.SHOP))["throttleStatus"]["currentlyAvailable"]
    variables = {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["nodes"][0]["id"]}]}}
    response = gql(client, queries.FULFILLMENT_CREATE, variables)
    assert data_of(response)["fulfillmentCreate"]["userErrors"] == []
    cost = cost_of(response)
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (13, 13)
    assert cost["throttleStatus"]["currentlyAvailable"] == before - 13


def test_a_throttled_mutation_changes_nothing(client, shop):
    order = make_order(shop)
    fo = data_of(gql(client, queries.FULFILLMENT_ORDERS, {"id": order.gid}))["order"]["fulfillmentOrders"]
    drain(shop, 12)
    variables = {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["nodes"][0]["id"]}]}}
    body = gql(client, queries.FULFILLMENT_CREATE, variables).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED" and "data" not in body
    order.refresh_from_db()
    assert order.fulfillment_status == "UNFULFILLED" and order.parsed()["fulfillments"] == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_queries_never_spend_the_same_points():
    """Eight queries of 100 points at once on a bucket of 450: exactly four go through."""
    shop = make_shop(restore_rate=0, bucket_size=450)
    query = "{ " + " ".join(f"s{i}: shop {{ name }}" for i in range(100)) + " }"  # 100 objects: 100 points
    assert requested(query) == 100
    answers = []

    def ask():
        try:
            answers.append(gql(Client(), query).json())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted("errors" in answer for answer in answers)
    assert outcomes == [False] * 4 + [True] * 4
    shop.refresh_from_db()
    assert shop.bucket_available == pytest.approx(50)
