"""A NuORDER whose clock is hours behind or ahead of the portal's: no read goes by time (each sync
reads the chosen status buckets whole), so the scheduled syncs alone still bring every order and
change, and the connection's page says how far off its clock is, in NuORDER's words."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from connections.models import Connection
from connections.platforms.nuorder.sandbox.data import generate_orders, touch_orders
from orders.models import Order
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock
from tests.support.syncs import scheduled_sync

pytestmark = [pytest.mark.django_db(transaction=True), BEHIND_AND_AHEAD]


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def on_nuorder(account) -> dict[str, str]:
    rows = account.nuorder_orders.filter(status="approved").values_list("nuorder_id", "modified_on")
    return {str(nuorder_id): modified_on for nuorder_id, modified_on in rows}


def imported(connection) -> dict[str, str]:
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_updated_at"))


def test_every_order_and_change_comes_whole_whatever_the_clock(nuorder_connection, nuorder_app, member_client, hours):
    account = nuorder_app.account
    set_clock(account, hours)
    generate_orders(account, 8, statuses=("approved",), seed=3)
    scheduled_sync(nuorder_connection)
    assert imported(nuorder_connection) == on_nuorder(account)
    for round_number in range(2):
        touch_orders(account, count=3)
        generate_orders(account, 2, statuses=("approved",), seed=30 + round_number)
        run = scheduled_sync(nuorder_connection)
        assert run.created == 2
        assert imported(nuorder_connection) == on_nuorder(account), round_number

    connection = Connection.objects.get(pk=nuorder_connection.pk)
    assert abs(connection.clock_offset_seconds - hours * 3600) <= 2
    side = "behind" if hours < 0 else "ahead of"
    notice = (
        f"NuORDER's clock is 3 h 00 min {side} the portal's. "
        "Its orders are read whole, by status, never by their times, so none are missed."
    )
    assert escape(notice) in member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
