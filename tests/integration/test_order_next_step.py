"""The order page offers the one next step that applies: accept, dispatch, or the one way past a refusal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from connections.platforms.base import OrderRecord
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.ingest import ingest_page
from orders.models import Order, OutboundAction, Shipment
from tests.factories import ConnectionFactory

REFUSAL = "The dispatch note must be printed before dispatch."
WAY_OUT = "Click Download dispatch note on this page, then Retry."


@pytest.fixture
def noths(merchant):
    return ConnectionFactory(merchant=merchant, name="gifts")


def an_order(connection, status="accepted", platform_status="accepted") -> Order:
    return Order.objects.create(
        connection=connection,
        merchant=connection.merchant,
        external_id="1001",
        number="N-1001",
        status=status,
        platform_status=platform_status,
    )


def pushed(order, state, **fields) -> OutboundAction:
    shipment = Shipment.objects.create(order=order, tracking_number="RM123", carrier="Royal Mail")
    return OutboundAction.objects.create(
        order=order, kind=OutboundAction.Kind.SHIPMENT, shipment=shipment, state=state, **fields
    )


def buttons(page: str) -> list[str]:
    """The buttons of the page's content (the top bar's Sign out left out)."""
    main = page[page.index("<main") :]
    return [re.sub(r"\s+", " ", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", main, re.S)]


def detail(client, order) -> str:
    return client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def test_an_order_awaiting_acceptance_offers_accept_and_no_dispatch_form(member_client, noths):
    page = detail(member_client, an_order(noths, "pending", "placed"))
    assert buttons(page) == ["Accept order"]
    assert 'class="dispatch-form"' not in page and 'id="dispatch"' not in page


def test_an_accepted_order_offers_the_dispatch_form_alone(member_client, noths):
    page = detail(member_client, an_order(noths))
    assert buttons(page) == ["Mark dispatched"]


def test_a_refused_dispatch_shows_the_refusal_and_the_filled_form_to_send_again(member_client, noths):
    order = an_order(noths)
    pushed(order, OutboundAction.State.REJECTED, last_error=REFUSAL, help_text=WAY_OUT)
    page = detail(member_client, order)
    box = page[page.index('class="shipment') : page.index("</section>", page.index('class="shipment'))]
    assert "NOTHS refused the dispatch" in box and REFUSAL in box and WAY_OUT in box
    assert "Dispatched " not in box  # a refused dispatch is not said to be dispatched
    assert 'value="RM123"' in box and 'value="Royal Mail"' in box  # filled in, to correct
    assert buttons(page) == ["Retry"]  # one way forward: the corrected form, sent again
    assert "Mark dispatched" not in page


def test_a_dispatch_that_gave_up_is_retried_as_it_was(member_client, noths):
    order = an_order(noths)
    action = pushed(order, OutboundAction.State.FAILED, last_error="NOTHS did not answer.")
    page = detail(member_client, order)
    assert "The dispatch could not be sent to NOTHS" in page and "NOTHS did not answer." in page
    assert buttons(page) == ["Retry"] and 'class="dispatch-form"' not in page
    assert reverse("orders:retry", args=[order.pk, action.pk]) in page


def test_a_dispatch_refused_for_want_of_acceptance_offers_accept_alone(member_client, noths):
    order = an_order(noths, "pending", "placed")
    pushed(order, OutboundAction.State.REJECTED, last_error="Order not accepted", help_text="Accept it first.")
    page = detail(member_client, order)
    assert "Order not accepted" in page and buttons(page) == ["Accept order"]


def test_a_refused_acceptance_offers_its_retry_alone(member_client, noths):
    order = an_order(noths, "pending", "placed")
    OutboundAction.objects.create(
        order=order, kind=OutboundAction.Kind.ACCEPT, state=OutboundAction.State.REJECTED, last_error="Too late"
    )
    page = detail(member_client, order)
    assert "Too late" in page and buttons(page) == ["Retry"]


def test_a_delivered_dispatch_offers_nothing_more(member_client, noths):
    order = an_order(noths, "shipped", "dispatched")
    pushed(order, OutboundAction.State.DONE, result="NOTHS marked the order dispatched.")
    page = detail(member_client, order)
    assert "Dispatched " in page and "Sent to NOTHS: <strong>Done</strong>" in page and buttons(page) == []


@pytest.mark.parametrize(("state", "expected"), [("failed", ["Retry"]), ("rejected", None)])
def test_an_update_that_gave_up_is_retried_and_one_refused_is_corrected_in_the_form(
    member_client, merchant, state, expected
):
    connection = make_partner_connection(merchant)
    raw = partner_order()
    ingest_page(connection, [OrderRecord(raw["order_id"], raw, normalize_order)])
    order = Order.objects.get()
    OutboundAction.objects.create(
        order=order, kind=OutboundAction.Kind.UPDATE, state=state, payload={"status": "UPDATE_CART"}, last_error="No"
    )
    page = detail(member_client, order)
    if expected:
        assert buttons(page) == expected and 'class="picking-form"' not in page
    else:
        assert "Retry" not in buttons(page) and 'class="picking-form"' in page
