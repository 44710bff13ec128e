"""Partner API events out of order: an older copy never creates an order a newer copy showed we must not.

The platform's truth is its newest copy. When that copy was seen first and not imported
(a CANCELLED, or a RECEIVED of a Pelican store), an older copy arriving later, by a later
webhook drain or a backfill page, must not create the order; a newer copy in a state the
connection imports still does.
"""

from datetime import timedelta

import orjson
import pytest

from connections import webhooks
from connections.models import WebhookEvent
from connections.platforms.base import InvalidRecord
from connections.platforms.partner.adapter import _records
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import BASE_TIME, partner_order
from orders.ingest import ingest_page
from orders.models import Order, SkippedOrder

OLDER_THAN_CANCELLED = "older than a newer copy that was not imported (CANCELLED at 20 Nov 2026 09:05:00 UTC)"


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Drains asked for are not queued: each test drains when it means to."""
    monkeypatch.setattr(webhooks, "queue_drain", lambda connection_id: None)


@pytest.fixture
def partner(merchant):
    return make_partner_connection(merchant)


@pytest.fixture
def pelican(merchant):
    return make_partner_connection(merchant, name="pelican", picking_mode="pelican")


def deliver(connection, body) -> WebhookEvent:
    """One event received and drained, as the webhook view and the drain task do."""
    receipt = webhooks.receive(connection, orjson.dumps(body), {}, "127.0.0.1")
    assert receipt.status == 202, receipt.body
    webhooks.drain(connection.pk, gather=0)
    return WebhookEvent.objects.get(pk=receipt.body["event"])


def backfill(connection, *raws):
    """A page of the adapter's fetch_orders, through the same ingest."""
    records, invalid = _records(list(raws))
    return ingest_page(connection, records, invalid)


def test_a_cancelled_event_first_then_the_older_received_creates_no_order(partner):
    order_id = "9f1c2d3e-0000-4000-8000-000000000001"
    cancelled = deliver(partner, partner_order(order_id, "CANCELLED", updated=5))
    assert not Order.objects.exists()
    assert "CANCELLED" in cancelled.outcome and "not selected for import" in cancelled.outcome

    received = deliver(partner, partner_order(order_id, "RECEIVED", updated=0))
    assert not Order.objects.exists()
    assert received.state == WebhookEvent.State.PROCESSED
    assert received.outcome == f"Not applied: {OLDER_THAN_CANCELLED}."
    # "Where is my order?" still answers with the newest copy's reason and state.
    skipped = SkippedOrder.objects.get(connection=partner, external_id=order_id)
    assert "CANCELLED" in skipped.reason and "not selected for import" in skipped.reason
    assert (skipped.platform_status, skipped.platform_updated_at) == ("CANCELLED", BASE_TIME + timedelta(minutes=5))


def test_pelican_cancelled_first_then_the_older_ready_for_pickup_creates_no_order(pelican):
    order_id = "9f1c2d3e-0000-4000-8000-000000000002"
    deliver(pelican, partner_order(order_id, "CANCELLED", updated=5))
    ready = deliver(pelican, partner_order(order_id, "READY_FOR_PICKUP", updated=3))
    assert not Order.objects.exists()
    assert ready.outcome == f"Not applied: {OLDER_THAN_CANCELLED}."


def test_pelican_received_skipped_then_the_newer_ready_for_pickup_creates_the_order(pelican):
    order_id = "9f1c2d3e-0000-4000-8000-000000000003"
    received = deliver(pelican, partner_order(order_id, "RECEIVED", updated=0))
    assert not Order.objects.exists() and "not selected for import" in received.outcome
    ready = deliver(pelican, partner_order(order_id, "READY_FOR_PICKUP", updated=5))
    assert ready.outcome == "Created the order."
    assert Order.objects.get(connection=pelican, external_id=order_id).status == "ready"


def test_a_newer_copy_in_an_imported_status_after_an_older_skipped_one_creates_the_order(partner):
    partner.import_statuses = ["RECEIVED", "READY_FOR_PICKUP"]  # not ACCEPTED
    partner.save(update_fields=["import_statuses"])
    order_id = "9f1c2d3e-0000-4000-8000-000000000004"
    accepted = deliver(partner, partner_order(order_id, "ACCEPTED", updated=2))
    assert not Order.objects.exists() and "not selected for import" in accepted.outcome
    ready = deliver(partner, partner_order(order_id, "READY_FOR_PICKUP", updated=5))
    assert ready.outcome == "Created the order."
    assert Order.objects.get(connection=partner, external_id=order_id).status == "ready"


def test_a_backfill_page_older_than_a_skipped_webhook_creates_no_order(partner):
    order_id = "9f1c2d3e-0000-4000-8000-000000000005"
    deliver(partner, partner_order(order_id, "CANCELLED", updated=5))
    result = backfill(partner, partner_order(order_id, "RECEIVED", updated=0))
    assert (result.created, result.skipped) == (0, 1)
    assert result.outcomes[order_id] == f"skipped: {OLDER_THAN_CANCELLED}"
    # Counted in the run's summary by the newer copy's state, not once per order and time.
    assert result.skipped_reasons == {
        "older than a newer copy that was not imported (CANCELLED)": {"count": 1, "examples": ["fp-1001"]}
    }
    assert not Order.objects.exists()


def test_a_webhook_older_than_a_skipped_backfill_copy_creates_no_order(partner):
    order_id = "9f1c2d3e-0000-4000-8000-000000000006"
    assert backfill(partner, partner_order(order_id, "CANCELLED", updated=5)).skipped == 1
    received = deliver(partner, partner_order(order_id, "RECEIVED", updated=0))
    assert received.outcome == f"Not applied: {OLDER_THAN_CANCELLED}."
    assert not Order.objects.exists()


def test_older_or_unreadable_copies_never_make_the_order_forget_its_newest_copy(pelican):
    order_id = "9f1c2d3e-0000-4000-8000-000000000007"
    deliver(pelican, partner_order(order_id, "CANCELLED", updated=5))
    # An older copy, itself not imported (RECEIVED on Pelican), and an unreadable one with no time...
    deliver(pelican, partner_order(order_id, "RECEIVED", updated=1))
    ingest_page(pelican, [], [InvalidRecord(reference="fp-1001", reason="no items", external_id=order_id)])
    skipped = SkippedOrder.objects.get(connection=pelican, external_id=order_id)
    assert (skipped.platform_status, skipped.platform_updated_at) == ("CANCELLED", BASE_TIME + timedelta(minutes=5))
    # ...so a READY_FOR_PICKUP between the two is still older than the newest copy.
    ready = deliver(pelican, partner_order(order_id, "READY_FOR_PICKUP", updated=3))
    assert ready.outcome == f"Not applied: {OLDER_THAN_CANCELLED}."
    assert not Order.objects.exists()


def test_an_order_held_already_is_judged_by_its_own_copy_not_by_a_skipped_one(partner):
    """The memory only guards creation: a held order follows the held-copy rules."""
    order_id = "9f1c2d3e-0000-4000-8000-000000000008"
    deliver(partner, partner_order(order_id, "RECEIVED", updated=0))
    cancelled = deliver(partner, partner_order(order_id, "CANCELLED", updated=5))
    assert cancelled.outcome == "Updated the order."
    assert Order.objects.get(external_id=order_id).status == "cancelled"
    assert not SkippedOrder.objects.exists()
