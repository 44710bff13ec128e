"""Missed webhooks cost minutes, not orders: the backfill brings the portal back to the platform.

Everything runs over real HTTP: the sandbox Partner API sends its webhooks to the portal's
endpoint on `live_server`, dropping a tenth of them; the sync then reads the sandbox's API.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from connections.models import WebhookEvent
from connections.platforms.partner.sandbox.data import create_chain, generate_orders, set_status
from connections.platforms.partner.sandbox.models import LOGISTICS_DELIVERY, SandboxPartnerDelivery
from connections.platforms.partner.sandbox.webhooks import deliver_due
from connections.platforms.partner.tests.fixtures import (
    PARTNER_CHAIN_ID,
    PARTNER_WEBHOOK_SECRET,
    make_partner_connection,
)
from connections.sync import execute, request_sync
from orders.ingest import OLDER_THAN_HELD
from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def platform_orders(chain) -> dict[str, str]:
    return {str(order_id): status for order_id, status in chain.orders.values_list("order_id", "status")}


def portal_orders(connection) -> dict[str, str]:
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_status"))


def chain_sending_to(live_server, connection, **switches):
    """The sandbox chain of the connection's credentials, its webhooks pointed at the connection."""
    return create_chain(
        "Sandbox Grocer",
        chain_id=PARTNER_CHAIN_ID,
        token="partner-static-token-0001",
        vendor_ids=("v-1",),
        webhook_url=live_server.url + reverse("webhook", args=["partner", connection.webhook_id]),
        webhook_secret=PARTNER_WEBHOOK_SECRET,
        webhook_backoff_seconds=0,
        **switches,
    )


def deliver_everything() -> None:
    while deliver_due():
        pass


def test_the_backfill_recovers_every_dropped_webhook(live_server, merchant, settings):
    settings.PARTNER_PAGE_SIZE = 25
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    # Cancelled orders too: by default one cancelled before we ever saw it is skipped, not imported.
    connection.import_statuses = [*connection.import_statuses, "CANCELLED"]
    connection.save(update_fields=["import_statuses"])
    chain = chain_sending_to(live_server, connection, webhook_drop_percent=10, webhook_drop_seed=4)
    generate_orders(
        chain, 80, days=1, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=11, notify=True
    )
    # The platform moves most of them on; each move is a webhook of its own (or a dropped one).
    for position, order in enumerate(chain.orders.order_by("pk")):
        if position % 4 == 0:
            continue
        set_status(order, "READY_FOR_PICKUP")
        if position % 4 == 2:
            set_status(order, "DISPATCHED")
        elif position % 4 == 3:
            set_status(order, "CANCELLED")
    deliver_everything()

    dropped = SandboxPartnerDelivery.objects.filter(state=SandboxPartnerDelivery.DROPPED).count()
    sent = SandboxPartnerDelivery.objects.exclude(state=SandboxPartnerDelivery.DROPPED)
    assert 0 < dropped < sent.count() / 3  # about a tenth of the 180 events
    assert not sent.exclude(state=SandboxPartnerDelivery.DELIVERED).exists()
    assert WebhookEvent.objects.filter(connection=connection, state="processed").count() == sent.count()
    expected = platform_orders(chain)
    assert portal_orders(connection) != expected  # the drops did cost something

    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(run.pk)

    assert portal_orders(connection) == expected
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.created + run.updated > 0  # the backfill, not the webhooks, closed the gap
    assert Order.objects.filter(connection=connection).count() == len(expected)  # nothing twice


def test_duplicates_late_events_and_a_wrong_secret_leave_the_platforms_order_set(live_server, merchant):
    """The sender's other switches, end to end: every event is applied once, none moves an order back."""
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    chain = chain_sending_to(
        live_server,
        connection,
        webhook_duplicate=-1,  # every event twice
        webhook_out_of_order=1,  # the first event arrives after the next one
    )
    generate_orders(chain, 1, days=1, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=3)
    order = chain.orders.get()
    set_status(order, "READY_FOR_PICKUP")
    deliver_everything()
    # The next two attempts carry a wrong secret: refused (401), then sent again.
    type(chain).objects.filter(pk=chain.pk).update(webhook_wrong_secret=2)
    set_status(order, "DISPATCHED")
    deliver_everything()

    deliveries = SandboxPartnerDelivery.objects.filter(chain=chain)
    assert deliveries.count() == 6 and not deliveries.exclude(state=SandboxPartnerDelivery.DELIVERED).exists()
    assert sum(deliveries.values_list("attempts", flat=True)) == 6 + 2  # two refused, then sent again
    events = WebhookEvent.objects.filter(connection=connection)
    assert sorted(events.values_list("event_status", flat=True)) == ["DISPATCHED", "READY_FOR_PICKUP", "RECEIVED"]
    assert not events.exclude(state="processed").exists()
    assert OLDER_THAN_HELD in events.get(event_status="RECEIVED").outcome  # it came after READY_FOR_PICKUP
    assert portal_orders(connection) == platform_orders(chain) == {str(order.order_id): "DISPATCHED"}
