"""The Partner API's codes reach the merchant as words: delivery, picking marks, cancellations, times."""

from datetime import UTC, datetime

import pytest

from connections.platforms.notes import is_time
from connections.platforms.partner import picking
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.picking_form import PickingForm
from connections.platforms.partner.tests.orders import partner_order
from connections.platforms.partner.words import DELIVERY_TYPES

RAW = ("LOGISTICS_DELIVERY", "VENDOR_DELIVERY", "NOT_PROCESSED", "IN_CART", "VENDOR", "ITEM_UNAVAILABLE")


def shown(order) -> str:
    """Everything the order page shows of the order's facts and items, as text."""
    notes = [str(note[1]) for note in order.notes if not is_time(note)]
    options = [value for item in order.items for _, value in item.options]
    return " ".join(notes + options)


@pytest.mark.parametrize("transport", list(DELIVERY_TYPES))
def test_no_code_of_the_order_is_shown(transport):
    raw = partner_order(transport_type=transport, cancellation={"reason": "ITEM_UNAVAILABLE", "cancelled_by": "VENDOR"})
    order = normalize_order(raw)
    assert not [code for code in RAW if code in shown(order)]
    assert ("Delivery", DELIVERY_TYPES[transport]) in order.notes
    assert ("Cancellation", "Items unavailable (cancelled by the store)") in order.notes


def test_the_promised_time_is_a_moment_the_pages_show_in_their_style():
    order = normalize_order(partner_order())
    promised = next(note for note in order.notes if note[0] == "Promised for")
    assert is_time(promised) and datetime.fromisoformat(promised[1]) == datetime(2026, 11, 20, 9, 45, tzinfo=UTC)


def test_a_promised_time_it_cannot_read_is_left_out_and_the_order_still_read():
    raw = partner_order()
    raw["promised_for"] = "soon"
    order = normalize_order(raw)
    assert "Promised for" not in [note[0] for note in order.notes]


def test_picking_marks_are_words_on_the_items_and_codes_in_the_flags():
    raw = partner_order()
    raw["items"][1]["status"] = "IN_CART"
    order = normalize_order(raw)
    assert [dict(item.options)["Picking"] for item in order.items] == ["Not picked yet", "Picked"]
    assert order.flags["picking"] == {"item-1": "NOT_PROCESSED", "item-2": "IN_CART"}
    form = PickingForm(order.items, ("READY_FOR_PICKUP",), marks=order.flags["picking"])
    assert [row["picking"] for row in form.rows] == ["Not picked yet", "Picked"]
    assert picking.mark_words("SOMETHING_NEW") == "Marked in a way the portal does not know"


def test_an_unknown_delivery_and_cancellation_are_still_words():
    raw = partner_order(transport_type="DRONE", cancellation={"reason": "RAIN", "cancelled_by": "ROBOT"})
    order = normalize_order(raw)
    assert ("Delivery", "Other delivery") in order.notes
    assert ("Cancellation", "Rain (cancelled by someone else)") in order.notes


def test_a_fulfilment_that_does_not_fit_the_delivery_is_refused_in_words():
    problem = picking.transport_problem("VENDOR_DELIVERY", "READY_FOR_PICKUP")
    said = "\u201cReady for pickup\u201d does not fit this order (your own rider delivers it)"
    assert problem == f"{said}: send \u201cDispatched\u201d for it."
