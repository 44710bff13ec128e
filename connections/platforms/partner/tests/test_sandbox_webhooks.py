"""The fake Partner API's webhooks over real HTTP: what is sent, retries and giving up, the switches,
and which events each picking mode hears."""

import json
import socket
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections.platforms.partner.sandbox import data as partner_data
from connections.platforms.partner.sandbox import webhooks as partner_webhooks
from connections.platforms.partner.sandbox.models import PELICAN, SandboxPartnerChain, SandboxPartnerDelivery
from connections.platforms.partner.sandbox.webhooks import deliver_due

from .sandbox_helpers import SECRET, Receiver, api_get, api_put, make_chain, make_order, order_path, put_body

pytestmark = pytest.mark.django_db
Delivery = SandboxPartnerDelivery


def hooked(receiver, **fields):
    """A Partner Picking chain whose webhook points at the receiver; retries at once unless told."""
    fields.setdefault("webhook_backoff_seconds", 0)
    return make_chain(webhook_url=receiver.url, webhook_secret=SECRET, **fields)


def switch(chain, **values):
    SandboxPartnerChain.objects.filter(pk=chain.pk).update(**values)
    chain.refresh_from_db()


def states(chain):
    return list(chain.deliveries.order_by("pk").values_list("state", flat=True))


def test_a_new_order_is_pushed_whole_with_the_secret_verbatim(client):
    with Receiver() as receiver:
        chain = hooked(receiver)
        order = make_order(chain)
        assert deliver_due() == 1
    (request,) = receiver.received
    assert request.path == "/webhooks/partner/abc/"
    assert request.headers["Authorization"] == SECRET
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == api_get(client, order_path(order)).json()  # the GET order, no envelope
    assert request.json()["status"] == "RECEIVED"
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None and delivery.last_error == ""
    assert deliver_due() == 0


def test_the_header_name_is_the_chains(db):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_header="X-Webhook-Secret")
        make_order(chain)
        deliver_due()
    assert receiver.received[0].headers["X-Webhook-Secret"] == SECRET
    assert "Authorization" not in receiver.received[0].headers


def test_non_2xx_answers_are_retried_until_a_2xx(db):
    with Receiver(500, 503, 302) as receiver:
        chain = hooked(receiver)
        order = make_order(chain)
        for _ in range(3):
            assert deliver_due() == 1
            assert order.deliveries.get().state == Delivery.QUEUED
        assert deliver_due() == 1
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.DELIVERED, 4, 200)
    assert len(receiver.received) == 4


def test_backoff_doubles_with_jitter_up_to_the_cap(db):
    with Receiver(default=500) as receiver:
        chain = hooked(receiver, webhook_backoff_seconds=1, webhook_backoff_cap_seconds=5, webhook_max_attempts=20)
        order = make_order(chain)
        now = timezone.now()
        waits = []
        for _ in range(5):
            assert deliver_due(now) == 1
            due = order.deliveries.get().next_attempt_at
            assert deliver_due(due - timedelta(milliseconds=10)) == 0  # not before it is due
            waits.append((due - now).total_seconds())
            now = due
    for wait, base in zip(waits, (1, 2, 4, 5, 5), strict=True):
        assert base * 0.8 - 0.01 <= wait <= min(5, base * 1.2) + 0.01
    assert partner_webhooks.backoff_seconds(chain, 30) == 5


def test_it_gives_up_after_the_chains_attempts(db):
    with Receiver(default=500) as receiver:
        chain = hooked(receiver, webhook_max_attempts=3)
        order = make_order(chain)
        assert [deliver_due() for _ in range(4)] == [1, 1, 1, 0]
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.FAILED, 3, 500)
    assert "HTTP 500" in delivery.last_error


def test_a_refused_connection_and_a_timeout_are_failed_attempts(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    chain = make_chain(
        webhook_url=f"http://127.0.0.1:{closed_port}/hook", webhook_secret="s", webhook_backoff_seconds=0
    )
    order = make_order(chain)
    assert deliver_due() == 1
    delivery = order.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (Delivery.QUEUED, 1, None)
    assert "Connection" in delivery.last_error
    with Receiver(delay=1) as slow:
        switch(chain, webhook_url=slow.url, webhook_timeout_seconds=0.2)
        assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.QUEUED, 2) and "Timeout" in delivery.last_error


def test_limit_and_due_time(db):
    with Receiver() as receiver:
        chain = hooked(receiver)
        for seed in range(3):
            make_order(chain, seed=seed)
        assert deliver_due(timezone.now() - timedelta(minutes=1)) == 0
        assert deliver_due(limit=2) == 2
        assert deliver_due() == 1
    assert len(receiver.received) == 3


def test_no_webhook_url_nothing_queued(db):
    chain = make_chain()
    make_order(chain)
    assert not Delivery.objects.exists() and deliver_due() == 0


# -- the switches ----------------------------------------------------------------------------------------


def test_duplicates_send_the_next_n_events_twice(db):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_duplicate=1)
        first, second = make_order(chain, seed=1), make_order(chain, seed=2)
        assert deliver_due() == 3
    assert [r.json()["order_id"] for r in receiver.received] == [str(first.order_id)] * 2 + [str(second.order_id)]
    assert receiver.received[0].body == receiver.received[1].body
    assert list(first.deliveries.order_by("pk").values_list("duplicate", flat=True)) == [False, True]
    chain.refresh_from_db()
    assert chain.webhook_duplicate == 0


def test_duplicates_every_event(db):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_duplicate=-1)
        for seed in range(3):
            make_order(chain, seed=seed)
        assert deliver_due() == 6
    assert states(chain) == [Delivery.DELIVERED] * 6


def test_out_of_order_holds_an_event_until_the_chains_next(client):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_out_of_order=1)
        order = make_order(chain)
        assert states(chain) == [Delivery.HELD] and deliver_due() == 0
        api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP"))
        assert deliver_due() == 2
    assert receiver.statuses() == ["READY_FOR_PICKUP", "RECEIVED"]
    assert states(chain) == [Delivery.DELIVERED] * 2


def test_a_held_event_with_no_next_event_is_sent_after_the_hold(db, settings):
    """At least once: with the switch on and one event only, the event still arrives, within the hold."""
    settings.SANDBOX_PARTNER_WEBHOOK_HOLD_SECONDS = 1
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_out_of_order=1)
        make_order(chain)
        held_at = time.monotonic()
        assert states(chain) == [Delivery.HELD] and deliver_due() == 0 and not receiver.received
        sent = 0
        while not sent and time.monotonic() - held_at < 1 + 2:  # the hold, and a margin for a slow machine
            time.sleep(0.05)
            sent = deliver_due()  # a round of the sender's loop
        waited = time.monotonic() - held_at
        assert sent == 1 and deliver_due() == 0
    assert receiver.statuses() == ["RECEIVED"]
    assert 1 - 0.1 <= waited <= 1 + 2
    assert states(chain) == [Delivery.DELIVERED]


def test_a_held_event_is_sent_once_whichever_releases_it_first(client):
    """The hold ran out, then the next event came; and the next event came, then the hold ran out."""
    after_the_hold = timedelta(seconds=partner_webhooks.hold_seconds() + 1)
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_out_of_order=1)
        order = make_order(chain, seed=1)
        assert deliver_due(timezone.now() + after_the_hold) == 1  # the hold ran out: sent alone
        api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP"))
        assert deliver_due() == 1  # only the new event: the released one is not sent again
        assert receiver.statuses() == ["RECEIVED", "READY_FOR_PICKUP"]

        switch(chain, webhook_out_of_order=1)
        other = make_order(chain, seed=2)
        api_put(client, order_path(other), put_body(other, "READY_FOR_PICKUP"))
        assert deliver_due() == 2  # the next event released it first ...
        assert deliver_due(timezone.now() + after_the_hold) == 0  # ... so its hold running out sends nothing
    assert receiver.statuses() == ["RECEIVED", "READY_FOR_PICKUP", "READY_FOR_PICKUP", "RECEIVED"]
    assert states(chain) == [Delivery.DELIVERED] * 4
    assert set(chain.deliveries.values_list("attempts", flat=True)) == {1}


def test_out_of_order_in_one_batch(db):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_out_of_order=2)
        partner_data.generate_orders(chain, 5, statuses=("RECEIVED",), seed=3)
        assert deliver_due() == 5
    codes = [r.json()["order_code"] for r in receiver.received]
    made = list(chain.orders.order_by("created_at").values_list("order_code", flat=True))
    assert codes == [made[2], made[0], made[1], made[3], made[4]]


def test_drop_percent_drops_about_that_share_the_same_way_each_time(db):
    with Receiver() as receiver:
        chain = hooked(receiver, webhook_drop_percent=10, webhook_drop_seed=42)
        partner_data.generate_orders(chain, 400, statuses=("RECEIVED",), seed=4)
        dropped = chain.deliveries.filter(state=Delivery.DROPPED)
        assert 20 <= dropped.count() <= 60
        sent = deliver_due()
    assert sent == len(receiver.received) == 400 - dropped.count()
    dropped_ids = {str(i) for i in dropped.values_list("order__order_id", flat=True)}
    assert dropped_ids.isdisjoint(r.json()["order_id"] for r in receiver.received)
    orders = list(chain.orders.all())
    again = {str(o.order_id) for o in orders if partner_webhooks.is_dropped(chain, o, "RECEIVED")}
    assert again == dropped_ids
    chain.webhook_drop_seed = 43
    assert {str(o.order_id) for o in orders if partner_webhooks.is_dropped(chain, o, "RECEIVED")} != dropped_ids
    chain.webhook_drop_percent = 100
    assert all(partner_webhooks.is_dropped(chain, o, "RECEIVED") for o in orders)


def test_a_wrong_secret_is_refused_then_retried_with_the_right_one(db):
    with Receiver(secret=SECRET) as receiver:
        chain = hooked(receiver, webhook_wrong_secret=1)
        order = make_order(chain)
        assert deliver_due() == 1
        delivery = order.deliveries.get()
        assert (delivery.state, delivery.last_status_code, delivery.wrong_secret_sent) == (Delivery.QUEUED, 401, True)
        assert deliver_due() == 1
    assert [r.headers["Authorization"] for r in receiver.received] == [f"wrong-{SECRET}", SECRET]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.wrong_secret_sent) == (Delivery.DELIVERED, 2, False)


# -- the picking modes ------------------------------------------------------------------------------------


def test_pelican_chains_hear_only_ready_for_pickup_and_cancelled(client):
    with Receiver() as receiver:
        chain = hooked(receiver, picking_mode=PELICAN)
        picked, cancelled = make_order(chain, seed=1), make_order(chain, seed=2)
        assert not Delivery.objects.exists()  # no RECEIVED for Pelican
        partner_data.set_status(picked, "READY_FOR_PICKUP")
        partner_data.set_status(picked, "picked_up")
        partner_data.set_status(cancelled, "CANCELLED")
        assert deliver_due() == 2
    assert receiver.statuses() == ["READY_FOR_PICKUP", "CANCELLED"]
    assert api_get(client, order_path(picked)).json()["status"] == "picked_up"


def test_partner_picking_chains_hear_the_whole_lifecycle(db):
    with Receiver() as receiver:
        chain = hooked(receiver)
        order = make_order(chain)
        partner_data.set_status(order, "READY_FOR_PICKUP")
        partner_data.set_status(order, "DISPATCHED")
        other = make_order(chain, seed=2, status="CANCELLED")
        assert deliver_due() == 4
    assert receiver.statuses() == ["RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"]
    # Each body is the order as it was at its event.
    stamps = [r.json()["sys"]["updated_at"] for r in receiver.received[:3]]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert receiver.received[0].json()["items"] != receiver.received[1].json()["items"]  # picked in between
    assert json.loads(other.deliveries.get().body)["cancellation"]["reason"]


def test_the_command_sends_due_deliveries(db):
    with Receiver() as receiver:
        chain = hooked(receiver)
        make_order(chain)
        out = StringIO()
        call_command("sandbox_webhooks", stdout=out)
    assert out.getvalue().strip() == "Sent 1 webhook deliveries."
    assert len(receiver.received) == 1
