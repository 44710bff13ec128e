"""The NOTHS adapter against recorded-shape answers (responses): paging, cursor, reading, actions."""

import copy
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connections.platforms.base import (
    AcceptRequest,
    OrderStatus,
    PlatformContext,
    ShipmentRequest,
    UnreadableRecord,
)
from connections.platforms.clock import PlatformClock
from connections.platforms.errors import AuthError, PlatformError, TransientError
from connections.platforms.noths.adapter import NothsPlatform
from connections.platforms.noths.orders import normalize_order

BASE = "https://noths.test"
TOKEN = "noths-unit-token-0123456789"
ORDER = json.loads((Path(__file__).parent.parent / "fixtures" / "order.json").read_text())
LIST = f"{BASE}/api/v1/orders"

noths = NothsPlatform()


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_OVERLAP_SECONDS = 600
    settings.SYNC_SETTLE_SECONDS = 60


def ctx(**kwargs):
    return PlatformContext(base_url=BASE, credentials={"token": TOKEN}, **kwargs)


def order(n, **changes):
    doc = copy.deepcopy(ORDER)
    doc.update(id=n, number=f"R{n}", **changes)
    return doc


def page_body(orders, total):
    return {"query": {"results": len(orders), "total": total}, "data": orders, "links": []}


def http_date(moment):
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def utc(text):
    return datetime.fromisoformat(text)


def query_of(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


# -- reading an order -------------------------------------------------------------------------


def test_an_order_reads_into_our_shape():
    o = normalize_order(ORDER)
    assert (o.external_id, o.number, o.status, o.platform_status) == (
        "1000123",
        "R912345678",
        OrderStatus.ACCEPTED,
        "accepted",
    )
    assert (o.total, o.shipping_total, o.discount_total, o.subtotal, o.currency) == (
        Decimal("47.49"),
        Decimal("3.99"),
        Decimal("2.50"),
        Decimal("46.00"),
        "GBP",
    )
    assert o.placed_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert o.customer_name == "Sam Jones" and o.customer_phone == "+44 7700900123"
    assert o.shipping_address == {
        "name": "Ava Jones",
        "line1": "12 Mill Lane",
        "line2": "Flat 3",
        "city": "Bristol",
        "region": "Avon",
        "postcode": "BS1 4DJ",
        "country": "United Kingdom",
    }
    mug, box = o.items
    assert (mug.sku, mug.quantity, mug.total, mug.unit_price) == (
        "MUG-NAME-11OZ",
        2,
        Decimal("30.00"),
        Decimal("15.0000"),
    )
    assert mug.options == (("Colour", "Navy"), ("Personalisation", "AVA"))
    assert box.options == () and box.image_url == ""
    notes = {note[0]: note[1:] for note in o.notes}
    assert notes["Gift message"] == ("Happy birthday Ava!",) and notes["Customer enquiry"] == (
        "Open, not answered yet",
    )
    assert o.flags["dispatch_note_viewed"] is False and o.flags["enquiry_state"] == "opened"
    assert o.raw is ORDER


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("placed", OrderStatus.PENDING),
        ("dispatched", OrderStatus.SHIPPED),
        ("declined", OrderStatus.CANCELLED),
        ("expired", OrderStatus.CANCELLED),
        ("refunded", OrderStatus.REFUNDED),
        ("brand-new", OrderStatus.UNKNOWN),
    ],
)
def test_states_map_to_our_statuses(state, status):
    assert normalize_order(order(1, state=state)).status == status


def test_missing_updated_at_falls_back_to_the_latest_state_time():
    doc = order(1)
    del doc["updated_at"]
    assert normalize_order(doc).platform_updated_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_unknown_keys_and_nulls_are_tolerated():
    doc = order(1, brand_new_field={"x": 1}, user=None, delivery_address=None, items=None, order_total=None)
    o = normalize_order(doc)
    assert o.items == () and o.total == Decimal("0.00") and o.customer_name == ""


# -- fetching ---------------------------------------------------------------------------------


@responses.activate
def test_check_asks_only_for_the_count():
    responses.get(LIST, json=page_body([], 1234))
    facts = noths.check(ctx())
    assert facts.details == {"orders_total": 1234}
    assert "1234 orders" in facts.summary
    assert query_of(responses.calls[0]) == {"token": TOKEN, "per_page": "0", "offset": "0"}


@responses.activate
def test_wrong_token_is_an_auth_error_with_the_way_out():
    responses.get(LIST, status=401, json={"errors": [{"code": "UNAUTHORIZED", "title": "Invalid or expired token"}]})
    with pytest.raises(AuthError) as caught:
        noths.check(ctx())
    assert "Invalid or expired token" in str(caught.value)
    assert "Settings \u2192 API Tokens" in noths.explain(caught.value)
    assert TOKEN not in str(caught.value)


@responses.activate
def test_first_fetch_pages_a_window_from_the_import_date_to_noths_own_now(settings):
    """NOTHS's clock is 3 hours behind ours: the window ends at its "now" (the Date of its first
    answer, which is asked with no end), less the settle time, never at ours."""
    settings.NOTHS_PAGE_SIZE = 2
    noths_now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    dated = {"Date": http_date(noths_now)}
    newest = _iso(noths_now - timedelta(hours=1))
    responses.get(LIST, json=page_body([order(1), order(2, updated_at=newest)], 3), headers=dated)
    responses.get(LIST, json=page_body([order(3)], 3), headers=dated)
    context = ctx(import_from=date(2026, 10, 1))
    pages = list(noths.fetch_orders(context, None))
    assert [[r.external_id for r in p.records] for p in pages] == [["1", "2"], ["3"]]
    assert pages[0].records[1].order().number == "R2"
    first, second = (query_of(c) for c in responses.calls)
    assert first["updated_at[from]"] == second["updated_at[from]"] == "2026-10-01T00:00:00+00:00"
    assert (first["offset"], second["offset"], first["per_page"]) == ("0", "2", "2")
    assert (first["sort"], first["dir"]) == ("placed_at", "asc")
    assert "updated_at[to]" not in first  # open: NOTHS's answer tells its "now"
    end = datetime.fromisoformat(second["updated_at[to]"])
    assert abs((noths_now - timedelta(seconds=60) - end).total_seconds()) <= 2
    assert pages[0].cursor["window"]["to"] == second["updated_at[to]"]  # fixed for the rest of the scan
    assert abs(context.clock.offset + 3 * 3600) <= 2
    # Done: the next pass starts from the newest NOTHS time among the orders read.
    assert pages[1].cursor == {"newest": newest, "offset": pytest.approx(-3 * 3600, abs=2)}
    assert pages[0].total == 3


@responses.activate
def test_next_fetch_starts_an_overlap_before_the_newest_time_committed():
    responses.get(LIST, json=page_body([], 0))
    list(noths.fetch_orders(ctx(), {"newest": "2026-11-20T12:00:00+00:00", "offset": 0}))
    assert len(responses.calls) == 1
    assert query_of(responses.calls[0])["updated_at[from]"] == "2026-11-20T11:50:00+00:00"


@responses.activate
def test_a_window_that_saw_no_orders_keeps_its_start():
    responses.get(LIST, json=page_body([], 0), headers={"Date": http_date(datetime.now(UTC))})
    pages = list(noths.fetch_orders(ctx(), {"newest": "2026-11-20T12:00:00+00:00", "offset": 0}))
    assert pages[-1].cursor["newest"] == "2026-11-20T12:00:00+00:00"
    again = list(noths.fetch_orders(ctx(), pages[-1].cursor))
    assert query_of(responses.calls[1])["updated_at[from]"] == "2026-11-20T11:50:00+00:00"
    assert again[-1].cursor["newest"] == "2026-11-20T12:00:00+00:00"


@responses.activate
def test_the_newest_time_never_passes_the_windows_end():
    """The open first request may bring an order changed after NOTHS's now less the settle time:
    it is read, and read again by the next window, which starts no later than this one's end."""
    noths_now = datetime.now(UTC).replace(microsecond=0)
    fresh = order(1, updated_at=_iso(noths_now - timedelta(seconds=5)))
    responses.get(LIST, json=page_body([fresh], 1), headers={"Date": http_date(noths_now)})
    pages = list(noths.fetch_orders(ctx(), {"newest": "2026-11-20T12:00:00+00:00", "offset": 0}))
    assert [r.external_id for r in pages[0].records] == ["1"]
    assert utc(pages[-1].cursor["newest"]) <= noths_now - timedelta(seconds=59)


@pytest.mark.parametrize(
    ("hours", "first_from"),
    [(-3, "2026-11-20T08:50:00+00:00"), (3, "2026-11-20T11:50:00+00:00")],
    ids=["behind", "ahead"],
)
@responses.activate
def test_a_cursor_of_before_starts_where_noths_clock_stood(hours, first_from):
    """A cursor stored before ("since", the portal's time) ended a window NOTHS compared with its own
    times: where NOTHS is behind, it had read only up to its own time then, 3 hours earlier."""
    noths_now = datetime.now(UTC) + timedelta(hours=hours)
    responses.get(LIST, json=page_body([], 0), headers={"Date": http_date(noths_now)})
    list(noths.fetch_orders(ctx(), {"since": "2026-11-20T12:00:00+00:00"}))
    count, window = (query_of(c) for c in responses.calls)
    assert count["per_page"] == "0"  # NOTHS's clock was not known yet: one count to read it
    assert abs((utc(window["updated_at[from]"]) - utc(first_from)).total_seconds()) <= 2


@responses.activate
def test_a_cursor_of_before_needs_no_count_when_noths_clock_is_known():
    responses.get(LIST, json=page_body([], 0))
    list(noths.fetch_orders(ctx(clock=PlatformClock(offset=-3600.0)), {"since": "2026-11-20T12:00:00+00:00"}))
    assert [query_of(c)["updated_at[from]"] for c in responses.calls] == ["2026-11-20T10:50:00+00:00"]


@responses.activate
def test_a_window_of_before_resumed_and_finished_hands_on_noths_time():
    window = {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-20T12:00:00+00:00", "offset": 0, "total": 1}
    responses.get(
        LIST, json=page_body([order(1)], 1), headers={"Date": http_date(datetime.now(UTC) - timedelta(hours=2))}
    )
    pages = list(noths.fetch_orders(ctx(), {"since": None, "window": window}))
    assert query_of(responses.calls[0])["updated_at[to]"] == window["to"]
    assert abs((utc(pages[-1].cursor["newest"]) - utc("2026-11-20T10:00:00+00:00")).total_seconds()) <= 2


@responses.activate
def test_when_noths_clock_was_set_back_the_window_reads_again_from_as_far_back():
    """The last pass committed while NOTHS was 3 hours ahead; its clock is right now, so its changes
    since carry times up to 3 hours before that pass's newest."""
    noths_now = datetime.now(UTC).replace(microsecond=0)
    last_newest = _iso(noths_now + timedelta(hours=3))
    responses.get(LIST, json=page_body([], 0), headers={"Date": http_date(noths_now)})
    responses.get(LIST, json=page_body([order(7, updated_at=_iso(noths_now - timedelta(minutes=5)))], 1))
    pages = list(noths.fetch_orders(ctx(), {"newest": last_newest, "offset": 3 * 3600.0}))
    _, again = (query_of(c) for c in responses.calls)
    assert utc(again["updated_at[from]"]) <= noths_now - timedelta(minutes=10)
    assert again["updated_at[to]"] == pages[0].cursor["window"]["to"] and again["offset"] == "0"
    assert [r.external_id for r in pages[-1].records] == ["7"]
    assert utc(pages[-1].cursor["newest"]) <= noths_now  # never again in NOTHS's future


@responses.activate
def test_a_fetch_resumes_inside_its_window_from_the_cursor():
    window = {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-20T00:00:00+00:00", "offset": 500, "total": 600}
    responses.get(LIST, json=page_body([order(501)], 501))
    list(noths.fetch_orders(ctx(), {"since": None, "window": window}))
    sent = query_of(responses.calls[0])
    assert (sent["offset"], sent["updated_at[from]"], sent["updated_at[to]"]) == ("500", window["from"], window["to"])


@responses.activate
def test_when_orders_leave_the_window_the_scan_steps_back(settings):
    settings.NOTHS_PAGE_SIZE = 2
    # 4 orders; while we read page 1, order 1 is updated past the window's end: total 4 -> 3
    # and orders 3, 4 shift left to offsets 1, 2. Stepping back by one re-reads order 3.
    responses.get(LIST, json=page_body([order(1), order(2)], 4))
    responses.get(LIST, json=page_body([order(4)], 3))  # what offset 2 holds after the shift
    responses.get(LIST, json=page_body([order(3), order(4)], 3))  # re-read from offset 1
    seen = [r.external_id for p in noths.fetch_orders(ctx(), None) for r in p.records]
    offsets = [query_of(c)["offset"] for c in responses.calls]
    assert offsets == ["0", "2", "1"]
    assert {"1", "2", "3", "4"} <= set(seen)


@responses.activate
def test_when_the_orders_ahead_all_left_the_empty_page_is_not_the_end(settings):
    settings.NOTHS_PAGE_SIZE = 2
    # A..E; after page 1, A, B and C are updated past the window's end. D and E move to
    # offsets 0 and 1, so offset 2 is empty: step back rather than stop.
    responses.get(LIST, json=page_body([order(1), order(2)], 5))
    responses.get(LIST, json=page_body([], 2))
    responses.get(LIST, json=page_body([order(4), order(5)], 2))
    pages = list(noths.fetch_orders(ctx(), None))
    assert [query_of(c)["offset"] for c in responses.calls] == ["0", "2", "0"]
    assert {r.external_id for p in pages for r in p.records} == {"1", "2", "4", "5"}
    assert "window" not in pages[-1].cursor


@responses.activate
def test_orders_placed_in_the_same_second_across_pages_are_all_read(settings):
    settings.NOTHS_PAGE_SIZE = 2
    same = "2026-11-20T09:00:00+00:00"
    one = order(1, placed_at="2026-11-20T08:00:00+00:00")
    two, three = order(2, placed_at=same), order(3, placed_at=same)
    four = order(4, placed_at="2026-11-20T10:00:00+00:00")
    # NOTHS lists 2 and 3 in a different order on each request: offset 2 shows 2 again.
    responses.get(LIST, json=page_body([one, two], 4))
    responses.get(LIST, json=page_body([two, four], 4))
    responses.get(LIST, json=page_body([three, two], 4))  # re-read from the group's start
    responses.get(LIST, json=page_body([four], 4))
    pages = list(noths.fetch_orders(ctx(), None))
    assert [query_of(c)["offset"] for c in responses.calls] == ["0", "2", "1", "3"]
    assert {r.external_id for p in pages for r in p.records} == {"1", "2", "3", "4"}


def test_a_page_of_one_second_only_moves_on():
    from connections.platforms.noths.adapter import _next_position

    same = [{"placed_at": "t"}] * 3
    window = {"offset": 3, "total": 9, "tail_placed": "t", "tail_start": 0}
    first, window = _next_position(window, same, 9)
    assert first == 0 and window["rereading"]  # the group started on the page before: read it again
    second, window = _next_position(window, same, 9)
    assert second == 3  # once: then on, even though the page is one second throughout
    third, _ = _next_position(window, same, 9)
    assert third == 6


@responses.activate
def test_an_empty_page_before_the_total_is_reached_is_an_error_not_the_end(settings):
    settings.NOTHS_PAGE_SIZE = 2
    responses.get(LIST, json=page_body([order(1), order(2)], 5))
    responses.get(LIST, json=page_body([], 5))
    pages = noths.fetch_orders(ctx(), None)
    next(pages)
    with pytest.raises(TransientError, match="empty page"):
        next(pages)


@responses.activate
def test_an_unreadable_order_is_reported_not_fatal():
    responses.get(LIST, json=page_body([order(1), {"number": "R-broken"}, order(3, placed_at="not a date")], 3))
    (page,) = noths.fetch_orders(ctx(), None)
    assert [r.external_id for r in page.records] == ["1", "3"]  # read lazily, when ingest needs them
    assert [r.reference for r in page.invalid] == ["R-broken"]
    assert "unreadable NOTHS order" in page.invalid[0].reason
    with pytest.raises(UnreadableRecord, match="unreadable NOTHS order: unreadable time 'not a date'"):
        page.records[1].order()


@responses.activate
def test_a_list_without_its_count_is_a_transient_error():
    responses.get(LIST, json={"data": []})
    with pytest.raises(TransientError, match="an order list without its \u201cquery\u201d"):
        list(noths.fetch_orders(ctx(), None))


# -- actions ----------------------------------------------------------------------------------


@responses.activate
def test_accept_sends_the_dates_form_encoded_with_the_token_in_the_query():
    responses.post(f"{BASE}/api/v1/orders/77/accept", json={})
    result = noths.acceptance.accept(ctx(), "77", AcceptRequest(date(2026, 11, 24), date(2026, 11, 27), note="Thanks"))
    request = responses.calls[0].request
    assert parse_qs(request.body) == {
        "estimated_dispatch_at": ["2026-11-24"],
        "estimated_delivery_date": ["2026-11-27"],
        "confirmation_note": ["Thanks"],
    }
    assert query_of(responses.calls[0]) == {"token": TOKEN}
    assert not result.already_done


@responses.activate
def test_a_retried_accept_first_checks_whether_it_already_happened():
    responses.get(f"{BASE}/api/v1/orders/77", json=order(77, state="accepted"))
    result = noths.acceptance.accept(ctx(), "77", AcceptRequest(date(2026, 11, 24), date(2026, 11, 27)), retry=True)
    assert result.already_done
    assert len(responses.calls) == 1  # no second POST


@responses.activate
def test_dispatch_sends_tracking_and_enquiry_resolution():
    responses.post(f"{BASE}/api/v1/orders/77/dispatch", json={})
    noths.shipments.push(
        ctx(),
        "77",
        ShipmentRequest(
            tracking_number="RM123GB",
            tracking_url="https://track/RM123GB",
            estimated_delivery_date=date(2026, 11, 27),
            resolve_enquiry=True,
        ),
    )
    assert parse_qs(responses.calls[0].request.body) == {
        "estimated_delivery_date": ["2026-11-27"],
        "tracking_number": ["RM123GB"],
        "parcel_tracking_url": ["https://track/RM123GB"],
        "resolve_enquiry": ["true"],
    }


@responses.activate
def test_dispatch_without_a_date_uses_the_working_days_setting():
    responses.post(f"{BASE}/api/v1/orders/77/dispatch", json={})
    noths.shipments.push(ctx(options={"estimated_delivery_days": 2}), "77", ShipmentRequest())
    sent = date.fromisoformat(parse_qs(responses.calls[0].request.body)["estimated_delivery_date"][0])
    assert sent > date.today() and sent.weekday() < 5


@responses.activate
def test_a_retried_dispatch_that_already_happened_is_done():
    responses.get(f"{BASE}/api/v1/orders/77", json=order(77, state="dispatched"))
    assert noths.shipments.push(ctx(), "77", ShipmentRequest(), retry=True).already_done


@pytest.mark.parametrize(
    ("code", "title", "advice"),
    [
        ("DISPATCH_NOTE_NOT_VIEWED", "The dispatch note must be printed before dispatch", "Download dispatch note"),
        ("ORDER_NOT_ACCEPTED", "Order must be accepted before it can be dispatched", "Accept it first"),
        ("UNRESOLVED_ENQUIRY", "The order has an unresolved customer enquiry", "Resolve the customer's enquiry"),
        ("", "Dispatch note has not been printed", "Download dispatch note"),
    ],
)
@responses.activate
def test_dispatch_rejections_come_with_the_way_out(code, title, advice):
    responses.post(f"{BASE}/api/v1/orders/77/dispatch", status=400, json={"errors": [{"code": code, "title": title}]})
    with pytest.raises(PlatformError) as caught:
        noths.shipments.push(ctx(), "77", ShipmentRequest(estimated_delivery_date=date(2026, 11, 27)))
    assert title in str(caught.value)
    assert advice in noths.explain(caught.value)


def test_an_order_id_that_is_not_a_number_never_reaches_a_url():
    with pytest.raises(PlatformError):
        noths.shipments.push(ctx(), "../admin", ShipmentRequest())
