"""A Partner API whose clock is hours behind or ahead of the portal's: its scheduled syncs and reconciliation
(no webhook) import every order it takes and every move, windows, days and 60 days on its clock.

Everything runs over real HTTP to the sandbox Partner API on `live_server`."""

import time
from datetime import timedelta

import pytest

from connections import services
from connections.platforms.partner.sandbox.data import create_chain, create_order, generate_orders, set_status
from connections.platforms.partner.tests.fixtures import (
    PARTNER_CHAIN_ID,
    make_partner_connection,
    platform_statuses,
    portal_statuses,
)
from tests.integration.test_reconcile import reconcile
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock
from tests.support.syncs import scheduled_sync as sync

pytestmark = [pytest.mark.django_db(transaction=True), BEHIND_AND_AHEAD]


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.PARTNER_PAGE_SIZE = 10


def test_syncs_alone_bring_every_order_and_move(live_server, merchant, hours):
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    chain = create_chain(
        "Clock Grocer", chain_id=PARTNER_CHAIN_ID, token="partner-static-token-0001", vendor_ids=("v-1",)
    )
    set_clock(chain.account, hours)
    services.test_connection(connection)  # as Add Account does: the platform's clock is measured
    connection.refresh_from_db()
    assert abs(connection.clock_offset_seconds - hours * 3600) <= 2

    generate_orders(chain, 25, days=1, statuses=("RECEIVED",), seed=5, notify=False)
    sync(connection)
    assert portal_statuses(connection) == platform_statuses(chain)
    vendor = chain.vendors.get()
    for round_number in range(2):
        # Taken and moved on the platform just now, by its clock; no webhook tells the portal.
        create_order(chain, vendor, seed=50 + round_number, notify=False)
        for order in chain.orders.filter(status="RECEIVED").order_by("?")[:3]:
            set_status(order, "READY_FOR_PICKUP", notify=False)
        time.sleep(1.5)  # windows end on a whole second, known to about half a second: let this one pass
        sync(connection)  # the new order, by the sync's window on the platform's clock
        # The moves of orders created before that window, whose webhooks never came, are the
        # reconciliation's (its days on the platform's clock too): the sync reads by creation time.
        reconcile(connection)
        assert portal_statuses(connection) == platform_statuses(chain), round_number
    newest = max(chain.orders.values_list("created_at", flat=True))
    assert abs(newest - (chain.account.now())) < timedelta(minutes=1)  # made on the platform's clock
