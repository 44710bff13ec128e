"""The sandbox Shopify's own clock (its account's): its order times, its search and its Date header follow it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from connections.platforms.shopify.sandbox import data as shopify_data
from connections.platforms.shopify.sandbox import render
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

from .sandbox_helpers import data_of, gql, make_order, make_shop

pytestmark = [pytest.mark.django_db, BEHIND_AND_AHEAD]
UPDATED = "query($query: String) { orders(first: 10, sortKey: UPDATED_AT, query: $query) { nodes { name updatedAt } } }"


@pytest.fixture
def shop(hours):
    shop = make_shop(bucket_size=100_000, restore_rate=100_000)
    set_clock(shop.account, hours)
    return shop


def near(moment, hours, seconds=5):
    return abs((moment - timezone.now() - timedelta(hours=hours)).total_seconds()) <= seconds


def test_answers_are_dated_by_the_shops_clock(client, shop, hours):
    for response in (gql(client, "{ shop { name } }"), gql(client, "{ shop { name } }", token="shpat_wrong")):
        assert response.status_code in (200, 401)
        assert abs(parse_http_date(response["Date"]) - (timezone.now() + timedelta(hours=hours)).timestamp()) <= 2


def test_new_touched_and_cancelled_orders_carry_the_shops_time(client, shop, hours):
    order = make_order(shop)
    assert near(order.updated_at, hours) and near(order.created_at, hours)
    old = make_order(shop, created_at=timezone.now() + timedelta(hours=hours, days=-2))
    shopify_data.touch_orders(shop, notify=False)
    old.refresh_from_db()
    assert near(old.updated_at, hours)
    shopify_data.cancel_order(old)
    old.refresh_from_db()
    assert near(old.updated_at, hours, seconds=6)
    since = render.utc_z(timezone.now() + timedelta(hours=hours, minutes=-1))
    found = data_of(gql(client, UPDATED, {"query": f"updated_at:>='{since}'"}))["orders"]["nodes"]
    assert sorted(node["name"] for node in found) == sorted([order.name, old.name])
