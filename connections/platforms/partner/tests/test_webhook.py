"""The Partner API webhook over real HTTP: authentication, limits, storage, dedupe, lifecycle."""

import io
import json
import uuid
from datetime import timedelta

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connections import services, webhooks
from connections.models import Connection, WebhookEvent
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.ingest import ingest_page
from orders.models import Order
from portal import queueing


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def hook(live_server, transactional_db, merchant):
    """(connection, post): post(body, secret=..., **headers) sends one event to its URL."""
    connection = make_partner_connection(merchant)
    url = live_server.url + reverse("webhook", args=["partner", connection.webhook_id])

    def post(body, *, secret=PARTNER_WEBHOOK_SECRET, raw=None, headers=None):
        sent = {"Content-Type": "application/json", **(headers or {})}
        if secret is not None:
            sent["Authorization"] = secret
        data = raw if raw is not None else json.dumps(body)
        return requests.post(url, data=data, headers=sent, timeout=10)

    return connection, post


def order_of(connection, order_id):
    return Order.objects.get(connection=connection, external_id=order_id)


def test_an_event_is_stored_acknowledged_and_applied(hook):
    connection, post = hook
    body = partner_order(status="RECEIVED")
    answer = post(body)
    assert answer.status_code == 202 and answer.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert (event.state, event.order_external_id, event.event_status) == ("processed", body["order_id"], "RECEIVED")
    assert event.outcome == "Created the order."
    order = order_of(connection, body["order_id"])
    assert (order.number, order.status, order.currency, str(order.total)) == ("fp-1001", "pending", "SGD", "11.40")
    assert [i.sku for i in order.items.all()] == ["MILK-1L", "BANANA"]


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "wrong-secret",
        f"Bearer {PARTNER_WEBHOOK_SECRET}",
        PARTNER_WEBHOOK_SECRET[:-1],
        PARTNER_WEBHOOK_SECRET.upper(),
    ],
)
def test_a_missing_or_wrong_secret_is_401_and_nothing_is_stored(hook, secret):
    _, post = hook
    answer = post(partner_order(), secret=secret)
    assert answer.status_code == 401
    assert "Authorization" in answer.json()["detail"]
    assert not WebhookEvent.objects.exists() and not Order.objects.exists()


def test_unknown_and_disconnected_connections_are_404(hook, live_server):
    connection, post = hook
    unknown = live_server.url + reverse("webhook", args=["partner", uuid.uuid4()])
    answer = requests.post(unknown, json=partner_order(), headers={"Authorization": PARTNER_WEBHOOK_SECRET}, timeout=10)
    assert answer.status_code == 404
    services.disconnect(connection)
    assert post(partner_order()).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_body_over_the_limit_is_413(hook, settings):
    settings.WEBHOOK_MAX_BYTES = 2000
    _, post = hook
    big = partner_order()
    big["comment"] = "x" * 3000
    assert post(big).status_code == 413
    assert post(partner_order()).status_code == 202
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an order"),
        ('{"status": "RECEIVED"}', "no order_id"),
        ('{"order_id": "abc"}', "no status"),
        ("", "empty"),
    ],
)
def test_bad_bodies_are_400_with_a_reason(hook, raw, words):
    _, post = hook
    answer = post(None, raw=raw)
    assert answer.status_code == 400
    assert words.lower() in answer.json()["detail"].lower()
    assert not WebhookEvent.objects.exists()


def test_an_order_with_unreadable_fields_is_kept_and_shown_not_lost(hook):
    _, post = hook
    body = partner_order()
    body["items"] = "nope"
    assert post(body).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.state == "processed" and "invalid data" in event.outcome and not Order.objects.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_past_the_calendar_is_kept_and_shown_not_a_500(hook, moment):
    """Its offset pushes it past year 1 or 9999 (Python's OverflowError, once answered 500)."""
    _, post = hook
    body = partner_order()
    body["sys"]["updated_at"] = moment
    assert post(body).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.event_updated_at is None
    assert event.state == "processed" and "out of range" in event.outcome and not Order.objects.exists()


def test_a_duplicate_is_acknowledged_and_changes_nothing(hook):
    connection, post = hook
    body = partner_order(status="RECEIVED")
    assert post(body).status_code == 202
    order = order_of(connection, body["order_id"])
    again = post(body)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    event = WebhookEvent.objects.get()
    assert event.duplicates == 1
    assert Order.objects.count() == 1 and order_of(connection, body["order_id"]).updated_at == order.updated_at


def test_nul_characters_are_taken_out_as_ingest_does_not_refused(hook):
    """PostgreSQL keeps no NUL in text or jsonb: an event holding one was refused with 503
    on every retry. It is stored and applied with each NUL taken out, as ingest takes it out
    of an order that comes by the backfill, so both paths name the same order (no twin)."""
    connection, post = hook
    body = partner_order("fp\u0000order")
    body["comment"] = "ring\u0000twice"
    body["customer"]["last\u0000name"] = "x"
    assert post(body).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.order_external_id == "fporder" and "\x00" not in event.dedupe_key
    assert event.state == "processed", event.error
    order = order_of(connection, "fporder")
    assert "\x00" not in json.dumps(order.raw) and order.raw["comment"] == "ringtwice"
    assert post(body).json()["status"] == "duplicate"
    # The same order by the backfill's path (ingest, which takes NUL out itself): the same order.
    later = {**body, "status": "READY_FOR_PICKUP", "sys": {**body["sys"], "updated_at": "2099-01-01T00:00:00Z"}}
    ingest_page(connection, [connection.adapter.deliveries.record(later)])
    assert Order.objects.filter(connection=connection).count() == 1
    assert order_of(connection, "fporder").status == "ready"


def test_a_broker_that_is_down_costs_no_event(hook, monkeypatch):
    """The event is stored before the task is queued: the answer stays 202, the flag is let go
    so the next event asks again, and nothing is lost meanwhile."""
    connection, post = hook

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(queueing, "async_task", down)
    first = partner_order(code="first")
    assert post(first).status_code == 202
    assert WebhookEvent.objects.get().state == "received"
    assert Connection.objects.get(pk=connection.pk).webhook_drain_asked_at is None
    monkeypatch.undo()
    second = partner_order(code="second")
    assert post(second).status_code == 202
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert {o.number for o in Order.objects.all()} == {"first", "second"}


def test_the_secret_is_not_kept_with_the_headers(hook):
    _, post = hook
    post(partner_order(), headers={"X-Copy": PARTNER_WEBHOOK_SECRET, "X-Request-Id": "r-1"})
    event = WebhookEvent.objects.get()
    stored = json.dumps(event.headers) + event.body
    assert PARTNER_WEBHOOK_SECRET not in stored
    assert event.headers["X-Request-Id"] == "r-1" and "Authorization" not in event.headers


def test_the_lifecycle_moves_forward_only(hook):
    connection, post = hook
    order_id = str(uuid.uuid4())
    post(partner_order(order_id, "RECEIVED", updated=0))
    post(partner_order(order_id, "DISPATCHED", updated=20))
    assert order_of(connection, order_id).status == "shipped"
    # A late READY_FOR_PICKUP (older than what we hold) never moves the order back.
    post(partner_order(order_id, "READY_FOR_PICKUP", updated=10))
    order = order_of(connection, order_id)
    assert order.status == "shipped"
    late = WebhookEvent.objects.get(event_status="READY_FOR_PICKUP")
    assert late.state == "processed" and "older than the copy" in late.outcome


def test_nothing_moves_a_cancelled_order_and_the_reason_is_kept(hook):
    connection, post = hook
    order_id = str(uuid.uuid4())
    cancellation = {"reason": "ITEM_UNAVAILABLE", "cancelled_by": "VENDOR"}
    post(partner_order(order_id, "RECEIVED", updated=0))
    post(partner_order(order_id, "CANCELLED", updated=5, cancellation=cancellation))
    post(partner_order(order_id, "READY_FOR_PICKUP", updated=9))
    order = order_of(connection, order_id)
    assert order.status == "cancelled"
    assert ["Cancellation", "Items unavailable (cancelled by the store)"] in order.notes
    assert order.flags["cancellation"] == cancellation
    assert "cancelled" in WebhookEvent.objects.get(event_status="READY_FOR_PICKUP").outcome


def test_an_unknown_status_is_stored_acknowledged_and_not_applied(hook):
    connection, post = hook
    order_id = str(uuid.uuid4())
    post(partner_order(order_id, "RECEIVED", updated=0))
    answer = post(partner_order(order_id, "PICKER_ASSIGNED", updated=3))
    assert answer.status_code == 202
    event = WebhookEvent.objects.get(event_status="PICKER_ASSIGNED")
    assert event.state == WebhookEvent.State.NOT_APPLIED and "PICKER_ASSIGNED" in event.outcome
    assert order_of(connection, order_id).status == "pending"


def test_a_pelican_store_creates_the_order_on_its_first_ready_for_pickup(live_server, transactional_db, merchant):
    connection = make_partner_connection(merchant, picking_mode="pelican")
    url = live_server.url + reverse("webhook", args=["partner", connection.webhook_id])
    order_id = str(uuid.uuid4())
    headers = {"Authorization": PARTNER_WEBHOOK_SECRET}
    requests.post(url, json=partner_order(order_id, "RECEIVED", updated=0), headers=headers, timeout=10)
    assert not Order.objects.exists()
    assert "not selected for import" in WebhookEvent.objects.get().outcome
    requests.post(url, json=partner_order(order_id, "READY_FOR_PICKUP", updated=5), headers=headers, timeout=10)
    assert order_of(connection, order_id).status == "ready"


def test_the_previous_secret_is_accepted_for_the_grace_period_only(hook):
    connection, post = hook
    services.rotate_webhook_secret(connection, "a-brand-new-secret-of-my-own")
    assert post(partner_order()).status_code == 202  # the old one, within the grace period
    assert post(partner_order(), secret="a-brand-new-secret-of-my-own").status_code == 202
    Connection.objects.filter(pk=connection.pk).update(previous_webhook_secret_until=timezone.now())
    assert post(partner_order()).status_code == 401


def test_events_of_a_paused_connection_wait_and_are_applied_after_resume(hook):
    connection, post = hook
    services.pause(connection)
    body = partner_order()
    assert post(body).status_code == 202
    assert WebhookEvent.objects.get().state == "received" and not Order.objects.exists()
    services.resume(connection)
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.drain_due() == 1
    assert WebhookEvent.objects.get().state == "processed" and Order.objects.count() == 1


def test_a_failed_event_keeps_its_error_and_staff_reprocess_it(hook, monkeypatch, admin_client):
    _, post = hook
    real = webhooks.ingest_page

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(webhooks, "ingest_page", broken)
    post(partner_order(code="A"))
    post(partner_order(code="B"))
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"failed"}
    assert "database hiccup" in WebhookEvent.objects.first().error
    monkeypatch.setattr(webhooks, "ingest_page", real)
    first = WebhookEvent.objects.order_by("pk").first()
    admin_client.post(
        reverse("admin:connections_webhookevent_changelist"),
        {"action": "reprocess_selected", "_selected_action": [first.pk], "post": "yes"},
    )
    first.refresh_from_db()
    assert first.state == "processed" and first.error == ""
    call_command("reprocess_webhooks")
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert Order.objects.count() == 2


def test_reprocessing_a_paused_connections_events_says_they_wait(hook, monkeypatch):
    connection, post = hook
    monkeypatch.setattr(webhooks, "ingest_page", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("hiccup")))
    post(partner_order())
    monkeypatch.undo()
    services.pause(connection)
    out = io.StringIO()
    call_command("reprocess_webhooks", stdout=out)
    assert out.getvalue().startswith("Reprocessed 1 event(s): 0 applied, 0 still failed, 1 waiting until")
    assert WebhookEvent.objects.get().state == "received" and not Order.objects.exists()


def test_events_a_dead_worker_held_are_taken_back_and_applied_once(hook, monkeypatch):
    connection, post = hook
    monkeypatch.setattr(webhooks, "queue_drain", lambda connection_id: None)  # no worker took them
    body = partner_order()
    post(body)
    claimed = webhooks._claim(connection.pk)  # a worker claimed them, then died before committing
    assert [e.state for e in claimed] == ["processing"]
    WebhookEvent.objects.update(claimed_at=timezone.now() - timedelta(minutes=5))
    monkeypatch.undo()
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.drain_due() == 1
    event = WebhookEvent.objects.get()
    assert event.state == "processed" and event.attempts == 2
    assert Order.objects.filter(external_id=body["order_id"]).count() == 1


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    operation = schema["paths"]["/webhooks/{platform}/{webhook_id}/"]["post"]
    assert operation["operationId"] == "webhook"
    assert {"202", "400", "401", "404", "413"} <= set(operation["responses"])


@pytest.mark.parametrize(("size", "status"), [(1500, 202), (2500, 413)])
def test_a_chunked_body_is_read_to_its_end_up_to_the_limit(transactional_db, merchant, settings, size, status):
    """No Content-Length (Transfer-Encoding: chunked): gunicorn ends the input at the body's end
    and says so (`wsgi.input_terminated`); the body is read to there, the limit still holding."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    settings.WEBHOOK_MAX_BYTES = 2000
    connection = make_partner_connection(merchant)
    body = partner_order()
    body["comment"] = ""
    body["comment"] = "x" * (size - len(json.dumps(body)))
    data = json.dumps(body).encode()
    environ = (
        RequestFactory()
        .post(
            reverse("webhook", args=["partner", connection.webhook_id]),
            data,
            content_type="application/json",
            HTTP_AUTHORIZATION=PARTNER_WEBHOOK_SECRET,
            HTTP_TRANSFER_ENCODING="chunked",
        )
        .environ
    )
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input"], environ["wsgi.input_terminated"] = io.BytesIO(data), True
    answered = []
    WSGIHandler()(environ, lambda code, headers, exc_info=None: answered.append(code))
    assert answered[0].startswith(str(status))
    assert WebhookEvent.objects.count() == (1 if status == 202 else 0)
    if status == 202:
        assert WebhookEvent.objects.get().body == data.decode()
