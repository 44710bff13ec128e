"""Updating a Partner Picking order from its page, through the sandbox Partner API over real HTTP.

The order reaches the portal as the platform sends it: the sandbox's webhook, delivered to
the portal's endpoint on `live_server`. The merchant then posts the order page's update form;
the worker (synchronous in tests) GETs the order from the sandbox, PUTs
`/v2/chains/{chain_id}/orders/{order_id}`, and reads the order back. Each test looks at
the sandbox's own rows (what the platform now holds), the attempt recorded in our
database, the order's status in the portal, and the page.

Transport faults (timeouts, 5xx) stay in `test_partner_order_updates.py`, over `responses`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection, WebhookEvent
from connections.platforms.partner.sandbox.data import create_chain, create_order, set_status
from connections.platforms.partner.sandbox.models import (
    LOGISTICS_DELIVERY,
    PELICAN,
    VENDOR_DELIVERY,
    SandboxPartnerDelivery,
    SandboxPartnerOrder,
    SandboxPartnerRateBucket,
)
from connections.platforms.partner.sandbox.orders import apply_update
from connections.platforms.partner.sandbox.webhooks import deliver_due
from connections.platforms.partner.tests.fixtures import (
    PARTNER_CHAIN_ID,
    PARTNER_WEBHOOK_SECRET,
    make_partner_connection,
    partner_credentials,
)
from connections.sync import execute, request_sync
from orders.models import Order, OrderEvent, OutboundAction
from tests.support import order_page
from tests.support.order_page import page, the_update

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = partner_credentials()["token"]


@pytest.fixture(autouse=True)
def partner_api_is_the_sandbox(live_server, settings):
    cache.clear()
    settings.PARTNER_BASE_URL = f"{live_server.url}/sandbox/partner"
    settings.PLATFORM_HTTP_ATTEMPTS = 1


@pytest.fixture
def connection(merchant, live_server):
    return make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")


def chain_for(live_server, connection, **fields):
    """The sandbox chain of the connection's credentials, its webhooks sent to the connection."""
    return create_chain(
        "Sandbox Grocer",
        chain_id=PARTNER_CHAIN_ID,
        token=TOKEN,
        vendor_ids=("v-1",),
        webhook_url=live_server.url + reverse("webhook", args=["partner", connection.webhook_id]),
        webhook_secret=PARTNER_WEBHOOK_SECRET,
        webhook_backoff_seconds=0,
        **fields,
    )


@pytest.fixture
def chain(live_server, connection):
    return chain_for(live_server, connection)


def deliver_webhooks() -> None:
    while deliver_due():
        pass


def new_order(chain, transport_type=LOGISTICS_DELIVERY, *, items=3, seed=7, **fields) -> SandboxPartnerOrder:
    """A customer's order on the platform; its RECEIVED webhook brings it into the portal."""
    placed = create_order(chain, chain.vendors.get(), transport_type=transport_type, items=items, seed=seed, **fields)
    deliver_webhooks()
    return placed


def imported(connection, placed: SandboxPartnerOrder) -> Order:
    return Order.objects.get(connection=connection, external_id=str(placed.order_id))


def held(placed: SandboxPartnerOrder) -> dict:
    """The order as the sandbox holds it now (its own row)."""
    return SandboxPartnerOrder.objects.get(pk=placed.pk).parsed()


def item_ids(placed: SandboxPartnerOrder) -> list[str]:
    return [item["_id"] for item in held(placed)["items"]]


def sandbox_requests(chain) -> int:
    """How many API calls the sandbox has admitted for the chain (its rate limiter counts each)."""
    return SandboxPartnerRateBucket.objects.filter(chain_id=chain.pk).aggregate(n=Sum("count"))["n"] or 0


def queued_events(placed: SandboxPartnerOrder) -> list[str]:
    return list(
        SandboxPartnerDelivery.objects.filter(order_id=placed.pk).order_by("pk").values_list("status", flat=True)
    )


def send(client, capture, order, status, marks=(), **fields):
    """`order_page.send` with `marks` as (item id, mark, sku, name, quantity): each on its page row."""
    positions = {item.external_id: n for n, item in enumerate(order.items.all())}
    return order_page.send(client, capture, order, status, [(positions[m[0]], *m) for m in marks], **fields)


def no_secret_in(*texts: str) -> None:
    for text in texts:
        for secret in (TOKEN, PARTNER_WEBHOOK_SECRET):
            assert secret not in text


# -- what the merchant sends, and what the platform then holds ----------------------------------------


def test_pick_not_found_and_replace_then_ready_for_pickup(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    placed = new_order(chain, LOGISTICS_DELIVERY)
    order = imported(connection, placed)
    assert order.status == "pending" and order.items.count() == 3
    body = page(member_client, order)
    assert 'id="picking"' in body and "Ready for pickup</button>" in body and "Dispatched</button>" not in body
    first, second, third = item_ids(placed)
    before = held(placed)

    response = send(
        member_client,
        django_capture_on_commit_callbacks,
        order,
        "UPDATE_CART",
        marks=[(first, "IN_CART", "", "", "1"), (second, "NOT_FOUND"), (third, "REPLACED", "OAT-MILK-1L", "Oat milk")],
    )
    assert response.status_code == 302
    # The platform holds the marks, a new line for the replacement, and totals worked out again.
    after = held(placed)
    assert after["status"] == "RECEIVED" and after["sys"]["updated_by"] == "PARTNER"
    assert [(i["_id"], i["status"], i["replaced_id"]) for i in after["items"][:3]] == [
        (first, "IN_CART", None),
        (second, "NOT_FOUND", None),
        (third, "REPLACED", None),
    ]
    replacement = after["items"][3]
    assert (replacement["sku"], replacement["name"], replacement["status"], replacement["replaced_id"]) == (
        "OAT-MILK-1L",
        "Oat milk",
        "IN_CART",
        third,
    )
    assert replacement["_id"] not in (first, second, third)
    assert after["items"][0]["pricing"]["quantity"] == 1
    assert after["payment"]["sub_total"] != before["payment"]["sub_total"]
    assert queued_events(placed) == ["RECEIVED"]  # UPDATE_CART sends no webhook
    # The attempt is recorded, and the portal read the order back from the platform.
    action = the_update(order)
    assert (action.state, action.attempts, action.payload["status"]) == ("done", 1, "UPDATE_CART")
    assert action.attempt_log.get().outcome == "done"
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("pending", "RECEIVED")
    assert [(i.external_id, order.flags["picking"][i.external_id]) for i in order.items.all()] == [
        (first, "IN_CART"),
        (second, "NOT_FOUND"),
        (third, "REPLACED"),
        (replacement["_id"], "IN_CART"),
    ]
    assert [dict(i.options)["Picking"] for i in order.items.all()] == ["Picked", "Not found", "Replaced", "Picked"]
    done = "The Partner API has the picked items (1 picked, 1 not found, 1 replaced by OAT-MILK-1L)."
    assert action.result == done and order.events.filter(kind=OrderEvent.Kind.ACTION, message=done).exists()
    assert done in page(member_client, order)

    send(member_client, django_capture_on_commit_callbacks, order, "READY_FOR_PICKUP")
    after = held(placed)
    assert after["status"] == "READY_FOR_PICKUP"
    assert len(after["items"]) == 4  # the replacement went back with the platform's id, not as a new line
    assert SandboxPartnerOrder.objects.get(pk=placed.pk).status == "READY_FOR_PICKUP"
    action = the_update(order)
    assert (action.state, action.attempts, action.payload["status"]) == ("done", 1, "READY_FOR_PICKUP")
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("ready", "READY_FOR_PICKUP")
    body = page(member_client, order)
    assert "The Partner API marked the order ready for pickup." in body
    assert f"Order {order.number} is ready for pickup; it can no longer be updated." in body
    assert "picking-form" not in body

    # The platform's confirmation webhook then arrives, and changes nothing we already hold.
    assert queued_events(placed) == ["RECEIVED", "READY_FOR_PICKUP"]
    deliver_webhooks()
    event = WebhookEvent.objects.get(connection=connection, event_status="READY_FOR_PICKUP")
    assert event.state == "processed"
    order.refresh_from_db()
    assert (order.status, order.platform_status, order.items.count()) == ("ready", "READY_FOR_PICKUP", 4)


def test_an_own_rider_order_is_dispatched(member_client, connection, chain, django_capture_on_commit_callbacks):
    placed = new_order(chain, VENDOR_DELIVERY, items=2, seed=3)
    order = imported(connection, placed)
    body = page(member_client, order)
    assert "Dispatched</button>" in body and "Ready for pickup</button>" not in body
    first, second = item_ids(placed)
    calls = sandbox_requests(chain)

    wrong = send(member_client, django_capture_on_commit_callbacks, order, "READY_FOR_PICKUP")
    assert wrong.status_code == 400 and "not one of the available choices" in wrong.content.decode()
    assert sandbox_requests(chain) == calls and held(placed)["status"] == "RECEIVED"

    marks = [(first, "IN_CART"), (second, "IN_CART")]
    send(member_client, django_capture_on_commit_callbacks, order, "DISPATCHED", marks=marks)
    after = held(placed)
    assert after["status"] == "DISPATCHED" and [i["status"] for i in after["items"]] == ["IN_CART", "IN_CART"]
    assert queued_events(placed) == ["RECEIVED", "DISPATCHED"]
    action = the_update(order)
    assert (action.state, action.attempts) == ("done", 1) and action.attempt_log.get().outcome == "done"
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("shipped", "DISPATCHED")
    assert "The Partner API marked the order dispatched (2 picked)." in page(member_client, order)


def test_dispatched_is_not_offered_for_a_platform_rider_order(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    """The sandbox refuses it too (400); the portal never sends it."""
    placed = new_order(chain, LOGISTICS_DELIVERY, items=1)
    order = imported(connection, placed)
    calls = sandbox_requests(chain)
    marks = [(item_ids(placed)[0], "IN_CART")]
    response = send(member_client, django_capture_on_commit_callbacks, order, "DISPATCHED", marks=marks)
    assert response.status_code == 400 and "not one of the available choices" in response.content.decode()
    assert sandbox_requests(chain) == calls and held(placed)["status"] == "RECEIVED"
    assert not OutboundAction.objects.filter(order=order).exists()


def test_cancel_with_a_reason(member_client, connection, chain, django_capture_on_commit_callbacks):
    placed = new_order(chain)
    order = imported(connection, placed)
    calls = sandbox_requests(chain)
    unsaid = send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED")
    assert unsaid.status_code == 400 and "Choose why the order is cancelled." in unsaid.content.decode()
    assert sandbox_requests(chain) == calls

    send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="TOO_BUSY")
    after = held(placed)
    assert after["status"] == "CANCELLED"
    assert after["cancellation"] == {"reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    assert queued_events(placed) == ["RECEIVED", "CANCELLED"]
    action = the_update(order)
    assert (action.state, action.attempts, action.payload["cancel_reason"]) == ("done", 1, "TOO_BUSY")
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("cancelled", "CANCELLED")
    assert ["Cancellation", "Too busy (cancelled by the store)"] in order.notes
    body = page(member_client, order)
    assert "The Partner API cancelled the order (Too busy)." in body and "picking-form" not in body


def test_a_changed_or_undone_replacement_is_what_the_platform_then_holds(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    """The held replacement line is withdrawn (NOT_FOUND), never left out: the body means the
    same whether the platform reads a PUT's items as the whole list or as changes only."""
    placed = new_order(chain)
    order = imported(connection, placed)
    third = item_ids(placed)[2]

    def live_replacements():
        lines = held(placed)["items"]
        return [i["sku"] for i in lines if i["replaced_id"] == third and i["status"] != "NOT_FOUND"]

    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(third, "REPLACED", "OAT-1")])
    assert live_replacements() == ["OAT-1"]
    order.refresh_from_db()
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(third, "REPLACED", "SOY-1")])
    assert the_update(order).state == "done" and live_replacements() == ["SOY-1"]
    order.refresh_from_db()
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(third, "IN_CART", "")])
    assert the_update(order).state == "done" and live_replacements() == []
    assert next(i for i in held(placed)["items"] if i["_id"] == third)["status"] == "IN_CART"


# -- the platform's refusals, in its words -----------------------------------------------------------------


def assert_refused(member_client, order, action, *, status: int, words: str, help_words: str) -> str:
    """The action was refused by the sandbox with `status`, and the page says so, with the way out."""
    assert action.state == OutboundAction.State.REJECTED and action.attempts == 1
    assert action.last_error.startswith(f"Partner API refused the request (HTTP {status})")
    assert words in action.last_error and help_words in action.help_text
    attempt = action.attempt_log.get()
    assert (attempt.outcome, attempt.http_status) == ("refused", status)
    assert order.events.filter(kind=OrderEvent.Kind.ACTION_FAILED, message__contains=f"HTTP {status}").exists()
    body = page(member_client, order)
    assert words in body and help_words in body
    no_secret_in(body, action.last_error, action.help_text, attempt.message)
    return body


def test_an_update_to_an_order_the_customer_cancelled_is_refused(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    placed = new_order(chain)
    order = imported(connection, placed)
    set_status(placed, "CANCELLED")  # the customer cancels; its webhook has not reached us
    stamp = held(placed)["sys"]["updated_at"]

    first = item_ids(placed)[0]
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(first, "IN_CART")])
    order.refresh_from_db()
    assert order.status == "cancelled"  # the refusal made the portal read the order again
    body = assert_refused(
        member_client,
        order,
        the_update(order),
        status=409,
        words=f"Order {placed.order_code} is already cancelled",
        help_words="cancelled on the Partner API, so nothing more can be sent",
    )
    assert f"Order {order.number} is cancelled; it can no longer be updated." in body
    assert "Retry</button>" not in body and "picking-form" not in body
    after = held(placed)
    assert after["sys"]["updated_at"] == stamp and after["items"][0]["status"] == "NOT_PROCESSED"  # unchanged


def test_an_update_after_another_device_fulfilled_the_order_is_refused(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    """Another picking device sent READY_FOR_PICKUP; its webhook is late. The cart can no longer change."""
    placed = new_order(chain)
    order = imported(connection, placed)
    locked = SandboxPartnerOrder.objects.get(pk=placed.pk)
    assert apply_update(locked, {"status": "READY_FOR_PICKUP"})

    first = item_ids(placed)[0]
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(first, "NOT_FOUND")])
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("ready", "READY_FOR_PICKUP")
    assert_refused(
        member_client,
        order,
        the_update(order),
        status=409,
        words=f"Order {placed.order_code} is already READY_FOR_PICKUP: UPDATE_CART comes before that",
        help_words="The order has moved on on the Partner API",
    )
    assert held(placed)["items"][0]["status"] != "NOT_FOUND"


def test_an_update_after_the_rider_took_the_order_is_refused(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    placed = new_order(chain)
    order = imported(connection, placed)
    set_status(placed, "DISPATCHED", notify=False)  # the rider has it; we have not heard

    send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="CLOSED")
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("shipped", "DISPATCHED")
    assert_refused(
        member_client,
        order,
        the_update(order),
        status=409,
        words=f"Order {placed.order_code} is already dispatched",
        help_words="The order has moved on on the Partner API",
    )
    assert held(placed)["status"] == "DISPATCHED" and held(placed)["cancellation"] is None


def test_a_pelican_chain_refuses_updates_from_a_connection_set_to_partner_picking(
    member_client, connection, live_server, django_capture_on_commit_callbacks
):
    """The merchant chose the wrong picking mode: the platform's 403, in its words.

    A 403 from the Partner API is an access refusal to us, so the update fails (no automatic retry).
    """
    chain = chain_for(live_server, connection, picking_mode=PELICAN)
    # A Pelican chain sends no RECEIVED webhook: the backfill brings the order in.
    placed = new_order(chain, created_at=timezone.now() - timedelta(minutes=5))
    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(run.pk)
    order = imported(connection, placed)
    assert order.status == "pending"
    send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="CLOSED")
    action = the_update(order)
    assert action.state == OutboundAction.State.FAILED and action.attempts == 1
    words = "Order updates are not allowed for Pelican Picking: the Pelican app picks orders"
    assert action.last_error == f"Partner API refused access (HTTP 403): {words}."
    assert action.attempt_log.get().http_status == 403
    assert "set Picking mode to Pelican" in action.help_text and "token" not in action.help_text
    body = page(member_client, order)
    assert words in body and "set Picking mode to Pelican" in body
    no_secret_in(body, action.last_error, action.help_text)
    assert held(placed)["status"] == "RECEIVED" and held(placed)["cancellation"] is None


def test_an_order_the_platform_no_longer_keeps_is_refused(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    """GET and PUT reach orders of the last 60 days only: the sandbox answers 404."""
    placed = new_order(chain, created_at=timezone.now() - timedelta(days=61))
    order = imported(connection, placed)
    first = item_ids(placed)[0]
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(first, "IN_CART")])
    assert_refused(
        member_client,
        order,
        the_update(order),
        status=404,
        words=f"Order {placed.order_id} not found (orders are kept for 60 days)",
        help_words="it can only be handled in the Partner Portal now",
    )
    assert held(placed)["items"][0]["status"] == "NOT_PROCESSED"


def test_a_revoked_token_fails_the_update_without_showing_it(
    member_client, connection, chain, django_capture_on_commit_callbacks
):
    placed = new_order(chain)
    order = imported(connection, placed)
    type(chain.account).objects.filter(pk=chain.account.pk).update(token="a-new-token-0123456789")

    send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="CLOSED")
    action = the_update(order)
    assert action.state == OutboundAction.State.FAILED and action.attempts == 1
    assert "HTTP 401" in action.last_error and "Invalid bearer token" in action.last_error
    assert action.attempt_log.get().http_status == 401
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    body = page(member_client, order)
    assert "Invalid bearer token" in body
    no_secret_in(body, action.last_error, action.help_text)
    assert held(placed)["status"] == "RECEIVED"


# -- Pelican: read only ---------------------------------------------------------------------------------------


def test_a_pelican_connection_offers_no_update_and_sends_nothing(merchant, member_client, live_server):
    pelican = make_partner_connection(
        merchant, base_url=f"{live_server.url}/sandbox/partner", name="pelican", picking_mode="pelican"
    )
    chain = chain_for(live_server, pelican, picking_mode=PELICAN)
    placed = create_order(chain, chain.vendors.get(), status="RECEIVED", notify=False)
    set_status(placed, "READY_FOR_PICKUP")  # Pelican checked it out: the partner's first event
    deliver_webhooks()
    order = imported(pelican, placed)
    Order.objects.filter(pk=order.pk).update(status="accepted")  # even an open order
    calls, stamp = sandbox_requests(chain), held(placed)["sys"]["updated_at"]

    body = page(member_client, order)
    assert "Pelican Picking is read only: orders are updated in the Pelican app." in body
    assert "picking-form" not in body and "Ready for pickup</button>" not in body
    response = member_client.post(
        reverse("orders:update", args=[order.pk]),
        {"status": "CANCELLED", "cancel_reason": "CLOSED", "item0_id": item_ids(placed)[0], "item0_status": "IN_CART"},
    )
    assert response.status_code == 400 and "Pelican Picking is read only" in response.content.decode()
    assert not OutboundAction.objects.filter(order=order).exists()
    assert sandbox_requests(chain) == calls and held(placed)["sys"]["updated_at"] == stamp
