"""The webhook refuses at once what the drain could never apply, and nothing else.

An event nested deeper than WEBHOOK_MAX_DEPTH, with a text longer than WEBHOOK_MAX_STRING_CHARS, a
list or an object larger than WEBHOOK_MAX_ITEMS, or an order id longer than ingest can store is
answered 400 with the reason in words, and nothing is stored. A real order at every edge is
still accepted and applied. Through the Django test client and the real view; the drain runs
inside the request (Q_SYNC), so a 202 here is also an event applied, or shown as not applied.
"""

import base64
import copy
import hashlib
import hmac
import itertools
import json
from pathlib import Path

import orjson
import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from connections import webhook_limits, webhooks
from connections.models import WebhookEvent
from connections.platforms import registry
from connections.platforms.base import OrderRecord, UnknownStatus, UnreadableRecord
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from connections.platforms.partner.tests.orders import partner_order
from connections.platforms.partner.webhooks import PartnerDeliveries
from connections.platforms.shopify.tests.fixtures import SHOPIFY_SECRET
from orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SHOPIFY_FIXTURE = ROOT / "connections/platforms/shopify/fixtures/order_webhook.json"


def post_partner(client, connection, payload) -> object:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return client.post(
        reverse("webhook", args=["partner", connection.webhook_id]),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=PARTNER_WEBHOOK_SECRET,
    )


def post_shopify(client, connection, payload: dict, delivery: str = "d-1") -> object:
    body = orjson.dumps(payload)
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(
        reverse("webhook", args=["shopify", connection.webhook_id]),
        body,
        content_type="application/json",
        HTTP_X_SHOPIFY_HMAC_SHA256=signature,
        HTTP_X_SHOPIFY_TOPIC="orders/updated",
        HTTP_X_SHOPIFY_WEBHOOK_ID=delivery,
    )


def nested(levels: int, leaf=None):
    """`levels` lists, one inside the other (1 is `[leaf]`), built without recursion."""
    value = [] if leaf is None else [leaf]
    for _ in range(levels - 1):
        value = [value]
    return value


def with_lists(order: dict, levels: int) -> bytes:
    """The order's JSON with an `extra` key holding `levels` lists one inside the other, written as
    bytes: orjson writes no more than 254 levels."""
    return orjson.dumps(order)[:-1] + b',"extra":' + b"[" * levels + b"]" * levels + b"}"


def refused(response, words: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": words}
    assert not WebhookEvent.objects.exists()
    assert not Order.objects.exists()


# -- the two events -----------------------------------------------------------------------------


def test_an_event_nested_a_thousand_levels_deep_is_refused_in_words(client, partner_connection):
    """It used to be accepted (202) and then fail in the drain: ingest's fingerprint cannot write it."""
    body = with_lists(partner_order(), 999)  # the order's object and 999 lists: 1,000 levels
    refused(
        post_partner(client, partner_connection, body),
        "The event is nested 1,000 levels deep; the most the portal accepts is 32.",
    )


@pytest.mark.parametrize("levels", [1_025, 100_000])
def test_a_body_deeper_than_the_parser_reads_is_refused_in_the_same_words(client, partner_connection, levels):
    """orjson stops reading at 1,024 levels: no RecursionError, no "not valid JSON", the reason."""
    body = with_lists(partner_order(), levels)
    refused(
        post_partner(client, partner_connection, body),
        "The event is nested more than 1,024 levels deep; the most the portal accepts is 32.",
    )


def test_the_deepest_body_the_parser_reads_is_measured(client, partner_connection):
    refused(
        post_partner(client, partner_connection, with_lists(partner_order(), 1_023)),
        "The event is nested 1,024 levels deep; the most the portal accepts is 32.",
    )


def test_an_order_id_of_ten_thousand_characters_is_refused_in_words(client, partner_connection):
    """Order.external_id holds 100 characters; PostgreSQL refused the longer id in the drain."""
    refused(
        post_partner(client, partner_connection, partner_order("x" * 10_000)),
        "The event's order id is 10,000 characters long; the most the portal can store is 100.",
    )


def test_the_order_id_limit_is_what_ingest_can_store():
    assert webhook_limits.ORDER_ID_CHARS == Order._meta.get_field("external_id").max_length == 100
    assert WebhookEvent._meta.get_field("order_external_id").max_length >= webhook_limits.ORDER_ID_CHARS


# -- each limit, in words that say where ------------------------------------------------------------------


def _long_comment(order):
    order["comment"] = "x" * 20_001


def _long_item_name(order):
    order["items"][1]["name"] = "y" * 25_000


def _long_key(order):
    order["customer"]["k" * 20_001] = "v"


def _many_items(order):
    order["items"] = [copy.deepcopy(order["items"][0]) for _ in range(1_001)]


def _many_barcodes(order):
    order["items"][0]["barcode"] = [str(n) for n in range(5_000)]


def _many_keys(order):
    order["client"].update({f"k{n}": n for n in range(1_001)})


def _deep(order):
    order["customer"]["delivery_address"]["extra"] = nested(31)  # object, customer, address, 31 lists


LIMITS = {
    "a text": (
        _long_comment,
        "The event's text at comment is 20,001 characters long; the most the portal accepts is 20,000.",
    ),
    "a text inside a list": (
        _long_item_name,
        "The event's text at items[1].name is 25,000 characters long; the most the portal accepts is 20,000.",
    ),
    "a key": (
        _long_key,
        "A key of the event's object at customer is 20,001 characters long; the most the portal accepts is 20,000.",
    ),
    "a list": (_many_items, "The event's list at items has 1,001 entries; the most the portal accepts is 1,000."),
    "a list inside a list": (
        _many_barcodes,
        "The event's list at items[0].barcode has 5,000 entries; the most the portal accepts is 1,000.",
    ),
    "an object": (_many_keys, "The event's object at client has 1,006 keys; the most the portal accepts is 1,000."),
    "the depth": (_deep, "The event is nested 34 levels deep; the most the portal accepts is 32."),
}


@pytest.mark.parametrize("case", list(LIMITS))
def test_each_limit_is_a_400_that_says_where_and_stores_nothing(client, partner_connection, case):
    change, words = LIMITS[case]
    order = partner_order()
    change(order)
    refused(post_partner(client, partner_connection, order), words)


def test_a_body_that_is_one_long_text_is_refused_for_its_length(client, partner_connection):
    refused(
        post_partner(client, partner_connection, json.dumps("z" * 30_000).encode()),
        "The event is a text of 30,000 characters; the most the portal accepts is 20,000.",
    )


def test_the_limits_are_the_settings(client, partner_connection, settings):
    settings.WEBHOOK_MAX_ITEMS, settings.WEBHOOK_MAX_STRING_CHARS, settings.WEBHOOK_MAX_DEPTH = 15, 40, 4
    assert post_partner(client, partner_connection, partner_order()).status_code == 202  # 15 keys, 4 levels
    for order, words in (
        ({**partner_order(), "extra": 1}, "The event's object at its top level has 16 keys;"),
        ({**partner_order(), "comment": "c" * 41}, "The event's text at comment is 41 characters long;"),
        ({**partner_order(), "customer": {"a": {"b": {"c": {}}}}}, "The event is nested 5 levels deep;"),
    ):
        response = post_partner(client, partner_connection, order)
        assert response.status_code == 400 and response.json()["detail"].startswith(words), response.content
    assert WebhookEvent.objects.count() == 1


def test_no_setting_lets_in_an_event_too_deep_for_ingest(client, partner_connection, settings):
    """Ingest writes at most 254 levels: with the setting above it, 254 is applied, 255 refused."""
    settings.WEBHOOK_MAX_DEPTH = 1_000
    response = post_partner(client, partner_connection, with_lists(partner_order(), 253))
    assert response.status_code == 202, response.content
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Order.objects.count() == 1
    response = post_partner(client, partner_connection, with_lists(partner_order(), 254))
    assert response.status_code == 400
    assert response.json()["detail"] == "The event is nested 255 levels deep; the most the portal accepts is 254."
    assert WebhookEvent.objects.count() == 1


# -- what is applied is never refused --------------------------------------------------------------------------


def shopify_order() -> dict:
    return json.loads(SHOPIFY_FIXTURE.read_text())


def test_a_real_order_at_every_edge_is_accepted_and_applied(client, shopify_connection):
    """Shopify's own webhook shape with a 20,000-character note, 1,000 line items, 32 levels,
    a key of 20,000 characters and a list of 1,000 tags: 202, and the drain applies it whole."""
    order = shopify_order()
    order["note"] = "n" * 20_000
    item = order["line_items"][0]
    order["line_items"] = [
        {**item, "id": n, "admin_graphql_api_id": f"gid://shopify/LineItem/{n}"} for n in range(1_000)
    ]
    order["client_details"] = {"k" * 20_000: nested(30)}  # the order's object, this one, 30 lists: 32 levels
    order["tag_list"] = [f"t{n}" for n in range(1_000)]
    assert webhook_limits.beyond(order) == ""
    response = post_shopify(client, shopify_connection, order)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    stored = Order.objects.get(connection=shopify_connection)
    assert stored.external_id == order["admin_graphql_api_id"]
    assert OrderItem.objects.filter(order=stored).count() == 1_000
    assert stored.raw["note"] == order["note"]


def test_an_order_id_as_long_as_ingest_stores_is_accepted_and_applied(client, partner_connection):
    order_id = "i" * 100
    response = post_partner(client, partner_connection, partner_order(order_id))
    assert response.status_code == 202, response.content
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Order.objects.get().external_id == order_id


def test_one_more_of_anything_is_refused(client, shopify_connection):
    """The edges of the test above are exact: one step past each is the 400."""
    for change in (
        lambda o: o.update(note="n" * 20_001),
        lambda o: o.update(line_items=o["line_items"] * 501),
        lambda o: o.update(tag_list=[f"t{n}" for n in range(1_001)]),
        lambda o: o.update(client_details={"k": nested(31)}),
        lambda o: o.update(client_details={"k" * 20_001: 1}),
    ):
        order = shopify_order()
        change(order)
        assert post_shopify(client, shopify_connection, order).status_code == 400
    assert not WebhookEvent.objects.exists()


# -- what the drain will apply: the platform's record, made as it arrives -------------------------------------


class RecordOf(PartnerDeliveries):
    """The Partner API's deliveries, with a record that may differ from what `read` says."""

    def __init__(self, record):
        self._record = record

    def record(self, payload):
        return self._record(payload)


@pytest.fixture
def record_is(monkeypatch, partner_connection):
    def use(record):
        monkeypatch.setattr(registry.get("partner"), "deliveries", RecordOf(record))
        return partner_connection

    return use


def _no_record(payload):
    raise UnreadableRecord("the body names no order the drain can read")


def test_an_event_whose_record_the_drain_could_not_make_is_refused(client, record_is):
    connection = record_is(_no_record)
    response = post_partner(client, connection, partner_order())
    refused(response, "Not an order: the body names no order the drain can read.")


def test_the_id_the_drain_would_write_is_held_to_the_limit_too(client, record_is):
    connection = record_is(lambda payload: OrderRecord("r" * 101, payload, normalize_order))
    refused(
        post_partner(client, connection, partner_order()),
        "The event's order id is 101 characters long; the most the portal can store is 100.",
    )


def test_an_event_the_drain_keeps_unapplied_is_not_refused(client, record_is):
    """A status the portal does not know is stored and shown, never refused: it may be applied later."""

    def unknown(payload):
        raise UnknownStatus("Not applied: a status the portal does not know.")

    connection = record_is(unknown)
    response = post_partner(client, connection, partner_order())
    assert response.status_code == 202
    assert WebhookEvent.objects.get().state == WebhookEvent.State.NOT_APPLIED


def test_an_event_in_a_status_the_portal_does_not_know_is_kept_within_the_limits(client, partner_connection):
    response = post_partner(client, partner_connection, partner_order(status="SOMETHING_NEW"))
    assert response.status_code == 202
    assert WebhookEvent.objects.get().state == WebhookEvent.State.NOT_APPLIED


def test_an_event_in_a_status_the_portal_does_not_know_is_still_held_to_the_id_limit(client, partner_connection):
    """Kept to be reprocessed once the portal knows its status: an id ingest cannot store never could be."""
    refused(
        post_partner(client, partner_connection, partner_order("u" * 101, status="SOMETHING_NEW")),
        "The event's order id is 101 characters long; the most the portal can store is 100.",
    )


# -- any payload: never a 500, refused exactly when a limit is passed ----------------------------------------

# Small limits, so that generated payloads fall on both sides of each: a real order is 4 levels
# deep, has 15 keys at its top and texts of up to 36 characters. Texts up to 105 characters let
# an order id over 100 be refused as an id.
SMALL = {"WEBHOOK_MAX_DEPTH": 7, "WEBHOOK_MAX_STRING_CHARS": 105, "WEBHOOK_MAX_ITEMS": 18}
texts = st.text(max_size=8) | st.text(min_size=100, max_size=110)
leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=24) | st.dictionaries(st.text(max_size=8), children, max_size=24),
    max_leaves=60,
)
# Long lists and large objects, about the limit's size.
wide_values = st.lists(leaves, min_size=14, max_size=24) | st.dictionaries(
    st.text(max_size=4), leaves, min_size=14, max_size=24
)
deep_values = st.tuples(json_values | wide_values, st.sampled_from([0, 0, 0, 1, 2, 3, 6])).map(
    lambda pair: nested(pair[1], pair[0]) if pair[1] else pair[0]
)
orders = st.builds(
    lambda extra, where, order_id: {**partner_order(order_id), where: extra},
    deep_values,
    st.sampled_from(["extra", "comment", "items", "client", "payment", "sys"]),
    st.uuids().map(str) | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=92, max_size=108),
)
sent = itertools.count()


def oracle(payload, most_deep: int, most_chars: int, most_items: int) -> bool:
    """Whether `payload` passes a limit: written again the plain recursive way, as a check on the pass."""

    def depth(value) -> int:
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        return 0 if children is None else 1 + max((depth(child) for child in children), default=0)

    def over(value) -> bool:
        if isinstance(value, str):
            return len(value) > most_chars
        if isinstance(value, dict):
            return len(value) > most_items or any(over(k) or over(v) for k, v in value.items())
        if isinstance(value, list):
            return len(value) > most_items or any(over(v) for v in value)
        return False

    return depth(payload) > most_deep or over(payload)


@hypothesis_settings(max_examples=400, deadline=None)
@given(payload=st.one_of(json_values, deep_values, orders))
def test_the_one_pass_agrees_with_the_plain_recursive_reading(payload):
    payload = orjson.loads(json.dumps(payload))  # the types orjson makes, as the view has them
    with override_settings(**SMALL):
        words = webhook_limits.beyond(payload)
    kinds = ("nested", "a text", "text at", "key of", "list at", "object at")
    event(next((kind for kind in kinds if kind in words), "within the limits"))  # --hypothesis-show-statistics
    assert bool(words) == oracle(payload, *SMALL.values())


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=orders)
def test_any_order_is_stored_and_applied_or_refused_in_words_never_a_500(client, partner_connection, order):
    before = WebhookEvent.objects.count()
    order["order_id"] = f"{next(sent)}-{order['order_id']}"  # every example a new event, never a duplicate
    body = json.dumps(order).encode()  # integers beyond 64 bits too (orjson reads them as floats)
    payload = webhooks.parse(body)  # as the view reads it: without NUL characters, as ingest keeps orders
    with override_settings(**SMALL):
        response = post_partner(client, partner_connection, body)
    note(f"{response.status_code} {response.content[:300]!r}")
    event(f"{response.status_code} {response.json().get('detail', '')[:30]}")
    assert response.status_code in (200, 202, 400)
    beyond = oracle(payload, *SMALL.values()) or len(payload["order_id"]) > 100
    if beyond:
        assert response.status_code == 400
        assert response.json()["detail"].startswith(("The event", "A key of the event"))
        assert WebhookEvent.objects.count() == before
    elif response.status_code == 400:  # what the platform's part cannot read as an order
        assert response.json()["detail"].startswith("Not an order")
    else:
        assert WebhookEvent.objects.count() == before + (response.status_code == 202)
    assert not WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).exists()
