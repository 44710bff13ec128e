"""Updating a Partner Picking order from its page, end to end: the form, the queued action, the PUT,
the read-back through ingest and the timeline.

The Partner API is a small stateful fake over `responses` (the sandbox Partner API was not there
yet): GET answers the order as it stands, PUT applies the body the way the platform does, or
refuses it in the platform's words.
"""

import json

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID, make_partner_connection
from connections.platforms.partner.tests.orders import partner_order, stamp
from orders.ingest import ingest_page
from orders.models import Order, OrderEvent, OutboundAction
from tests.factories import ConnectionFactory
from tests.support.order_page import page, send, the_update

BASE = "https://partner.test"
ORDER_ID = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
ORDER_URL = f"{BASE}/v2/chains/{PARTNER_CHAIN_ID}/orders/{ORDER_ID}"


class FakePartnerOrder:
    """One order on the Partner API: GET answers it, PUT applies an update or refuses it."""

    def __init__(self, mock: responses.RequestsMock, document: dict):
        self.document = document
        self.puts: list[dict] = []
        self.server_errors = 0  # answer this many PUTs with a 500 first
        mock.add_callback(responses.GET, ORDER_URL, callback=self.get)
        mock.add_callback(responses.PUT, ORDER_URL, callback=self.put)

    def get(self, request):
        return 200, {}, json.dumps(self.document)

    def put(self, request):
        if self.server_errors:
            self.server_errors -= 1
            return 500, {}, json.dumps({"message": "Internal server error"})
        body = json.loads(request.body)
        if self.document["status"] == "CANCELLED":
            return 409, {}, json.dumps({"message": "Order is already cancelled"})
        self.puts.append(body)
        for number, item in enumerate(body["items"], start=1):
            item.setdefault("_id", f"line-{number}")  # the platform names the lines we add
        self.document["items"] = body["items"]
        if body["status"] != "UPDATE_CART":
            self.document["status"] = body["status"]
        if body.get("cancellation"):
            self.document["cancellation"] = body["cancellation"]
        self.document["sys"]["updated_at"] = stamp(len(self.puts))
        return 200, {}, json.dumps({"order_id": ORDER_ID, "status": body["status"]})


def three_item_order(**kwargs) -> dict:
    document = partner_order(ORDER_ID, **kwargs)
    document["items"].append(
        {
            "_id": "item-3",
            "sku": "EGGS-12",
            "name": "Eggs, a dozen",
            "status": "NOT_PROCESSED",
            "pricing": {"pricing_type": "UNIT", "unit_price": 4.5, "total_price": 4.5, "quantity": 1},
        }
    )
    return document


@pytest.fixture
def platform():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def connection(merchant, platform, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    return make_partner_connection(merchant, base_url=BASE)


def imported(connection, document) -> Order:
    """The order as a webhook would have brought it in."""
    from connections.platforms.base import OrderRecord

    ingest_page(connection, [OrderRecord(document["order_id"], document, normalize_order)])
    return Order.objects.get(connection=connection, external_id=document["order_id"])


def test_pick_not_found_and_replace_then_ready_for_pickup(
    member_client, connection, platform, django_capture_on_commit_callbacks
):
    fake = FakePartnerOrder(platform, three_item_order(transport_type="LOGISTICS_DELIVERY"))
    order = imported(connection, fake.document)
    body = page(member_client, order)
    assert 'id="picking"' in body and "Ready for pickup</button>" in body and "Dispatched</button>" not in body
    assert "Mark dispatched" not in body  # Partner orders are fulfilled through the platform

    response = send(
        member_client,
        django_capture_on_commit_callbacks,
        order,
        "UPDATE_CART",
        marks=[(0, "item-1", "IN_CART"), (1, "item-2", "NOT_FOUND"), (2, "item-3", "REPLACED", "EGGS-6", "Eggs, six")],
    )
    assert response.status_code == 302
    action = the_update(order)
    assert (action.state, action.attempts, action.payload["status"]) == ("done", 1, "UPDATE_CART")
    assert action.attempt_log.get().outcome == "done"
    assert [(i["sku"], i["status"], i.get("replaced_id")) for i in fake.puts[0]["items"]] == [
        ("MILK-1L", "IN_CART", None),
        ("BANANA", "NOT_FOUND", None),
        ("EGGS-12", "REPLACED", None),
        ("EGGS-6", "IN_CART", "item-3"),
    ]
    order.refresh_from_db()  # read back from the platform through ingest
    assert order.status == "pending"
    assert [(i.sku, dict(i.options)["Picking"], order.flags["picking"][i.external_id]) for i in order.items.all()] == [
        ("MILK-1L", "Picked", "IN_CART"),
        ("BANANA", "Not found", "NOT_FOUND"),
        ("EGGS-12", "Replaced", "REPLACED"),
        ("EGGS-6", "Picked", "IN_CART"),
    ]
    done = "The Partner API has the picked items (1 picked, 1 not found, 1 replaced by EGGS-6)."
    assert order.events.filter(kind=OrderEvent.Kind.ACTION, message=done).exists()
    assert done in page(member_client, order)

    send(member_client, django_capture_on_commit_callbacks, order, "READY_FOR_PICKUP")
    assert the_update(order).state == "done" and fake.puts[1]["status"] == "READY_FOR_PICKUP"
    assert len(fake.puts[1]["items"]) == 4  # the replacement is sent back with the platform's id, not again
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("ready", "READY_FOR_PICKUP")
    body = page(member_client, order)
    assert "The Partner API marked the order ready for pickup." in body
    assert f"Order {order.number} is ready for pickup; it can no longer be updated." in body
    assert "picking-form" not in body


def test_an_own_rider_order_is_dispatched(member_client, connection, platform, django_capture_on_commit_callbacks):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID, transport_type="VENDOR_DELIVERY"))
    order = imported(connection, fake.document)
    body = page(member_client, order)
    assert "Dispatched</button>" in body and "Ready for pickup</button>" not in body

    wrong = send(member_client, django_capture_on_commit_callbacks, order, "READY_FOR_PICKUP")
    assert wrong.status_code == 400 and "not one of the available choices" in wrong.content.decode()

    marks = [(0, "item-1", "IN_CART", "", "", "1"), (1, "item-2", "IN_CART")]
    send(member_client, django_capture_on_commit_callbacks, order, "DISPATCHED", marks=marks)
    assert the_update(order).state == "done"
    assert [(i["status"], i["pricing"]["quantity"]) for i in fake.puts[0]["items"]] == [("IN_CART", 1), ("IN_CART", 1)]
    order.refresh_from_db()
    assert (order.status, order.platform_status) == ("shipped", "DISPATCHED")
    assert "The Partner API marked the order dispatched (2 picked)." in page(member_client, order)


def test_cancel_with_a_reason(member_client, connection, platform, django_capture_on_commit_callbacks):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    order = imported(connection, fake.document)
    unsaid = send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED")
    assert unsaid.status_code == 400 and "Choose why the order is cancelled." in unsaid.content.decode()
    assert not fake.puts

    send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="TOO_BUSY")
    assert fake.puts[0]["cancellation"] == {"reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert ["Cancellation", "Too busy (cancelled by the store)"] in order.notes
    body = page(member_client, order)
    assert "The Partner API cancelled the order (Too busy)." in body and "picking-form" not in body


def test_a_refusal_is_shown_in_the_platforms_words_with_the_way_out(
    member_client, connection, platform, django_capture_on_commit_callbacks
):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    order = imported(connection, fake.document)
    # Cancelled by the customer on the platform; the webhook has not reached us.
    fake.document |= {"status": "CANCELLED", "cancellation": {"reason": "CUSTOMER", "cancelled_by": "CUSTOMER"}}
    fake.document["sys"]["updated_at"] = stamp(5)

    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(0, "item-1", "IN_CART")])
    action = the_update(order)
    assert action.state == OutboundAction.State.REJECTED and action.attempts == 1
    assert action.last_error == "Partner API refused the request (HTTP 409): Order is already cancelled."
    assert "cancelled on the Partner API, so nothing more can be sent" in action.help_text
    assert action.attempt_log.get().http_status == 409
    order.refresh_from_db()
    assert order.status == "cancelled"  # the refusal made us read the order again
    body = page(member_client, order)
    assert "Order is already cancelled" in body and "nothing more can be sent" in body
    assert f"Order {order.number} is cancelled; it can no longer be updated." in body
    assert "Retry</button>" not in body
    retried = member_client.post(reverse("orders:retry", args=[order.pk, action.pk]), follow=True)
    assert "it can no longer be updated" in retried.content.decode()
    assert the_update(order).state == OutboundAction.State.REJECTED
    assert order.events.filter(kind=OrderEvent.Kind.ACTION_FAILED, message__contains="HTTP 409").exists()


def test_a_server_error_is_retried_with_backoff(
    member_client, connection, platform, django_capture_on_commit_callbacks
):
    from portal.tasks import tick

    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    fake.server_errors = 1
    order = imported(connection, fake.document)
    send(member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(0, "item-1", "IN_CART")])
    action = the_update(order)
    assert action.state == OutboundAction.State.RETRYING and action.next_attempt_at > timezone.now()
    assert "server error (HTTP 500)" in action.last_error
    assert "Next attempt" in page(member_client, order)
    OutboundAction.objects.filter(pk=action.pk).update(next_attempt_at=timezone.now())
    tick()
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE and action.attempts == 2
    assert list(action.attempt_log.values_list("outcome", flat=True)) == ["transient", "done"]
    assert len(fake.puts) == 1


def test_one_open_update_per_order(member_client, connection, platform, django_capture_on_commit_callbacks):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    order = imported(connection, fake.document)
    waiting = OutboundAction.objects.create(
        order=order, kind=OutboundAction.Kind.UPDATE, payload={"status": "UPDATE_CART", "items": []}
    )
    response = send(
        member_client, django_capture_on_commit_callbacks, order, "UPDATE_CART", marks=[(0, "item-1", "IN_CART")]
    )
    assert response.status_code == 302
    assert list(OutboundAction.objects.filter(order=order)) == [waiting] and not fake.puts
    assert "is already being sent" in member_client.get(response.url).content.decode()


def test_the_form_checks_the_marks_before_anything_is_sent(
    member_client, connection, platform, django_capture_on_commit_callbacks
):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    order = imported(connection, fake.document)
    cases = [
        ("UPDATE_CART", [], "Mark at least one item"),
        ("UPDATE_CART", [(0, "item-1", "REPLACED")], "Enter the SKU of what replaces it."),
        ("UPDATE_CART", [(0, "item-9", "IN_CART")], "The order changed on the platform since this page was loaded"),
        ("READY_FOR_PICKUP", [(0, "item-1", "IN_CART")], "Mark every item picked, not found or replaced"),
        ("UPDATE_CART", [(0, "item-1", "IN_CART", "", "", "0")], "greater than or equal to 1"),
    ]
    for status, marks, words in cases:
        response = send(member_client, django_capture_on_commit_callbacks, order, status, marks=marks)
        assert response.status_code == 400 and words in response.content.decode(), words
    assert not OutboundAction.objects.exists() and not fake.puts


def test_pelican_connections_show_no_form_and_send_nothing(merchant, member_client, platform):
    pelican = make_partner_connection(merchant, base_url=BASE, name="pelican", picking_mode="pelican")
    order = imported(pelican, partner_order(ORDER_ID, status="READY_FOR_PICKUP"))
    Order.objects.filter(pk=order.pk).update(status="accepted")  # even an open order
    body = page(member_client, order)
    assert "Pelican Picking is read only: orders are updated in the Pelican app." in body
    assert "picking-form" not in body
    response = member_client.post(
        reverse("orders:update", args=[order.pk]),
        {"status": "UPDATE_CART", "item0_id": "item-1", "item0_status": "IN_CART"},
    )
    assert response.status_code == 400 and "Pelican Picking is read only" in response.content.decode()
    assert not OutboundAction.objects.exists() and len(platform.calls) == 0


@pytest.mark.parametrize(
    ("status", "label"),
    [("CANCELLED", "cancelled"), ("DISPATCHED", "dispatched"), ("DELIVERED", "delivered"), ("PICKED_UP", "dispatched")],
)
def test_closed_orders_show_no_form(member_client, connection, status, label):
    imported(connection, partner_order(ORDER_ID))
    order = imported(connection, partner_order(ORDER_ID, status=status, updated=5))  # a later webhook
    body = page(member_client, order)
    assert f"Order {order.number} is {label}; it can no longer be updated." in body and "picking-form" not in body
    response = member_client.post(reverse("orders:update", args=[order.pk]), {"status": "CANCELLED"})
    assert response.status_code == 400 and "it can no longer be updated" in response.content.decode()
    assert not OutboundAction.objects.exists()


def test_other_platforms_have_no_picking(member_client, merchant):
    noths = ConnectionFactory(merchant=merchant)
    order = Order.objects.create(connection=noths, merchant=merchant, external_id="1", number="N-1", status="accepted")
    body = page(member_client, order)
    assert 'id="picking"' not in body and "Mark dispatched" in body
    response = member_client.post(reverse("orders:update", args=[order.pk]), {"status": "CANCELLED"})
    assert (
        response.status_code == 400 and "NOTHS orders cannot be updated from the portal." in response.content.decode()
    )
    assert not OutboundAction.objects.exists()


def test_a_paused_connection_takes_no_update(member_client, connection, platform, django_capture_on_commit_callbacks):
    fake = FakePartnerOrder(platform, partner_order(ORDER_ID))
    order = imported(connection, fake.document)
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.PAUSED)
    order.refresh_from_db()
    response = send(member_client, django_capture_on_commit_callbacks, order, "CANCELLED", cancel_reason="CLOSED")
    assert response.status_code == 400 and "resume or reconnect it first" in response.content.decode()
    assert not OutboundAction.objects.exists() and not fake.puts


def test_recording_a_dispatch_is_refused_whoever_asks(connection):
    """The rule lives in the mechanism: not only the page and the API refuse it."""
    from orders.actions import ActionRefused, record_shipment

    order = imported(connection, three_item_order())
    with pytest.raises(ActionRefused, match="fulfilled by sending the platform an update"):
        record_shipment(order, tracking_number="X1")
    assert not order.shipments.exists()
