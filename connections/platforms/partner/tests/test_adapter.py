"""The Partner API adapter against `responses`: tokens, windows, paging, errors, reading orders."""

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache

from connections.platforms.base import OrderStatus, PlatformContext, UnknownStatus, UnreadableRecord
from connections.platforms.errors import AuthError, PlatformError, RateLimited, TransientError
from connections.platforms.partner import tokens as partner_tokens
from connections.platforms.partner.adapter import PartnerPlatform
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID, partner_credentials
from connections.platforms.partner.tests.orders import partner_order

BASE = "https://partner.test"
LIST = f"{BASE}/v2/chains/{PARTNER_CHAIN_ID}/vendors/v-1/orders"
TOKEN_URL = f"{BASE}/v2/oauth/token"
adapter = PartnerPlatform()


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.PARTNER_PAGE_SIZE = 2
    cache.clear()


def ctx(throttle=None, import_from=None, **credentials) -> PlatformContext:
    return PlatformContext(
        base_url=BASE,
        credentials=partner_credentials(**credentials),
        import_from=import_from,
        throttle=throttle,
    )


def page(orders, total_pages=1):
    return {"orders": orders, "page": 1, "page_size": 2, "total_pages": total_pages, "total_count": len(orders)}


def sent_params(call) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


@responses.activate
def test_the_static_token_rides_in_the_authorization_header():
    responses.get(LIST, json=page([]))
    facts = adapter.check(ctx())
    assert responses.calls[0].request.headers["Authorization"] == "Bearer partner-static-token-0001"
    assert "accepted the token" in facts.summary and "Partner Picking" in facts.summary


@responses.activate
def test_a_client_id_and_secret_get_a_token_once_and_it_is_reused():
    responses.post(TOKEN_URL, json={"access_token": "tok-A", "token_type": "Bearer", "expires_in": 7200})
    responses.get(LIST, json=page([]))
    context = ctx(token="", client_id="cid", client_secret="csecret")
    adapter.check(context)
    adapter.check(context)
    token_calls = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 1
    assert parse_qs(token_calls[0].request.body) == {
        "grant_type": ["client_credentials"],
        "client_id": ["cid"],
        "client_secret": ["csecret"],
    }
    assert [c.request.headers["Authorization"] for c in responses.calls if c.request.url.startswith(LIST)] == [
        "Bearer tok-A",
        "Bearer tok-A",
    ]


@responses.activate
def test_a_token_near_its_end_is_renewed_before_use():
    responses.post(TOKEN_URL, json={"access_token": "tok-A", "expires_in": 300})  # less than RENEW_BEFORE
    responses.post(TOKEN_URL, json={"access_token": "tok-B", "expires_in": 7200})
    responses.get(LIST, json=page([]))
    context = ctx(token="", client_id="cid", client_secret="csecret")
    adapter.check(context)
    adapter.check(context)
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer tok-B"


@responses.activate
def test_a_refused_token_is_renewed_once_on_a_401():
    responses.post(TOKEN_URL, json={"access_token": "tok-A", "expires_in": 7200})
    responses.post(TOKEN_URL, json={"access_token": "tok-B", "expires_in": 7200})
    responses.get(LIST, status=401, json={"error": "unauthorized", "message": "token expired"})
    responses.get(LIST, json=page([]))
    adapter.check(ctx(token="", client_id="cid", client_secret="csecret"))
    assert [c.request.headers.get("Authorization") for c in responses.calls if c.request.url.startswith(LIST)] == [
        "Bearer tok-A",
        "Bearer tok-B",
    ]


@responses.activate
def test_the_cached_token_is_encrypted():
    responses.post(TOKEN_URL, json={"access_token": "tok-secret-value", "expires_in": 7200})
    responses.get(LIST, json=page([]))
    context = ctx(token="", client_id="cid", client_secret="csecret")
    adapter.check(context)
    sealed = cache.get(partner_tokens.CACHE._key(context))
    assert sealed and b"tok-secret-value" not in sealed
    assert partner_tokens.cached_values(context) == ["tok-secret-value"]


@responses.activate
def test_a_wrong_static_token_is_an_auth_error_in_words_without_the_token():
    responses.get(LIST, status=401, json={"error": "unauthorized", "message": "Invalid token"})
    with pytest.raises(AuthError) as caught:
        adapter.check(ctx(token="partner-wrong-token-xyz"))
    assert "rejected the credentials" in caught.value.message and "partner-wrong-token-xyz" not in str(caught.value)
    assert "Bearer token" in adapter.explain(caught.value)


@responses.activate
def test_a_wrong_client_secret_says_so():
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(AuthError) as caught:
        adapter.check(ctx(token="", client_id="cid", client_secret="nope-secret"))
    assert "client ID or secret" in adapter.explain(caught.value)


def test_credentials_that_cannot_work_are_said_before_any_call():
    problems = adapter.credential_problems(partner_credentials(token="", client_id="cid", chain_id="not-a-uuid"))
    assert set(problems) == {"chain_id", "client_secret"}
    assert adapter.credential_problems(partner_credentials(token="", vendor_ids=" , ")) == {
        "vendor_ids": "Enter at least one store (vendor) ID.",
        "token": "Enter the Bearer token, or the client ID and client secret.",
    }
    assert adapter.credential_problems(partner_credentials()) == {}


@responses.activate
def test_the_first_fetch_reads_each_store_from_the_import_date_page_by_page():
    first_day = date.today() - timedelta(days=7)
    orders = [partner_order(code=f"c{i}") for i in range(3)]
    responses.get(LIST, json=page(orders[:2], total_pages=2))
    responses.get(LIST, json=page(orders[2:], total_pages=2))
    second_store = f"{BASE}/v2/chains/{PARTNER_CHAIN_ID}/vendors/v-2/orders"
    responses.get(second_store, json=page([], total_pages=0))
    pages = list(adapter.fetch_orders(ctx(vendor_ids="v-1, v-2", import_from=first_day), None))
    assert [len(p.records) for p in pages] == [2, 1, 0]
    first = sent_params(responses.calls[0])
    assert first["start_time"] == f"{first_day:%Y-%m-%d}T00:00:00" and first["page"] == "1"
    assert sent_params(responses.calls[1])["page"] == "2"
    assert [p.cursor.get("vendor") for p in pages[:2]] == [0, 1] and "last_until" in pages[-1].cursor


@responses.activate
def test_the_window_never_reaches_past_sixty_days():
    responses.get(LIST, json=page([]))
    list(adapter.fetch_orders(ctx(import_from=date.today() - timedelta(days=400)), None))
    since = datetime.fromisoformat(sent_params(responses.calls[0])["start_time"]).replace(tzinfo=UTC)
    assert datetime.now(UTC) - since < timedelta(days=60)


@responses.activate
def test_a_scheduled_pass_reads_on_from_the_last_one_and_resumes_a_broken_pass(settings):
    """From where the last pass ended less the overlap: re-reading older windows is the reconciliation's."""
    settings.SYNC_OVERLAP_SECONDS = 600
    responses.get(LIST, json=page([]))
    five_minutes_ago = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    list(adapter.fetch_orders(ctx(), {"last_until": five_minutes_ago}))
    since = datetime.fromisoformat(sent_params(responses.calls[0])["start_time"]).replace(tzinfo=UTC)
    assert timedelta(minutes=14) < datetime.now(UTC) - since < timedelta(minutes=16)
    since, until = days_ago(30), days_ago(29)  # inside the 60 days, however the calendar moves
    resumed = {"since": since, "until": until, "vendor": 0, "page": 3}
    list(adapter.fetch_orders(ctx(), resumed))
    assert sent_params(responses.calls[1]) == {"start_time": since, "end_time": until, "page_size": "2", "page": "3"}


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


@responses.activate
def test_a_pass_resumed_after_its_start_left_the_sixty_days_starts_within_them():
    """The platform answers 400 to a start older than 60 days: a resumed pass is clamped, and
    its store read again from page 1, as the oldest orders have left the list's first pages."""
    responses.get(LIST, json=page([]))
    resumed = {"since": days_ago(61), "until": days_ago(59), "vendor": 0, "page": 3}
    pages = list(adapter.fetch_orders(ctx(), resumed))
    sent = sent_params(responses.calls[0])
    since = datetime.fromisoformat(sent["start_time"]).replace(tzinfo=UTC)
    assert timedelta(days=59, hours=23) < datetime.now(UTC) - since < timedelta(days=60)
    assert sent["end_time"] == resumed["until"] and sent["page"] == "1"
    assert "last_until" in pages[-1].cursor  # the pass completes


@responses.activate
def test_a_pass_that_outlives_its_slack_moves_its_start_up_and_reads_the_store_again():
    """A first import of 60 days that takes longer than the slack: before the request that would
    send a start past the edge, the start moves up and the store is read again from page 1."""
    from connections.platforms.partner import adapter as partner

    responses.get(LIST, json=page([partner_order()], total_pages=3))
    context = ctx(import_from=date.today() - timedelta(days=90))
    pages = adapter.fetch_orders(context, None)
    next(pages)
    took = partner.WINDOW_SLACK + timedelta(minutes=1)  # the first page took that long, by the platform's clock
    context.clock.offset = took.total_seconds()
    list(pages)
    sent = [sent_params(call) for call in responses.calls]
    assert [p["page"] for p in sent] == ["1", "1", "2", "3"]
    first, then = (datetime.fromisoformat(p["start_time"]).replace(tzinfo=UTC) for p in sent[:2])
    assert then > first and all(p["start_time"] == sent[1]["start_time"] for p in sent[1:])
    assert all(p["end_time"] == sent[0]["end_time"] for p in sent)
    assert context.clock.now() - then < timedelta(days=60)


@responses.activate
def test_a_pass_resumed_after_its_whole_window_left_the_sixty_days_starts_a_new_one():
    responses.get(LIST, json=page([]))
    resumed = {"since": days_ago(70), "until": days_ago(65), "vendor": 0, "page": 3}
    list(adapter.fetch_orders(ctx(import_from=date.today() - timedelta(days=90)), resumed))
    sent = sent_params(responses.calls[0])
    since = datetime.fromisoformat(sent["start_time"]).replace(tzinfo=UTC)
    until = datetime.fromisoformat(sent["end_time"]).replace(tzinfo=UTC)
    assert datetime.now(UTC) - since < timedelta(days=60) and since < until
    assert datetime.now(UTC) - until < timedelta(minutes=1) and sent["page"] == "1"


@responses.activate
def test_the_path_without_orders_is_tried_when_the_documented_one_is_404():
    responses.get(LIST, status=404, json={"error": "not_found"})
    responses.get(LIST.removesuffix("/orders"), json=[partner_order()])
    (only,) = list(adapter.fetch_orders(ctx(), None))
    assert len(only.records) == 1


@responses.activate
def test_an_unknown_store_is_said_in_words():
    responses.get(LIST, status=404, json={"error": "not_found"})
    responses.get(LIST.removesuffix("/orders"), status=404, json={"error": "not_found"})
    with pytest.raises(PlatformError, match="does not know store v-1"):
        list(adapter.fetch_orders(ctx(), None))


@responses.activate
def test_a_list_of_ids_only_is_completed_with_one_get_each():
    whole = partner_order()
    responses.get(LIST, json={"orders": [{"order_id": whole["order_id"]}], "total_pages": 1})
    responses.get(f"{BASE}/v2/chains/{PARTNER_CHAIN_ID}/orders/{whole['order_id']}", json=whole)
    (only,) = list(adapter.fetch_orders(ctx(), None))
    assert only.records[0].order().number == "fp-1001"


@responses.activate
def test_unknown_statuses_and_orders_without_ids_are_reported_not_applied():
    odd = partner_order(status="PICKER_ASSIGNED")
    responses.get(LIST, json=page([odd, {"order_code": "x-1"}, partner_order()]))
    (only,) = list(adapter.fetch_orders(ctx(), None))
    assert len(only.records) == 1
    assert [i.reason for i in only.invalid] == [
        "status \u201cPICKER_ASSIGNED\u201d is not one the portal knows; not applied",
        "an order without an order_id",
    ]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"status": 500, "body": "upstream exploded", "content_type": "text/plain"}, TransientError),
        ({"status": 200, "body": "{not json", "content_type": "application/json"}, TransientError),
        ({"status": 200, "body": json.dumps({"orders": "nope"}), "content_type": "application/json"}, TransientError),
        ({"status": 429, "body": "{}", "headers": {"Retry-After": "30"}}, RateLimited),
    ],
)
@responses.activate
def test_platform_faults_become_the_four_kinds(reply, error):
    responses.get(LIST, **reply)
    with pytest.raises(error):
        list(adapter.fetch_orders(ctx(), None))


def test_an_order_is_read_with_items_money_and_notes():
    raw = partner_order(status="cancelled", cancellation={"reason": "TOO_BUSY", "cancelled_by": "VENDOR"})
    order = normalize_order(raw)
    assert (order.status, order.platform_status, order.currency) == (OrderStatus.CANCELLED, "CANCELLED", "SGD")
    assert (str(order.total), str(order.subtotal), str(order.shipping_total)) == ("11.4", "8.4", "3.0")
    milk, banana = order.items
    assert (milk.quantity, str(milk.unit_price), milk.barcode) == (2, "3.2", "8880001")
    assert ("Weight", "0.5 kg") in banana.options and banana.quantity == 1
    assert ("Cancellation", "Too busy (cancelled by the store)") in order.notes
    assert order.platform_updated_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_lower_case_picked_up_is_shipped():
    assert normalize_order(partner_order(status="picked_up")).status == OrderStatus.SHIPPED


@pytest.mark.parametrize("field", ["items", "payment", "sys"])
def test_unreadable_fields_make_an_unreadable_record(field):
    raw = partner_order()
    raw[field] = "garbage"
    with pytest.raises(UnreadableRecord):
        normalize_order(raw)


def test_a_webhook_body_is_checked_for_an_order():
    assert adapter.deliveries.record(partner_order()).external_id
    with pytest.raises(UnknownStatus):
        adapter.deliveries.record(partner_order(status="PICKER_ASSIGNED"))
    for body in ([], {"status": "RECEIVED"}, {"order_id": "x"}, {"order_id": 5, "status": "RECEIVED"}):
        with pytest.raises(UnreadableRecord):
            adapter.deliveries.record(body)


class CountingThrottle:
    def __init__(self):
        self.acquired, self.blocked = [], []

    def acquire(self, host):
        self.acquired.append(host)

    def back_off(self, host, seconds):
        self.blocked.append((host, seconds))


@responses.activate
def test_every_request_takes_a_slot_and_a_429_blocks_the_host():
    throttle = CountingThrottle()
    responses.get(LIST, status=429, json={}, headers={"Retry-After": "42"})
    with pytest.raises(RateLimited):
        adapter.check(ctx(throttle=throttle))
    assert throttle.acquired == ["partner.test"] and throttle.blocked == [("partner.test", 42.0)]


def test_pelican_stores_import_from_ready_for_pickup():
    chosen = frozenset(adapter.default_import_statuses)
    assert "RECEIVED" not in adapter.import_statuses_for(partner_credentials(picking_mode="pelican"), chosen)
    assert "RECEIVED" in adapter.import_statuses_for(partner_credentials(), chosen)


def test_the_portal_makes_a_webhook_secret_when_none_is_typed():
    made = adapter.completed_credentials(partner_credentials(webhook_secret=""))["webhook_secret"]
    assert len(made) >= 40
    assert adapter.completed_credentials(partner_credentials())["webhook_secret"] == "whsec-itest-0123456789abcdef"
