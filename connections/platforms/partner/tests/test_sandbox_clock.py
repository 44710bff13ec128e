"""The fake Partner API's own clock (its chain account's): order times, the 60 days and the Date follow it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from connections.platforms.partner.sandbox import data as partner_data
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

from .sandbox_helpers import api_get, make_chain, make_order, order_path, stamp

pytestmark = [pytest.mark.django_db, BEHIND_AND_AHEAD]


@pytest.fixture
def chain(hours):
    chain = make_chain()
    set_clock(chain.account, hours)
    return chain


def chain_now(hours):
    return timezone.now() + timedelta(hours=hours)


def near(moment, hours, seconds=5):
    return abs((moment - chain_now(hours)).total_seconds()) <= seconds


def test_answers_are_dated_by_the_chains_clock(client, chain, hours):
    order = make_order(chain)
    for response in (api_get(client, order_path(order)), api_get(client, "/chains/no-such-chain/orders/x")):
        assert abs(parse_http_date(response["Date"]) - chain_now(hours).timestamp()) <= 2


def test_orders_and_their_moves_carry_the_chains_time(chain, hours):
    order = make_order(chain)
    assert near(order.created_at, hours) and near(order.updated_at, hours)
    partner_data.set_status(order, "CANCELLED", notify=False)
    assert near(order.updated_at, hours) and order.parsed()["sys"]["updated_at"].startswith(
        stamp(order.updated_at)[:16]
    )


def test_the_60_days_are_counted_on_the_chains_clock(client, chain, hours):
    path = f"/chains/{chain.chain_id}/vendors/v-1/orders"
    end = stamp(chain_now(hours) - timedelta(days=50))
    inside = stamp(chain_now(hours) - timedelta(days=60) + timedelta(minutes=30))
    outside = stamp(chain_now(hours) - timedelta(days=60) - timedelta(minutes=30))
    assert api_get(client, path, start_time=inside, end_time=end).status_code == 200
    refused = api_get(client, path, start_time=outside, end_time=end)
    assert refused.status_code == 400 and "more than 60 days ago" in refused.json()["message"]
