"""Storing and draining webhook events, called directly: the single-statement store and the drain's pacing."""

import orjson
import pytest
from django.db import transaction

from connections import webhooks
from connections.models import Connection, WebhookEvent
from connections.platforms.partner import webhooks as partner
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.models import Order
from tests.support.webhook_direct import receive


@pytest.fixture
def connection(merchant):
    return make_partner_connection(merchant)


def test_a_duplicate_inside_a_callers_transaction_is_acknowledged_and_the_transaction_goes_on(connection, queued):
    body = partner_order()
    with transaction.atomic():
        assert receive(connection, body).status == 202
        assert receive(connection, body).status == 200  # no IntegrityError: the transaction is not broken
        assert WebhookEvent.objects.count() == 1
    event = WebhookEvent.objects.get()
    assert (event.duplicates, event.state, event.headers) == (1, "received", {"User-Agent": "test"})
    assert queued == [connection.pk]


def test_the_stored_event_is_what_the_model_reads_back(connection, queued):
    body = partner_order(status="RECEIVED", updated=7)
    receipt = receive(connection, body)
    event = WebhookEvent.objects.get(pk=receipt.body["event"])
    assert orjson.loads(event.body) == body
    assert event.dedupe_key == partner.dedupe_key(body, orjson.dumps(body))
    assert (event.order_external_id, event.event_status, event.attempts, event.claim) == (
        body["order_id"],
        "RECEIVED",
        0,
        None,
    )
    assert event.received_at is not None and event.event_updated_at.isoformat().startswith("2026-")


def test_while_events_keep_coming_the_drain_waits_between_batches(connection, queued, monkeypatch, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0.25
    receive(connection, partner_order(code="first"))
    waits = []

    def arrives_meanwhile(seconds):
        waits.append(seconds)
        if len(waits) == 1:  # two events arrive while the drain waits after its first batch
            receive(connection, partner_order(code="second"))
            receive(connection, partner_order(code="third"))

    monkeypatch.setattr(webhooks.time, "sleep", arrives_meanwhile)
    assert webhooks.drain(connection.pk) == 3
    # First batch at once; a wait; the two that came meanwhile as one batch; a wait; nothing left.
    assert waits == [0.25, 0.25]
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert sorted(Order.objects.values_list("number", flat=True)) == ["first", "second", "third"]
    # The events that came while it ran asked for one more drain (which will find nothing).
    assert queued == [connection.pk, connection.pk]


def test_a_drain_that_keeps_finding_events_hands_over_to_a_new_one(connection, queued, monkeypatch, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0.25
    monkeypatch.setattr(webhooks, "DRAIN_MAX_SECONDS", 0.1)  # less than one wait: hand over after a batch
    monkeypatch.setattr(webhooks.time, "sleep", lambda seconds: pytest.fail("it waited past its time"))
    receive(connection, partner_order(code="first"))
    queued.clear()
    assert webhooks.drain(connection.pk) == 1
    assert queued == [connection.pk]  # the next drain is asked for
    assert Connection.objects.get(pk=connection.pk).webhook_drain_asked_at is not None


def test_without_a_gather_time_the_drain_never_waits(connection, queued, monkeypatch, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0
    monkeypatch.setattr(webhooks.time, "sleep", lambda seconds: pytest.fail("it waited"))
    receive(connection, partner_order())
    assert webhooks.drain(connection.pk) == 1


def test_staff_reprocessing_never_waits_for_more_events(connection, queued, monkeypatch, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0.25
    monkeypatch.setattr(webhooks.time, "sleep", lambda seconds: pytest.fail("it waited"))
    receive(connection, partner_order())
    WebhookEvent.objects.update(state=WebhookEvent.State.FAILED, error="boom")
    assert webhooks.reprocess(WebhookEvent.objects.all()).total == 1
    assert WebhookEvent.objects.get().state == "processed"


def test_a_long_backlog_is_handed_over_too(connection, queued, monkeypatch, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0
    monkeypatch.setattr(webhooks, "BATCH", 2)
    monkeypatch.setattr(webhooks, "DRAIN_MAX_SECONDS", 0)  # out of time after the first batch
    for code in ("a", "b", "c"):
        receive(connection, partner_order(code=code))
    queued.clear()
    assert webhooks.drain(connection.pk) == 2  # one full batch, then the next drain is asked for
    assert queued == [connection.pk]
    assert webhooks.drain(connection.pk) == 1
