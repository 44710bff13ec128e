"""GET /api/v1/orders and /orders/<id>: auth, filters, paging, sorting."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.noths.sandbox.models import iso

from .sandbox_helpers import API, OTHER_TOKEN, api_get, api_post, error, ids

UNAUTHORIZED = error("UNAUTHORIZED", "Invalid or expired token")
NOT_FOUND = error("RESOURCE_NOT_FOUND", "Couldn't find the requested resource")
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# -- auth and shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "no-such-token"])
def test_missing_or_unknown_token_is_401(client, account, token):
    response = api_get(client, "/orders", token=token)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_list_shape(client, account):
    generate_orders(account, 3)
    response = api_get(client, "/orders")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"query", "data", "links"}
    assert body["query"] == {"results": 3, "total": 3}
    assert body["links"] == []
    assert [order["id"] for order in body["data"]] == sorted(
        account.noths_orders.values_list("noths_id", flat=True), reverse=True
    )


def test_list_serves_the_stored_documents_verbatim(client, account):
    generate_orders(account, 2)
    body = api_get(client, "/orders").json()
    stored = {o.noths_id: json.loads(o.document) for o in account.noths_orders.all()}
    assert body["data"] == [stored[order["id"]] for order in body["data"]]


def test_detail_returns_the_bare_order(client, account, make_order):
    order = make_order()
    response = api_get(client, f"/orders/{order.noths_id}")
    assert response.status_code == 200
    assert response.json() == json.loads(order.document)
    assert response.json()["id"] == order.noths_id


def test_other_accounts_orders_are_invisible(client, account, other_account, make_order):
    mine = make_order()
    theirs = make_order(owner=other_account)
    assert ids(api_get(client, "/orders")) == [mine.noths_id]
    assert ids(api_get(client, "/orders", token=OTHER_TOKEN)) == [theirs.noths_id]
    response = api_get(client, f"/orders/{theirs.noths_id}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("path", ["/orders/999999999", "/orders/abc", "/nothing/here"])
def test_unknown_resources_are_json_404s(client, account, path):
    response = api_get(client, path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_wrong_method_is_405(client, account, make_order):
    order = make_order()
    assert api_post(client, "/orders").status_code == 405
    response = api_get(client, f"/orders/{order.noths_id}/accept")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["errors"][0]["code"] == "METHOD_NOT_ALLOWED"


# -- paging ----------------------------------------------------------------------------------------


def test_default_page_size_is_30(client, account):
    generate_orders(account, 40)
    body = api_get(client, "/orders").json()
    assert body["query"] == {"results": 30, "total": 40}


def test_per_page_is_capped_at_250(client, account):
    generate_orders(account, 260, items_per_order=1)
    body = api_get(client, "/orders", per_page=1000).json()
    assert body["query"] == {"results": 250, "total": 260}


def test_per_page_zero_returns_only_the_count(client, account):
    generate_orders(account, 5)
    body = api_get(client, "/orders", per_page=0, offset=0).json()
    assert body == {"query": {"results": 0, "total": 5}, "data": [], "links": []}


def test_offset_pages_cover_every_order_once(client, account):
    generate_orders(account, 23, spacing_seconds=0)  # all placed at the same moment: ties everywhere
    seen = []
    for offset in range(0, 23, 5):
        body = api_get(client, "/orders", per_page=5, offset=offset, dir="asc").json()
        assert body["query"]["total"] == 23
        seen += [order["id"] for order in body["data"]]
    assert seen == sorted(account.noths_orders.values_list("noths_id", flat=True))


def test_offset_past_the_end_is_an_empty_page_with_the_total(client, account):
    generate_orders(account, 3)
    body = api_get(client, "/orders", offset=10).json()
    assert body["query"] == {"results": 0, "total": 3}
    assert body["data"] == []


@pytest.mark.parametrize(
    ("name", "value"), [("offset", "-1"), ("offset", "x"), ("per_page", "-5"), ("per_page", "1.5")]
)
def test_bad_paging_values_are_400(client, account, name, value):
    response = api_get(client, "/orders", **{name: value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PARAMETER"
    assert name in response.json()["errors"][0]["title"]


# -- sorting ---------------------------------------------------------------------------------------


def test_default_sort_is_newest_placed_first_with_ties_on_id(client, account):
    generate_orders(account, 3, start=T0)
    generate_orders(account, 3, start=T0 + timedelta(hours=1), spacing_seconds=0)  # three ties
    all_ids = list(account.noths_orders.order_by("-placed_at", "-noths_id").values_list("noths_id", flat=True))
    assert ids(api_get(client, "/orders")) == all_ids
    assert ids(api_get(client, "/orders", sort="placed_at", dir="asc")) == all_ids[::-1]


def test_sort_by_state_breaks_ties_by_id(client, account):
    generate_orders(account, 4, states=("placed",))
    generate_orders(account, 4, states=("accepted",))
    placed = sorted(account.noths_orders.filter(state="placed").values_list("noths_id", flat=True))
    accepted = sorted(account.noths_orders.filter(state="accepted").values_list("noths_id", flat=True))
    assert ids(api_get(client, "/orders", sort="state", dir="asc")) == accepted + placed
    assert ids(api_get(client, "/orders", sort="state", dir="desc")) == placed[::-1] + accepted[::-1]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_a_timestamp_puts_orders_without_it_last(client, account, make_order, direction):
    early = make_order(state="dispatched", dispatched_at=T0)
    late = make_order(state="dispatched", dispatched_at=T0 + timedelta(days=1))
    never = make_order(state="placed")
    expected = [early.noths_id, late.noths_id] if direction == "asc" else [late.noths_id, early.noths_id]
    assert ids(api_get(client, "/orders", sort="dispatched_at", dir=direction)) == [*expected, never.noths_id]


def test_sort_by_accepted_at(client, account, make_order):
    second = make_order(state="accepted", accepted_at=T0 + timedelta(hours=2))
    first = make_order(state="accepted", accepted_at=T0)
    assert ids(api_get(client, "/orders", sort="accepted_at", dir="asc")) == [first.noths_id, second.noths_id]


@pytest.mark.parametrize(
    ("params", "word"), [({"sort": "colour"}, "sort"), ({"dir": "up"}, "dir"), ({"sort": "placed_at; drop"}, "sort")]
)
def test_unknown_sort_or_direction_is_400(client, account, params, word):
    response = api_get(client, "/orders", **params)
    assert response.status_code == 400
    [problem] = response.json()["errors"]
    assert problem["code"] == "INVALID_PARAMETER"
    assert word in problem["title"]


# -- filters -----------------------------------------------------------------------------------------


def test_state_filter_single_comma_and_repeated(client, account):
    generate_orders(account, 2, states=("placed",))
    generate_orders(account, 2, states=("accepted",))
    generate_orders(account, 2, states=("dispatched",))

    def by_state(*states):
        return sorted(account.noths_orders.filter(state__in=states).values_list("noths_id", flat=True))

    assert sorted(ids(api_get(client, "/orders", state="accepted"))) == by_state("accepted")
    assert sorted(ids(api_get(client, "/orders", state="placed,accepted"))) == by_state("placed", "accepted")
    response = client.get(f"{API}/orders", {"token": account.token, "state": ["placed", "dispatched"]})
    assert sorted(ids(response)) == by_state("placed", "dispatched")


def test_unknown_state_is_400(client, account):
    response = api_get(client, "/orders", state="placed,lost")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PARAMETER"


def test_updated_at_range_is_inclusive(client, account, make_order):
    before = make_order(updated_at=T0 - timedelta(seconds=1))
    at_start = make_order(updated_at=T0)
    at_end = make_order(updated_at=T0 + timedelta(hours=1))
    after = make_order(updated_at=T0 + timedelta(hours=1, seconds=1))
    window = {"updated_at[from]": iso(T0), "updated_at[to]": iso(T0 + timedelta(hours=1))}
    found = ids(api_get(client, "/orders", **window))
    assert sorted(found) == sorted([at_start.noths_id, at_end.noths_id])
    assert before.noths_id not in found and after.noths_id not in found


def test_updated_at_accepts_other_offsets_and_z(client, account, make_order):
    order = make_order(updated_at=T0)
    for value in ("2024-05-01T13:00:00+01:00", "2024-05-01T12:00:00Z"):
        assert ids(api_get(client, "/orders", **{"updated_at[from]": value, "updated_at[to]": value})) == [
            order.noths_id
        ]


def test_unencoded_plus_in_a_typed_url_still_works(client, account, make_order):
    order = make_order(updated_at=T0)
    response = client.get(f"{API}/orders?token={account.token}&updated_at[from]=2024-05-01T12:00:00+00:00")
    assert ids(response) == [order.noths_id]


@pytest.mark.parametrize("value", ["yesterday", "2024-05-01T12:00:00", "2024-13-01T00:00:00+00:00", "2024-05-01"])
def test_bad_or_offsetless_dates_are_400(client, account, value):
    response = api_get(client, "/orders", **{"updated_at[from]": value})
    assert response.status_code == 400
    [problem] = response.json()["errors"]
    assert problem["code"] == "INVALID_PARAMETER"
    assert "updated_at[from]" in problem["title"]


def test_estimated_delivery_date_range(client, account, make_order):
    inside = make_order(state="accepted", estimated_delivery_date=T0)
    make_order(state="accepted", estimated_delivery_date=T0 + timedelta(days=3))
    window = {"estimated_delivery_date[from]": iso(T0 - timedelta(days=1)), "estimated_delivery_date[to]": iso(T0)}
    assert ids(api_get(client, "/orders", **window)) == [inside.noths_id]


def test_ids_filter(client, account):
    generate_orders(account, 5)
    chosen = list(account.noths_orders.values_list("noths_id", flat=True)[:2])
    assert sorted(ids(api_get(client, "/orders", ids=",".join(map(str, chosen))))) == sorted(chosen)
    response = api_get(client, "/orders", ids="1,two")
    assert response.status_code == 400


def test_query_matches_number_and_customer_name(client, account, make_order):
    ada = make_order(customer_name="Ada Lovelace", delivery_recipient_name="Ada Lovelace")
    make_order(customer_name="Alan Turing", delivery_recipient_name="Alan Turing")
    assert ids(api_get(client, "/orders", query="lovelace")) == [ada.noths_id]
    assert ids(api_get(client, "/orders", query=ada.number)) == [ada.noths_id]


def test_enquiry_filters(client, account, make_order):
    opened = make_order(enquiry_state="opened", enquiry_messages=["Where is it?"])
    overdue = make_order(enquiry_state="overdue", enquiry_messages=["Hello?"])
    resolved = make_order(enquiry_state="resolved", enquiry_messages=["Thanks"])
    quiet = make_order()
    assert sorted(ids(api_get(client, "/orders", unresolved_enquiry="true"))) == sorted(
        [opened.noths_id, overdue.noths_id]
    )
    assert sorted(ids(api_get(client, "/orders", unresolved_enquiry="false"))) == sorted(
        [resolved.noths_id, quiet.noths_id]
    )
    assert sorted(ids(api_get(client, "/orders", enquiry_state="unresolved"))) == sorted(
        [opened.noths_id, overdue.noths_id]
    )
    assert ids(api_get(client, "/orders", enquiry_state="resolved")) == [resolved.noths_id]
    assert api_get(client, "/orders", unresolved_enquiry="maybe").status_code == 400


def test_boolean_and_code_filters(client, account, make_order):
    viewed = make_order(state="accepted", dispatch_note_viewed=True, gift=True, delivery_service_code="EXPRESS_24")
    unviewed = make_order(state="accepted", dispatch_note_viewed=False, gift=False, delivery_service_code="STANDARD")
    assert ids(api_get(client, "/orders", dispatch_note_viewed="true")) == [viewed.noths_id]
    assert ids(api_get(client, "/orders", dispatch_note_viewed="false")) == [unviewed.noths_id]
    assert ids(api_get(client, "/orders", gift="1")) == [viewed.noths_id]
    assert ids(api_get(client, "/orders", delivery_service_code="STANDARD")) == [unviewed.noths_id]
    assert api_get(client, "/orders", delivery_service_code="PIGEON").status_code == 400


def test_product_filter(client, account, make_order):
    first = make_order(product_ids=",5001,5002,")
    make_order(product_ids=",5010,")
    assert ids(api_get(client, "/orders", product_ids="5002,5999")) == [first.noths_id]
    assert ids(api_get(client, "/orders", product_ids="500")) == []
