"""Staff retry failed pushes (confirmed first) and reprocess failed webhook events, both on the audit trail."""

import json

import pytest
from django.contrib.admin.models import LogEntry

from audit.models import AuditEntry
from connections.models import WebhookEvent
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders import actions
from orders.models import Order, OrderEvent, OutboundAction
from tests.admin.conftest import act, assert_confirmation_page
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)
MODEL = "orders_outboundaction"


@pytest.fixture
def sent(monkeypatch):
    """The ids of the actions handed to the worker (none is really sent)."""
    queued = []
    monkeypatch.setattr(actions, "enqueue_action", queued.append)
    return queued


@pytest.fixture
def order(merchant):
    connection = ConnectionFactory(merchant=merchant)
    return Order.objects.create(
        connection=connection, merchant=merchant, external_id="E1", number="N-77", status="pending"
    )


def push(order, state, **fields):
    return OutboundAction.objects.create(
        order=order, kind="shipment", state=state, attempts=6, last_error="NOTHS said no.", **fields
    )


def test_retry_asks_first_then_requeues_the_failed_pushes(admin_client, order, sent):
    failed = push(order, "failed")
    done = OutboundAction.objects.create(order=order, kind="accept", state="done")
    page = act(admin_client, MODEL, "retry_selected", [failed.pk, done.pk])
    assert_confirmation_page(page, "retry_selected", [failed])
    assert f'value="{done.pk}"' not in page.content.decode()  # only failed pushes are offered
    assert OutboundAction.objects.get(pk=failed.pk).state == "failed" and sent == []

    result = act(admin_client, MODEL, "retry_selected", [failed.pk, done.pk], confirm=True, REMOTE_ADDR="192.0.2.9")
    assert "Retry requested for 1 action(s)." in result.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == ("queued", 0, "")
    assert sent == [failed.pk]  # handed to the worker again
    assert OutboundAction.objects.get(pk=done.pk).state == "done"
    assert OrderEvent.objects.filter(order=order, message__contains="retry requested").exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.connection, entry.ip) == ("push_retried", order.connection, "192.0.2.9")
    assert entry.changes == {"action": failed.pk, "kind": "shipment", "order": "N-77"}
    assert LogEntry.objects.get(object_id=str(failed.pk)).change_message == "Retry requested"


def test_retrying_nothing_failed_does_nothing(admin_client, order, sent):
    done = OutboundAction.objects.create(order=order, kind="accept", state="done")
    page = act(admin_client, MODEL, "retry_selected", [done.pk]).content.decode()
    assert "nothing to retry" in page and sent == []


def test_reprocessing_failed_webhook_events_is_on_the_audit_trail(admin_client, merchant):
    connection = make_partner_connection(merchant)
    body = partner_order(status="RECEIVED")
    event = WebhookEvent.objects.create(
        connection=connection,
        body=json.dumps(body),
        dedupe_key="d1",
        order_external_id=body["order_id"],
        event_status="RECEIVED",
        state=WebhookEvent.State.FAILED,
        error="database hiccup",
    )
    page = act(admin_client, "connections_webhookevent", "reprocess_selected", [event.pk])
    assert_confirmation_page(page, "reprocess_selected", [event])
    assert WebhookEvent.objects.get(pk=event.pk).state == "failed"
    page = act(admin_client, "connections_webhookevent", "reprocess_selected", [event.pk], confirm=True)
    assert "Reprocessed 1 event(s): 1 applied, 0 still failed." in page.content.decode()
    assert WebhookEvent.objects.get(pk=event.pk).state == "processed"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.connection, entry.changes) == (
        "webhooks_reprocessed",
        connection,
        {"events": [event.pk], "still_failed": 0},
    )
    assert LogEntry.objects.get(object_id=str(event.pk)).change_message == "Reprocessed: Processed"
