"""The sandbox NuORDER's own clock (its account's): its orders' times and its Date follow it; OAuth
timestamps are still checked against the real time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from connections.platforms.nuorder.sandbox import data as nuorder_data
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

from .sandbox_helpers import account_of, call, make_app

pytestmark = [pytest.mark.django_db, BEHIND_AND_AHEAD]


@pytest.fixture
def brand(hours):
    creds = make_app()
    account = account_of(creds)
    set_clock(account, hours)
    nuorder_data.generate_orders(account, 3, statuses=("approved",), seed=1)
    return creds


def near(moment, hours, seconds=5):
    return abs((moment - timezone.now() - timedelta(hours=hours)).total_seconds()) <= seconds


def test_signed_requests_pass_and_answers_are_dated_by_the_platforms_clock(client, brand, hours):
    answer = call(client, "GET", "/api/orders/approved/list", brand)
    assert answer.status_code == 200
    assert abs(parse_http_date(answer["Date"]) - (timezone.now() + timedelta(hours=hours)).timestamp()) <= 2


def test_changes_and_new_orders_carry_the_platforms_time(client, brand, hours):
    account = account_of(brand)
    order = account.nuorder_orders.first()
    assert call(client, "POST", f"/api/order/{order.nuorder_id}/processed", brand).status_code == 200
    order.refresh_from_db()
    assert near(order.modified_on, hours)
    nuorder_data.generate_orders(account, 1, seed=9)
    assert near(account.nuorder_orders.order_by("-sequence").first().modified_on, hours)
    nuorder_data.touch_orders(account)
    assert all(near(moment, hours) for moment in account.nuorder_orders.values_list("modified_on", flat=True))
