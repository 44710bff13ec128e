"""A Shopify store whose clock is hours behind or ahead of the portal's (its `updatedAt` and its
search following it): each pass starts from the newest update time it committed, so the scheduled
syncs alone (no webhook) import every change. Over real HTTP to the sandbox on `live_server`."""

import time

import pytest

from connections.models import Connection
from connections.platforms.shopify.sandbox.data import cancel_order, create_order, create_shop, generate_orders
from connections.platforms.shopify.sandbox.data import touch_orders as edit_in_admin
from connections.platforms.shopify.tests.fixtures import connect_sandbox_shop
from orders.models import Order
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock
from tests.support.syncs import scheduled_sync as sync

pytestmark = [pytest.mark.django_db(transaction=True), BEHIND_AND_AHEAD]
GID = "gid://shopify/Order/"


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SHOPIFY_PAGE_SIZE = 5


def on_shopify(shop) -> dict[str, object]:
    return {f"{GID}{legacy_id}": updated for legacy_id, updated in shop.orders.values_list("legacy_id", "updated_at")}


def imported(connection) -> dict[str, object]:
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_updated_at"))


def test_the_scheduled_syncs_alone_bring_every_change(live_server, merchant, hours):
    shop = create_shop("Clock Crafts", domain="clock-crafts.myshopify.com")
    set_clock(shop.account, hours)
    generate_orders(shop, 12, days=3, mix=("unfulfilled",), seed=4, notify=False)
    connection = connect_sandbox_shop(live_server, merchant, shop)
    Connection.objects.filter(pk=connection.pk).update(import_statuses=[])  # every state
    sync(connection)
    assert imported(connection) == on_shopify(shop)
    for round_number in range(3):
        edit_in_admin(shop, 2, notify=False)
        cancel_order(shop.orders.filter(cancelled_at__isnull=True).order_by("?").first())
        create_order(shop, seed=40 + round_number, notify=False)
        time.sleep(1.05)  # Shopify's times are whole seconds
        run = sync(connection)
        assert run.created == 1, round_number
        assert imported(connection) == on_shopify(shop), round_number
    assert abs(Connection.objects.get(pk=connection.pk).clock_offset_seconds - hours * 3600) <= 2
