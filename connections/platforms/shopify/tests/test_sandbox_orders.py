"""The sandbox Shopify's `orders` connection: cursor paging that survives changes to other orders, the
sort keys, and the search syntax the adapter's incremental sync uses."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from connections.platforms.shopify import queries
from connections.platforms.shopify.sandbox import data as shopify_data
from connections.platforms.shopify.sandbox import orders as shopify_orders
from connections.platforms.shopify.sandbox import render
from connections.platforms.shopify.sandbox.models import SandboxShopifyOrder

from .sandbox_helpers import data_of, gql, make_order, make_shop

pytestmark = pytest.mark.django_db

LIST = """query($first: Int, $last: Int, $after: String, $before: String, $sort: OrderSortKeys, $reverse: Boolean,
  $query: String) {
  orders(first: $first, last: $last, after: $after, before: $before, sortKey: $sort, reverse: $reverse,
    query: $query) {
    edges { cursor node { id name updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.fixture
def shop(db):
    return make_shop(bucket_size=100_000, restore_rate=100_000)


def listing(client, **variables) -> dict:
    return data_of(gql(client, LIST, variables))["orders"]


def names(connection) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def search(client, query, **variables) -> list[str]:
    return sorted(names(listing(client, first=250, query=query, **variables)), key=lambda n: int(n[1:]))


def set_times(order, **times):
    """Give an order these times (UTC datetimes), in its document and columns alike."""
    doc = order.parsed()
    for key, moment in times.items():
        doc[key] = render.utc_z(moment)
    shopify_orders.write_document(order, doc)
    order.created_at = render.from_z(doc["created_at"])
    order.save()


def test_paging_by_creation_sees_every_order_exactly_once_while_others_change(client, shop):
    shopify_data.generate_orders(shop, 57, seed=3)
    every = set(shop.orders.values_list("name", flat=True))
    seen, after, pages = [], None, 0
    while True:
        page = listing(client, first=10, after=after, sort="CREATED_AT")
        seen += names(page)
        pages += 1
        shopify_data.touch_orders(shop, 5)  # edits elsewhere in the shop
        shopify_orders.cancel_order(shop.orders.filter(cancelled_at__isnull=True).order_by("?").first())
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        after = page["pageInfo"]["endCursor"]
    assert pages == 6
    assert len(seen) == len(set(seen)) == 57 and set(seen) == every


def test_paging_by_update_as_the_adapter_does_sees_every_order(client, shop):
    """Sorted by updated_at, an order edited after it was read comes again at the end; none is missed."""
    shopify_data.generate_orders(shop, 35, seed=4)
    every = set(shop.orders.values_list("legacy_id", flat=True))
    seen, after, touched = [], None, 0
    while True:
        page = data_of(gql(client, queries.ORDERS, {"first": 10, "after": after, "lineItems": 2}))["orders"]
        seen += [int(node["legacyResourceId"]) for node in page["nodes"]]
        stamps = [node["updatedAt"] for node in page["nodes"]]
        assert stamps == sorted(stamps)
        touched += shopify_data.touch_orders(shop, 3)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert set(seen) == every
    assert len(seen) - len(every) <= touched  # only edited orders come again


def test_pages_are_in_order_of_the_sort_key_and_reverse(client, shop):
    shopify_data.generate_orders(shop, 12, seed=5)
    by_id = list(shop.orders.order_by("legacy_id").values_list("name", flat=True))
    assert names(listing(client, first=50, sort="ID")) == by_id
    assert names(listing(client, first=50, sort="ID", reverse=True)) == by_id[::-1]
    by_number = [f"#{n}" for n in range(1001, 1013)]
    assert names(listing(client, first=50, sort="ORDER_NUMBER")) == by_number
    updated = list(shop.orders.order_by("updated_at", "legacy_id").values_list("name", flat=True))
    assert names(listing(client, first=50, sort="UPDATED_AT")) == updated
    processed = list(shop.orders.order_by("processed_at", "legacy_id").values_list("name", flat=True))
    assert names(listing(client, first=50)) == processed  # PROCESSED_AT by default


def test_last_and_before_page_backwards(client, shop):
    shopify_data.generate_orders(shop, 9, seed=6)
    by_id = list(shop.orders.order_by("legacy_id").values_list("name", flat=True))
    tail = listing(client, last=4, sort="ID")
    assert names(tail) == by_id[-4:]
    assert tail["pageInfo"]["hasPreviousPage"] is True and tail["pageInfo"]["hasNextPage"] is False
    before = listing(client, last=4, before=tail["pageInfo"]["startCursor"], sort="ID")
    assert names(before) == by_id[1:5]
    assert before["pageInfo"]["hasNextPage"] is True
    first = listing(client, last=4, before=before["pageInfo"]["startCursor"], sort="ID")
    assert names(first) == by_id[:1] and first["pageInfo"]["hasPreviousPage"] is False


def test_a_cursor_the_sort_cannot_read_is_an_error(client, shop):
    make_order(shop)
    body = gql(client, LIST, {"first": 5, "after": "not-a-cursor"}).json()
    assert body["data"] is None and "Invalid cursor" in body["errors"][0]["message"]
    number_cursor = listing(client, first=1, sort="ORDER_NUMBER")["pageInfo"]["endCursor"]
    body = gql(client, LIST, {"first": 5, "after": number_cursor, "sort": "UPDATED_AT"}).json()
    assert "Invalid cursor" in body["errors"][0]["message"]


def test_both_first_and_last_is_an_error(client, shop):
    body = gql(client, LIST, {"first": 2, "last": 2}).json()
    assert body["data"] is None and "first" in body["errors"][0]["message"]


# -- the search syntax ----------------------------------------------------------------------------------


@pytest.fixture
def timed(shop):
    """Four orders updated at 10:00, 11:00, 11:00:30 and 12:00 UTC on 2 Nov 2026, created a day apart."""
    moments = [
        datetime(2026, 11, 2, h, m, s, tzinfo=UTC) for h, m, s in ((10, 0, 0), (11, 0, 0), (11, 0, 30), (12, 0, 0))
    ]
    made = []
    for index, moment in enumerate(moments):
        order = make_order(shop, seed=index)
        created = datetime(2026, 10, 30, 9, 0, tzinfo=UTC) + timedelta(days=index)
        set_times(order, created_at=created, processed_at=created, updated_at=moment)
        made.append(order)
    return made


def test_updated_at_comparisons(client, timed):
    assert search(client, "updated_at:>'2026-11-02T11:00:00Z'") == ["#1003", "#1004"]
    assert search(client, "updated_at:>='2026-11-02T11:00:00Z'") == ["#1002", "#1003", "#1004"]
    assert search(client, "updated_at:<'2026-11-02T11:00:00Z'") == ["#1001"]
    assert search(client, "updated_at:<=2026-11-02T11:00:00Z") == ["#1001", "#1002"]
    assert search(client, 'updated_at:"2026-11-02T11:00:30Z"') == ["#1003"]
    # the adapter's window: after a high-water mark, up to another, with AND or a space
    window = "updated_at:>'2026-11-02T10:00:00Z' AND updated_at:<='2026-11-02T11:00:30Z'"
    assert search(client, window) == ["#1002", "#1003"]
    assert search(client, window.replace(" AND ", " ")) == ["#1002", "#1003"]
    # an offset means the same moment
    assert search(client, "updated_at:>'2026-11-02T06:00:00-05:00'") == ["#1003", "#1004"]


def test_created_at_with_dates_in_the_shops_time_zone(client, timed):
    # created on 30 Oct, 31 Oct, 1 Nov and 2 Nov at 09:00 UTC (Europe/London: GMT from 25 Oct)
    assert search(client, "created_at:>=2026-11-01") == ["#1003", "#1004"]
    assert search(client, "created_at:>2026-11-01") == ["#1004"]
    assert search(client, "created_at:2026-10-31") == ["#1002"]
    assert search(client, "created_at:<2026-10-31") == ["#1001"]
    assert search(client, "created_at:<='2026-10-31T09:00:00Z'") == ["#1001", "#1002"]


def test_status_filters(client, shop):
    open_order = make_order(shop, seed=1)
    fulfilled = make_order(shop, seed=2, mix="fulfilled")
    cancelled = make_order(shop, seed=3)
    shopify_orders.cancel_order(cancelled)
    assert search(client, "status:open") == [open_order.name]
    assert search(client, "status:closed") == [fulfilled.name, cancelled.name]
    assert search(client, "status:cancelled") == [cancelled.name]
    assert search(client, "status:not_closed") == [open_order.name]
    assert search(client, "status:any") == search(client, "") == search(client, None) == ["#1001", "#1002", "#1003"]
    # NOT negates the term after it (a reconciliation's lists leave out each other's orders this way)
    assert search(client, "NOT status:open") == [fulfilled.name, cancelled.name]
    assert search(client, "status:closed NOT status:cancelled") == [fulfilled.name]


def test_name_filter_and_unknown_terms(client, shop):
    for seed in range(3):
        make_order(shop, seed=seed)
    assert search(client, "name:#1002") == ["#1002"]
    assert search(client, "name:1002") == ["#1002"]
    assert search(client, "name:'#1003' AND status:any") == ["#1003"]
    assert search(client, "sku:MUG-SAGE whatever") == ["#1001", "#1002", "#1003"]  # not served: ignored
    assert search(client, "updated_at:>'yesterday-ish'") == ["#1001", "#1002", "#1003"]


def test_financial_and_fulfillment_status_filters(client, shop):
    make_order(shop, seed=1)
    partial = make_order(shop, seed=2, mix="partial")
    fulfilled = make_order(shop, seed=3, mix="fulfilled")
    refunded = make_order(shop, seed=4, mix="refunded")
    assert search(client, "fulfillment_status:shipped") == [fulfilled.name]
    assert search(client, "fulfillment_status:partial") == [partial.name]
    assert search(client, "financial_status:refunded") == [refunded.name]


def test_now_is_understood(client, shop):
    order = make_order(shop)
    set_times(order, updated_at=timezone.now() - timedelta(hours=1))
    assert search(client, "updated_at:<now") == [order.name]
    assert search(client, "updated_at:>now") == []


def test_orders_of_other_shops_are_never_listed(client, shop):
    other = make_shop(domain="other-crafts.myshopify.com", token="shpat_other", client_id="other-client")
    shopify_data.generate_orders(other, 5, seed=1)
    make_order(shop)
    assert search(client, "") == ["#1001"]
    assert SandboxShopifyOrder.objects.count() == 6
