"""Reading orders from the fake Partner API: one order, a store's orders by window and page, unknown paths."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.platforms.partner.sandbox import data as partner_data

from .sandbox_helpers import API, TOKEN, api_get, bearer, error, make_chain, make_order, order_path, stamp, window

pytestmark = pytest.mark.django_db
PATHS = ("/orders", "")  # the docs show the store's orders with and without /orders


@pytest.fixture
def chain(db):
    return make_chain()


def listing(client, chain, suffix="/orders", vendor_id="v-1", **params):
    return api_get(client, f"/chains/{chain.chain_id}/vendors/{vendor_id}{suffix}", **params)


def ids(response):
    return [order["order_id"] for order in response.json()["orders"]]


@pytest.mark.parametrize("suffix", PATHS)
def test_pages_of_a_stores_orders_oldest_first(client, chain, suffix):
    now = timezone.now()
    for minute in range(45):
        make_order(chain, seed=minute, created_at=now - timedelta(minutes=100 - minute))
    make_order(chain, "v-2", seed=99, created_at=now - timedelta(minutes=5))  # another store
    expected = list(
        chain.orders.filter(vendor__vendor_id="v-1")
        .order_by("created_at", "order_id")
        .values_list("order_id", flat=True)
    )
    pages = [listing(client, chain, suffix, page_size=20, page=page, **window()) for page in (1, 2, 3, 4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert [len(ids(p)) for p in pages] == [20, 20, 5, 0]
    assert [order_id for p in pages for order_id in ids(p)] == [str(i) for i in expected]
    body = pages[1].json()
    assert (body["page"], body["page_size"], body["total_pages"], body["total_count"]) == (2, 20, 3, 45)
    assert body["orders"][0] == chain.orders.get(order_id=expected[20]).parsed()


def test_orders_of_one_moment_are_sorted_by_order_id(client, chain):
    moment = timezone.now() - timedelta(hours=1)
    for seed in range(6):
        make_order(chain, seed=seed, created_at=moment)
    assert ids(listing(client, chain, **window())) == sorted(ids(listing(client, chain, **window())))
    assert len(ids(listing(client, chain, **window()))) == 6


def test_the_default_page_size_is_20_and_100_the_most(client, chain):
    partner_data.generate_orders(chain, 130, days=1, seed=2, notify=False)
    v1 = chain.orders.filter(vendor__vendor_id="v-1").count()
    assert len(ids(listing(client, chain, **window(2)))) == min(20, v1)
    assert listing(client, chain, page_size=100, **window(2)).json()["page_size"] == 100
    for bad in ("101", "0", "-1", "ten", "²"):
        response = listing(client, chain, page_size=bad, **window())
        assert error(response) == (400, "bad_request") and "page_size" in response.json()["message"]
    assert error(listing(client, chain, page="0", **window())) == (400, "bad_request")


def test_the_window_is_on_the_created_time(client, chain):
    now = timezone.now().replace(microsecond=0)
    inside = make_order(chain, seed=1, created_at=now - timedelta(hours=2))
    make_order(chain, seed=2, created_at=now - timedelta(hours=5))
    make_order(chain, seed=3, created_at=now - timedelta(minutes=30))
    params = {"start_time": stamp(now - timedelta(hours=3)), "end_time": stamp(now - timedelta(hours=1))}
    assert ids(listing(client, chain, **params)) == [str(inside.order_id)]
    edge = {"start_time": stamp(inside.created_at), "end_time": stamp(inside.created_at + timedelta(seconds=1))}
    assert ids(listing(client, chain, **edge)) == [str(inside.order_id)]


def test_times_may_carry_a_z_or_fractions(client, chain):
    make_order(chain, created_at=timezone.now() - timedelta(hours=1))
    start, end = stamp(timezone.now() - timedelta(hours=2)), stamp(timezone.now())
    for params in (
        {"start_time": f"{start}Z", "end_time": f"{end}.999Z"},
        {"start_time": f"{start}.5", "end_time": end},
    ):
        assert listing(client, chain, **params).json()["total_count"] == 1


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({}, "required"),
        ({"start_time": stamp(timezone.now())}, "required"),
        ({"start_time": "2026-11-23", "end_time": "2026-11-24"}, "YYYY-MM-DDTHH:MM:SS"),
        ({"start_time": "2026-02-30T00:00:00", "end_time": "2026-03-01T00:00:00"}, "real date"),
        ({"start_time": stamp(timezone.now()), "end_time": stamp(timezone.now() - timedelta(hours=1))}, "before"),
        (window(61, until=timezone.now() - timedelta(days=2)), "longer than 60 days"),
        (window(1, until=timezone.now() - timedelta(days=60)), "60 days ago"),
    ],
    ids=["none", "no-end", "date-only", "no-such-day", "end-before-start", "too-long", "too-old"],
)
def test_bad_windows_are_400_in_words(client, chain, params, words):
    for suffix in PATHS:
        response = listing(client, chain, suffix, **params)
        assert error(response) == (400, "bad_request")
        assert words in response.json()["message"]


def test_a_window_from_exactly_60_days_ago_is_fine(client, chain):
    start = timezone.now() - timedelta(days=60) + timedelta(seconds=30)
    assert listing(client, chain, start_time=stamp(start), end_time=stamp(timezone.now())).status_code == 200


@pytest.mark.parametrize("suffix", PATHS)
def test_an_unknown_store_is_404(client, chain, suffix):
    response = listing(client, chain, suffix, vendor_id="nope", **window())
    assert error(response) == (404, "not_found")


def test_one_order(client, chain):
    order = make_order(chain)
    response = api_get(client, order_path(order))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == order.parsed()
    assert api_get(client, f"/orders/{order.order_id}").json() == order.parsed()  # the path without the chain


def test_one_order_needs_a_uuid_and_60_days_at_most(client, chain):
    old = make_order(chain, created_at=timezone.now() - timedelta(days=61))
    response = api_get(client, f"/chains/{chain.chain_id}/orders/12345")
    assert error(response) == (400, "bad_request") and "UUID" in response.json()["message"]
    assert error(api_get(client, order_path(old))) == (404, "not_found")
    assert error(api_get(client, f"/chains/{chain.chain_id}/orders/00000000-0000-4000-8000-000000000000")) == (
        404,
        "not_found",
    )
    assert error(api_get(client, f"/orders/{old.order_id}")) == (404, "not_found")


def test_unknown_paths_and_methods(client, chain):
    for path in ("/chains", f"/chains/{chain.chain_id}/catalog", f"/chains/{chain.chain_id}/orders/x/y", "/nothing"):
        response = api_get(client, path)
        assert error(response) == (404, "not_found"), path
    response = client.post(f"{API}/chains/{chain.chain_id}/vendors/v-1/orders", **bearer(TOKEN))
    assert error(response) == (405, "method_not_allowed") and response["Allow"] == "GET"
    assert client.delete(f"{API}{order_path(make_order(chain))}", **bearer(TOKEN)).status_code == 405
