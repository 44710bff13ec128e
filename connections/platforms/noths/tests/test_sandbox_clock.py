"""The sandbox NOTHS's own clock: its order times, its list filter and its Date header follow it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from connections.platforms.noths.sandbox.data import generate_orders, touch_orders
from connections.platforms.noths.sandbox.models import iso
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

from .sandbox_helpers import ACCEPT_FORM, api_get, api_post, ids

pytestmark = BEHIND_AND_AHEAD


@pytest.fixture
def clock(account, hours):
    """The account's clock set `hours` from the real time; returns that offset."""
    set_clock(account, hours)
    return timedelta(hours=hours)


def near(moment, expected, seconds=5):
    return abs((moment - expected).total_seconds()) <= seconds


def test_answers_are_dated_by_the_platforms_clock(client, account, clock):
    for response in (api_get(client, "/orders"), api_get(client, "/orders/1")):  # a list and a refusal
        assert abs(parse_http_date(response["Date"]) - (timezone.now() + clock).timestamp()) <= 2


def test_changes_carry_the_platforms_time_and_its_filter_reads_them(client, account, make_order, clock):
    order = make_order(state="placed", updated_at=timezone.now() - timedelta(days=1))
    assert api_post(client, f"/orders/{order.noths_id}/accept", ACCEPT_FORM).status_code == 200
    order.refresh_from_db()
    assert near(order.updated_at, timezone.now() + clock) and order.accepted_at == order.updated_at
    assert api_get(client, f"/orders/{order.noths_id}").json()["updated_at"] == iso(order.updated_at)
    platform_now = timezone.now() + clock
    since = {"updated_at[from]": iso(platform_now - timedelta(minutes=1))}
    assert ids(api_get(client, "/orders", **since)) == [order.noths_id]
    assert ids(api_get(client, "/orders", **{"updated_at[from]": iso(platform_now + timedelta(minutes=1))})) == []


def test_made_and_touched_orders_follow_the_platforms_clock(account, clock):
    generate_orders(account, 3, states=("accepted",))
    newest = account.noths_orders.order_by("-updated_at").first()
    assert newest.updated_at <= timezone.now() + clock and near(newest.placed_at, timezone.now() + clock, 200)
    touch_orders(account, [newest.noths_id])
    newest.refresh_from_db()
    assert near(newest.updated_at, timezone.now() + clock)
