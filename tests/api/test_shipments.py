"""POST /api/v1/orders/{id}/shipments/: the order page's "Mark dispatched", through the API."""

from unittest import mock

import pytest

from connections.models import Connection
from connections.platforms.partner.tests.fixtures import make_partner_connection
from orders.models import OrderEvent, OutboundAction, Shipment
from tests.api.conftest import make_order

pytestmark = pytest.mark.django_db
TRACKING = {
    "tracking_number": "RM 1234 5678 GB",
    "tracking_url": "https://track.example/RM12345678GB",
    "carrier": "Royal Mail",
    "estimated_delivery_date": "2026-12-01",
}


def url(order):
    return f"/api/v1/orders/{order.pk}/shipments/"


def test_a_shipment_is_recorded_and_its_push_queued(api, connection, member, django_capture_on_commit_callbacks):
    order = make_order(connection, 1)
    with (
        mock.patch("orders.actions.enqueue_action") as enqueue,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = api.post(url(order), TRACKING, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    shipment = Shipment.objects.get(order=order)
    assert body["id"] == shipment.pk and response["Location"].endswith(f"/api/v1/orders/{order.pk}/")
    # The form's rules: spaces taken out of the tracking number.
    assert (shipment.tracking_number, shipment.carrier, str(shipment.estimated_delivery_date)) == (
        "RM12345678GB",
        "Royal Mail",
        "2026-12-01",
    )
    assert shipment.created_by == member
    action = OutboundAction.objects.get(order=order)
    assert (action.kind, action.shipment, action.state, action.created_by) == ("shipment", shipment, "queued", member)
    assert body["push"]["id"] == action.pk and body["push"]["state"] == "queued"
    assert len(callbacks) == 1
    enqueue.assert_called_once_with(action.pk)  # handed to the worker after commit, as the page does
    event = order.events.get(kind=OrderEvent.Kind.NOTE)
    assert event.message == "Dispatch recorded with tracking RM12345678GB; sending it to NOTHS."
    assert event.actor == member
    detail = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert detail["shipments"][0]["tracking_number"] == "RM12345678GB"
    assert detail["shipments"][0]["push"]["state"] == "queued"


def test_with_push_tracking_off_it_stays_here(api, connection):
    Connection.objects.filter(pk=connection.pk).update(push_tracking=False)
    order = make_order(connection, 1)
    response = api.post(url(order), {"tracking_number": "T1"}, format="json")
    assert response.status_code == 201 and response.json()["push"] is None
    assert order.shipments.count() == 1 and not OutboundAction.objects.exists()
    assert "Push tracking is off" in order.events.get().message


def test_a_form_body_works_too(api, connection):
    order = make_order(connection, 1)
    assert api.post(url(order), {"tracking_number": "T1", "carrier": "DPD"}).status_code == 201


def test_an_empty_body_records_a_dispatch_without_tracking(api, connection):
    order = make_order(connection, 1)
    response = api.post(url(order), {}, format="json")
    assert response.status_code == 201
    assert response.json()["tracking_number"] == "" and response.json()["estimated_delivery_date"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tracking_url": "not a url"}, "tracking_url"),
        ({"estimated_delivery_date": "soon"}, "estimated_delivery_date"),
        ({"tracking_number": "x" * 101}, "tracking_number"),
        ({"resolve_enquiry": "perhaps"}, "resolve_enquiry"),
    ],
)
def test_invalid_details_are_400_and_record_nothing(api, connection, body, field):
    order = make_order(connection, 1)
    response = api.post(url(order), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Shipment.objects.exists()


def test_resolve_enquiry_counts_only_where_there_is_one(api, connection):
    quiet = make_order(connection, 1)
    api.post(url(quiet), {"resolve_enquiry": True}, format="json")
    assert quiet.shipments.get().resolve_enquiry is False
    asking = make_order(connection, 2, flags={"unresolved_enquiry": True})
    api.post(url(asking), {"resolve_enquiry": True}, format="json")
    assert asking.shipments.get().resolve_enquiry is True


def refused(api, order, words):
    response = api.post(url(order), TRACKING, format="json")
    assert response.status_code == 409, response.content
    assert words in response.json()["detail"]
    return response


def test_a_closed_order_is_refused(api, connection):
    order = make_order(connection, 1, status="shipped")
    refused(api, order, "is dispatched; it cannot be dispatched")
    assert not Shipment.objects.exists()


def test_a_second_dispatch_is_refused_unless_the_platform_refused_the_first(api, connection):
    order = make_order(connection, 1)
    assert api.post(url(order), TRACKING, format="json").status_code == 201
    refused(api, order, "already has a dispatch recorded")
    assert order.shipments.count() == 1
    OutboundAction.objects.filter(order=order).update(state=OutboundAction.State.REJECTED)
    assert api.post(url(order), TRACKING, format="json").status_code == 201
    assert order.shipments.count() == 2


def test_a_paused_connection_is_refused(api, connection):
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.PAUSED)
    order = make_order(connection, 1)
    refused(api, order, "is paused; resume or reconnect it first")
    assert not Shipment.objects.exists()


def test_a_platform_fulfilled_by_updates_is_refused(api, merchant):
    order = make_order(make_partner_connection(merchant), 1, status="pending")
    refused(api, order, "not by recording a dispatch")
    assert not Shipment.objects.exists()


def test_the_order_page_refuses_it_in_the_same_words(member_client, merchant):
    from django.urls import reverse

    order = make_order(make_partner_connection(merchant), 1, status="pending")
    response = member_client.post(reverse("orders:dispatch", args=[order.pk]), {"tracking_number": "T1"})
    assert response.status_code == 400 and "not by recording a dispatch" in response.content.decode()
    assert not Shipment.objects.exists()
