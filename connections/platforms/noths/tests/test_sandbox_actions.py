"""Accept, decline, dispatch, dispatch notes, enquiries and the bulk endpoints."""

from datetime import UTC, datetime

import pytest

from connections.platforms.noths.sandbox import actions as noths_actions
from connections.platforms.noths.sandbox.models import SandboxNothsOrder

from .sandbox_helpers import ACCEPT_FORM, api_get, api_post, api_post_json, error

LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)
DISPATCH_FORM = {"estimated_delivery_date": "2024-06-05"}

NOT_PLACED = error("ORDER_NOT_PLACED", "Only placed orders can be accepted")
NOT_ACCEPTED = error("ORDER_NOT_ACCEPTED", "Order must be accepted before it can be dispatched")
NOTE_NOT_VIEWED = error("DISPATCH_NOTE_NOT_VIEWED", "The dispatch note must be printed before dispatch")
UNRESOLVED = error("UNRESOLVED_ENQUIRY", "The order has an unresolved customer enquiry")
NOT_FOUND = error("RESOURCE_NOT_FOUND", "Couldn't find the requested resource")


def reload(order) -> SandboxNothsOrder:
    return SandboxNothsOrder.objects.get(pk=order.pk)


def assert_document_matches_columns(order):
    """The JSON the API serves says what the columns say."""
    assert order.parsed() == {**order.parsed(), **order.column_fields()}


@pytest.fixture
def placed(make_order):
    return make_order(state="placed", updated_at=LONG_AGO)


@pytest.fixture
def ready(make_order):
    """An accepted order whose dispatch note was printed: dispatchable."""
    return make_order(state="accepted", dispatch_note_viewed=True, updated_at=LONG_AGO)


# -- accept / decline ------------------------------------------------------------------------------


def test_accept(client, placed):
    response = api_post(client, f"/orders/{placed.noths_id}/accept", {**ACCEPT_FORM, "confirmation_note": "Thanks!"})
    assert response.status_code == 200
    assert response.json() == {}
    order = reload(placed)
    assert order.state == "accepted"
    assert order.accepted_at is not None
    assert order.updated_at > LONG_AGO
    assert order.updated_at == order.accepted_at
    doc = api_get(client, f"/orders/{placed.noths_id}").json()
    assert doc["state"] == "accepted"
    assert doc["estimated_dispatch_at"] == "2024-06-03T00:00:00+00:00"
    assert doc["estimated_delivery_date"] == "2024-06-05T00:00:00+00:00"
    assert_document_matches_columns(order)


def test_accept_only_from_placed(client, ready):
    response = api_post(client, f"/orders/{ready.noths_id}/accept", ACCEPT_FORM)
    assert response.status_code == 400
    assert response.json() == NOT_PLACED
    assert reload(ready).updated_at == LONG_AGO


@pytest.mark.parametrize(
    "form",
    [
        {"estimated_dispatch_at": "2024-06-03"},
        {"estimated_delivery_date": "2024-06-05"},
        {**ACCEPT_FORM, "estimated_delivery_date": "05/06/2024"},
        {**ACCEPT_FORM, "estimated_dispatch_at": "2024-02-30"},
    ],
)
def test_accept_needs_both_dates(client, placed, form):
    response = api_post(client, f"/orders/{placed.noths_id}/accept", form)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PARAMETER"
    assert reload(placed).state == "placed"


def test_accept_unknown_order_is_404(client, account):
    response = api_post(client, "/orders/42/accept", ACCEPT_FORM)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_decline(client, placed):
    assert api_post(client, f"/orders/{placed.noths_id}/decline", {}).json()["errors"][0]["code"] == (
        "INVALID_PARAMETER"
    )
    response = api_post(client, f"/orders/{placed.noths_id}/decline", {"decline_reason": "Out of stock"})
    assert response.status_code == 200
    order = reload(placed)
    assert (order.state, order.updated_at) == ("declined", order.declined_at)
    assert_document_matches_columns(order)


def test_decline_only_from_placed(client, ready):
    response = api_post(client, f"/orders/{ready.noths_id}/decline", {"decline_reason": "Changed my mind"})
    assert response.status_code == 400
    assert response.json() == error("ORDER_NOT_PLACED", "Only placed orders can be declined")


# -- dispatch -----------------------------------------------------------------------------------------


def test_dispatch(client, ready):
    form = {**DISPATCH_FORM, "tracking_number": "AB123456789GB", "parcel_tracking_url": "https://track.example/AB1"}
    response = api_post(client, f"/orders/{ready.noths_id}/dispatch", form)
    assert response.status_code == 200
    assert response.json() == {}
    order = reload(ready)
    assert order.state == "dispatched"
    assert order.dispatched_at == order.updated_at
    doc = order.parsed()
    assert doc["order_detail"] == {
        "tracking_number": "AB123456789GB",
        "parcel_tracking_url": "https://track.example/AB1",
    }
    assert doc["estimated_delivery_date"] == "2024-06-05T00:00:00+00:00"
    assert_document_matches_columns(order)


def test_dispatch_only_from_accepted(client, placed):
    response = api_post(client, f"/orders/{placed.noths_id}/dispatch", DISPATCH_FORM)
    assert response.status_code == 400
    assert response.json() == NOT_ACCEPTED


def test_dispatch_needs_the_dispatch_note_printed(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=False)
    response = api_post(client, f"/orders/{order.noths_id}/dispatch", DISPATCH_FORM)
    assert response.status_code == 400
    assert response.json() == NOTE_NOT_VIEWED


def test_dispatch_needs_an_estimated_delivery_date(client, ready):
    response = api_post(client, f"/orders/{ready.noths_id}/dispatch", {"tracking_number": "X"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PARAMETER"
    assert "estimated_delivery_date" in response.json()["errors"][0]["title"]


@pytest.mark.parametrize("enquiry_state", ["opened", "acknowledged", "overdue"])
def test_unresolved_enquiry_blocks_dispatch(client, make_order, enquiry_state):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state=enquiry_state)
    response = api_post(client, f"/orders/{order.noths_id}/dispatch", DISPATCH_FORM)
    assert response.status_code == 400
    assert response.json() == UNRESOLVED
    assert reload(order).state == "accepted"


def test_resolved_enquiry_does_not_block(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="resolved")
    assert api_post(client, f"/orders/{order.noths_id}/dispatch", DISPATCH_FORM).status_code == 200


def test_resolve_enquiry_while_dispatching(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="opened", enquiry_messages=["?"])
    response = api_post(client, f"/orders/{order.noths_id}/dispatch", {**DISPATCH_FORM, "resolve_enquiry": "true"})
    assert response.status_code == 200
    order = reload(order)
    assert (order.state, order.enquiry_state) == ("dispatched", "resolved")
    assert order.parsed()["enquiry"] == {"id": order.noths_id, "state": "resolved", "messages": [{"body": "?"}]}


def test_ignore_unresolved_enquiries_leaves_the_enquiry_open(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="opened")
    form = {**DISPATCH_FORM, "ignore_unresolved_enquiries": "true"}
    assert api_post(client, f"/orders/{order.noths_id}/dispatch", form).status_code == 200
    order = reload(order)
    assert (order.state, order.enquiry_state) == ("dispatched", "opened")


def test_bad_boolean_is_400(client, ready):
    response = api_post(client, f"/orders/{ready.noths_id}/dispatch", {**DISPATCH_FORM, "resolve_enquiry": "perhaps"})
    assert response.status_code == 400


# -- enquiries (customer side, no API) --------------------------------------------------------------


def test_enquiry_changes_do_not_bump_updated_at(placed):
    noths_actions.open_enquiry(placed, "Where is my parcel?")
    order = reload(placed)
    assert order.updated_at == LONG_AGO
    assert order.parsed()["has_enquiry"] is True
    assert order.parsed()["enquiry"]["messages"] == [{"body": "Where is my parcel?"}]
    noths_actions.resolve_enquiry(order)
    order = reload(order)
    assert (order.enquiry_state, order.updated_at) == ("resolved", LONG_AGO)
    with pytest.raises(noths_actions.NothsError):
        noths_actions.resolve_enquiry(order)


# -- dispatch notes ---------------------------------------------------------------------------------------


def test_dispatch_note_is_a_pdf_and_marks_the_note_viewed(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=False, updated_at=LONG_AGO)
    response = api_get(client, f"/orders/{order.noths_id}/dispatch_note")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
    first = reload(order)
    assert first.dispatch_note_viewed is True
    assert first.parsed()["dispatch_note_viewed"] is True
    assert first.updated_at > LONG_AGO  # the first print changes the order

    api_get(client, f"/orders/{order.noths_id}/dispatch_note", force_type="regular")
    assert reload(order).updated_at == first.updated_at  # printing again does not

    assert api_post(client, f"/orders/{order.noths_id}/dispatch", DISPATCH_FORM).status_code == 200


def test_dispatch_note_errors_are_json(client, account, make_order):
    order = make_order()
    assert api_get(client, "/orders/123/dispatch_note").json() == NOT_FOUND
    response = api_get(client, f"/orders/{order.noths_id}/dispatch_note", force_type="fancy")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_bulk_dispatch_notes(client, make_order):
    orders = [make_order(state="accepted", dispatch_note_viewed=False) for _ in range(2)]
    response = api_post_json(client, "/orders/dispatch_notes", [{"id": o.noths_id} for o in orders])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"/Count 2" in response.content
    assert all(reload(o).dispatch_note_viewed for o in orders)
    missing = api_post_json(client, "/orders/dispatch_notes", [{"id": orders[0].noths_id}, {"id": 1}])
    assert missing.status_code == 404


# -- bulk actions ------------------------------------------------------------------------------------------


def bulk_accept_entry(order_id):
    return {"id": order_id, **ACCEPT_FORM}


def test_bulk_accept_all_ok_is_200(client, make_order):
    orders = [make_order() for _ in range(3)]
    response = api_post_json(client, "/orders/accept", [bulk_accept_entry(o.noths_id) for o in orders])
    assert response.status_code == 200
    assert response.json() == [{"id": o.noths_id, "status": 200, "errors": []} for o in orders]
    assert {reload(o).state for o in orders} == {"accepted"}


def test_bulk_accept_partial_is_207(client, make_order, other_account):
    placed = make_order()
    accepted = make_order(state="accepted")
    theirs = make_order(owner=other_account)
    body = [
        bulk_accept_entry(placed.noths_id),
        bulk_accept_entry(accepted.noths_id),
        bulk_accept_entry(theirs.noths_id),
    ]
    response = api_post_json(client, "/orders/accept", body)
    assert response.status_code == 207
    assert response.json() == [
        {"id": placed.noths_id, "status": 200, "errors": []},
        {"id": accepted.noths_id, "status": 400, "errors": NOT_PLACED["errors"]},
        {"id": theirs.noths_id, "status": 404, "errors": NOT_FOUND["errors"]},
    ]
    assert reload(theirs).state == "placed"


def test_bulk_accept_all_failed_is_400(client, make_order):
    order = make_order()
    response = api_post_json(client, "/orders/accept", [{"id": order.noths_id}, "nonsense"])
    assert response.status_code == 400
    results = response.json()
    assert [r["status"] for r in results] == [400, 400]
    assert results[0]["errors"][0]["code"] == "INVALID_PARAMETER"


@pytest.mark.parametrize("body", ['{"id": 1}', "not json", ""])
def test_bulk_body_must_be_a_json_array(client, account, body):
    response = api_post_json(client, "/orders/accept", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PARAMETER"


def test_bulk_empty_array_is_200(client, account):
    response = api_post_json(client, "/orders/dispatch", [])
    assert (response.status_code, response.json()) == (200, [])


def test_bulk_dispatch(client, ready, make_order):
    with_enquiry = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="opened")
    unprinted = make_order(state="accepted", dispatch_note_viewed=False)
    body = [
        {"id": ready.noths_id, "estimated_delivery_date": "2024-06-05", "tracking_number": "T1"},
        {"id": with_enquiry.noths_id, "estimated_delivery_date": "2024-06-05"},
        {"id": unprinted.noths_id, "estimated_delivery_date": "2024-06-05"},
    ]
    response = api_post_json(client, "/orders/dispatch", body)
    assert response.status_code == 207
    assert [r["status"] for r in response.json()] == [200, 400, 400]
    assert response.json()[1]["errors"] == UNRESOLVED["errors"]
    assert response.json()[2]["errors"] == NOTE_NOT_VIEWED["errors"]
    assert reload(ready).parsed()["order_detail"]["tracking_number"] == "T1"


def test_bulk_dispatch_ignore_unresolved_from_the_query(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="opened")
    body = [{"id": order.noths_id, "estimated_delivery_date": "2024-06-05"}]
    response = api_post_json(client, "/orders/dispatch", body, query="&ignore_unresolved_enquiries=true")
    assert response.status_code == 200
    assert reload(order).state == "dispatched"


def test_bulk_dispatch_resolve_enquiry_per_order(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=True, enquiry_state="opened")
    body = [{"id": order.noths_id, "estimated_delivery_date": "2024-06-05", "resolve_enquiry": True}]
    assert api_post_json(client, "/orders/dispatch", body).status_code == 200
    assert reload(order).enquiry_state == "resolved"


def test_bulk_decline(client, make_order):
    order = make_order()
    response = api_post_json(client, "/orders/decline", [{"id": order.noths_id, "decline_reason": "No stock"}])
    assert response.status_code == 200
    assert reload(order).state == "declined"
