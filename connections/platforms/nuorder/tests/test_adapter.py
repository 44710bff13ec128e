"""The NuORDER adapter against recorded-shape answers (responses): reading, buckets, actions, errors."""

import copy
import hashlib
import hmac
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import responses

import connections.platforms.nuorder.adapter as nuorder_module
from connections.platforms.base import AcceptRequest, OrderStatus, PlatformContext, ShipmentRequest
from connections.platforms.errors import AuthError, PlatformError, TransientError
from connections.platforms.nuorder.adapter import NuorderPlatform
from connections.platforms.nuorder.legacy_oauth import authorization_header
from connections.platforms.nuorder.orders import normalize_order

WHOLESALE = "https://brand.nuorder.test"
RETAIL = "https://buyer.nuorder.test"
ORDER = json.loads((Path(__file__).parent.parent / "fixtures" / "order.json").read_text())
OID = ORDER["_id"]
CREDS = {
    "application_type": "wholesale",
    "consumer_key": "ck0123456789abcdefghijkl",
    "consumer_secret": "cs" + "s" * 62,
    "token": "tk0123456789abcdefghijkl",
    "token_secret": "ts" + "t" * 62,
}
nuorder = NuorderPlatform()


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.NUORDER_WHOLESALE_BASE_URL = WHOLESALE
    settings.NUORDER_RETAIL_BASE_URL = RETAIL
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def ctx(statuses=("approved",), **credentials):
    creds = {**CREDS, **credentials}
    return PlatformContext(base_url=nuorder.default_base_url(creds), credentials=creds, import_statuses=statuses)


def order(n, **changes):
    doc = copy.deepcopy(ORDER)
    doc.update({"_id": f"{n:024x}", "order_number": str(100000 + n), **changes})
    return doc


# -- reading ----------------------------------------------------------------------------------


def test_an_order_is_one_item_per_style_colour_and_size():
    o = normalize_order(ORDER)
    assert (o.external_id, o.number, o.status, o.platform_status) == (OID, "100001", OrderStatus.PENDING, "approved")
    assert [(i.sku, i.barcode, i.quantity, i.unit_price, i.total) for i in o.items] == [
        ("ST-1-RED-M", "000000000017", 2, Decimal("30"), Decimal("60.00")),
        ("ST-1-RED-L", "000000000024", 2, Decimal("30"), Decimal("60.00")),
        ("ST-2-NVY-S", "000000000031", 3, Decimal("40"), Decimal("120.00")),
    ]
    assert dict(o.items[0].options) == {
        "Style": "ST-1",
        "Colour": "Red",
        "Size": "M",
        "Season": "SS27",
        "Warehouse": "default",
    }
    assert (o.subtotal, o.total, o.discount_total, o.currency) == (
        Decimal("240.00"),
        Decimal("228.00"),
        Decimal("12.00"),
        "USD",
    )
    assert (o.customer_name, o.customer_email) == ("Shop A", "jo@example.com")
    assert o.shipping_address["line1"] == "9 Dock Rd" and o.shipping_address["region"] == "TX"
    notes = dict(o.notes)
    assert notes["PO number"] == "PO-77" and notes["Ship window"] == "1 Dec 2026 \u2013 15 Jan 2027"
    assert notes["Buyer"] == "Jo Buyer <jo@example.com>"
    assert o.placed_at.isoformat() == "2026-11-10T15:00:00+00:00"


@pytest.mark.parametrize(
    ("status", "ours"),
    [
        ("draft", OrderStatus.DRAFT),
        ("review", OrderStatus.DRAFT),
        ("processed", OrderStatus.ACCEPTED),
        ("shipped", OrderStatus.SHIPPED),
        ("cancelled", OrderStatus.CANCELLED),
        ("odd", OrderStatus.UNKNOWN),
    ],
)
def test_statuses_map_to_ours(status, ours):
    assert normalize_order(order(1, status=status)).status == ours


def test_price_strings_and_missing_parts_are_tolerated():
    doc = order(2, total="$1,234.50", retailer=None, shipping_address=None)
    doc["line_items"][0]["sizes"][0]["price"] = "12.5"
    o = normalize_order(doc)
    assert o.total == Decimal("1234.50") and o.customer_name == "" and o.items[0].unit_price == Decimal("12.5")


# -- hosts and signing -------------------------------------------------------------------------


def test_the_application_type_picks_the_host():
    assert nuorder.default_base_url({"application_type": "retail"}) == RETAIL
    assert nuorder.default_base_url({"application_type": "wholesale"}) == WHOLESALE


@responses.activate
def test_calls_are_signed_rfc_5849_in_the_authorization_header():
    responses.get(f"{WHOLESALE}/api/orders/approved/list", json=[OID])
    facts = nuorder.check(ctx())
    header = responses.calls[0].request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    assert header.startswith("OAuth ")
    assert f'oauth_consumer_key="{CREDS["consumer_key"]}"' in header
    assert f'oauth_token="{CREDS["token"]}"' in header
    assert 'oauth_signature_method="HMAC-SHA1"' in header
    assert "1 approved order" in facts.summary
    assert CREDS["consumer_secret"] not in header and CREDS["token_secret"] not in header


def test_without_a_token_nothing_is_called():
    with pytest.raises(PlatformError, match="needs a Token and Token Secret"):
        nuorder.check(ctx(token="", token_secret=""))


def test_the_legacy_handshake_signature_follows_nuorders_sample():
    header = authorization_header(
        "GET",
        "http://host:8000/sandbox/api/initiate?x=1",
        consumer_key="ck",
        consumer_secret="cs",
        callback="oob",
        application_name="PB_DEV",
        timestamp=1700000000,
        nonce="abc",
    )
    fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
    base = (
        "GEThttp://host:8000/sandbox/api/initiate?oauth_consumer_key=ck&oauth_token=&oauth_timestamp=1700000000"
        "&oauth_nonce=abc&oauth_version=1.0&oauth_signature_method=HMAC-SHA1&oauth_callback=oob"
    )
    assert fields["oauth_signature"] == hmac.new(b"cs&", base.encode(), hashlib.sha1).hexdigest()
    assert fields["application_name"] == "PB_DEV"


# -- fetching ------------------------------------------------------------------------------------


@responses.activate
def test_each_chosen_bucket_is_read_whole_in_chunks(monkeypatch):
    monkeypatch.setattr(nuorder_module, "CHUNK", 2)
    responses.get(f"{WHOLESALE}/api/orders/approved/detail", json=[order(1), order(2), order(3)])
    responses.get(f"{WHOLESALE}/api/orders/processed/detail", json=[order(4, status="processed")])
    pages = list(nuorder.fetch_orders(ctx(("approved", "processed")), None))
    assert [[r.order().number for r in p.records] for p in pages] == [["100001", "100002"], ["100003"], ["100004"]]
    assert [p.cursor for p in pages] == [{"done": []}, {"done": ["approved"]}, {}]


@responses.activate
def test_a_resumed_fetch_skips_the_buckets_already_committed():
    responses.get(f"{WHOLESALE}/api/orders/processed/detail", json=[])
    pages = list(nuorder.fetch_orders(ctx(("approved", "processed")), {"done": ["approved"]}))
    assert len(responses.calls) == 1 and pages[-1].cursor == {}


@responses.activate
def test_an_empty_body_is_not_an_empty_bucket():
    responses.get(f"{WHOLESALE}/api/orders/approved/detail", body="")
    with pytest.raises(TransientError, match=r"approved orders \(GET /api/orders/approved/detail\) with an empty body"):
        list(nuorder.fetch_orders(ctx(), None))


@responses.activate
def test_a_bucket_that_is_not_a_list_is_a_transient_error():
    responses.get(f"{WHOLESALE}/api/orders/approved/detail", json={"code": 1})
    with pytest.raises(TransientError, match="an object where a list of orders was expected"):
        list(nuorder.fetch_orders(ctx(), None))


@responses.activate
def test_a_bucket_of_ids_is_not_a_bucket_of_orders():
    responses.get(f"{WHOLESALE}/api/orders/approved/detail", json=["65aa00000000000000000001"])
    with pytest.raises(TransientError, match="a list of ids where orders were expected"):
        list(nuorder.fetch_orders(ctx(), None))


@responses.activate
def test_a_plain_text_500_is_said_in_its_words():
    responses.get(
        f"{WHOLESALE}/api/orders/approved/detail",
        status=500,
        body="Oops, there was a problem!",
        content_type="text/plain",
    )
    with pytest.raises(TransientError, match="server error \\(HTTP 500\\): Oops, there was a problem!"):
        list(nuorder.fetch_orders(ctx(), None))


@responses.activate
def test_a_bad_signature_says_which_secrets_to_check():
    responses.get(
        f"{WHOLESALE}/api/orders/approved/list", status=401, json={"code": 401, "message": "Invalid OAuth signature"}
    )
    with pytest.raises(AuthError) as caught:
        nuorder.check(ctx())
    assert nuorder.explain(caught.value) == (
        "NuORDER rejected the OAuth signature: check the Consumer Secret and Token Secret."
    )


# -- actions ---------------------------------------------------------------------------------------


@responses.activate
def test_mark_processed_and_304_means_already_so():
    responses.post(f"{WHOLESALE}/api/order/{OID}/processed", json=order(1, status="processed"))
    assert not nuorder.acceptance.accept(ctx(), OID, AcceptRequest(None, None)).already_done
    responses.post(f"{WHOLESALE}/api/order/{OID}/processed", status=304, body="")
    assert nuorder.acceptance.accept(ctx(), OID, AcceptRequest(None, None)).already_done


@responses.activate
def test_a_retail_token_may_not_change_status():
    responses.post(
        f"{RETAIL}/api/order/{OID}/processed",
        status=403,
        json={"code": 403, "message": "Retail applications cannot change order status"},
    )
    with pytest.raises(PlatformError) as caught:
        nuorder.acceptance.accept(ctx(application_type="retail"), OID, AcceptRequest(None, None))
    assert not isinstance(caught.value, AuthError)  # the credentials are fine; the action is not allowed
    assert "Retail (buyer) application may only read" in nuorder.explain(caught.value)


@responses.activate
def test_a_shipment_is_added_to_the_order_then_the_status_set():
    existing = {"type": "shipment", "tracking_numbers": ["OLD1"], "status": "shipped"}
    responses.get(f"{WHOLESALE}/api/order/{OID}", json=order(1, _id=OID, status="processed", shipments=[existing]))
    responses.post(f"{WHOLESALE}/api/order/{OID}", json=order(1))
    responses.post(f"{WHOLESALE}/api/order/{OID}/shipped", json=order(1, status="shipped"))
    result = nuorder.shipments.push(ctx(), OID, ShipmentRequest(tracking_number="1Z999", carrier="UPS"))
    sent = json.loads(responses.calls[1].request.body)
    assert [s["tracking_numbers"] for s in sent["shipments"]] == [["OLD1"], ["1Z999"]]
    assert sent["shipments"][1]["carrier"] == "UPS"
    assert responses.calls[2].request.url.endswith("/shipped")
    assert result.message == "NuORDER marked the order shipped with tracking 1Z999."


@responses.activate
def test_a_shipment_already_there_is_not_written_twice():
    shipped = {"tracking_numbers": ["1Z999"]}
    responses.get(f"{WHOLESALE}/api/order/{OID}", json=order(1, _id=OID, status="shipped", shipments=[shipped]))
    assert nuorder.shipments.push(ctx(), OID, ShipmentRequest(tracking_number="1Z999"), retry=True).already_done
    assert len(responses.calls) == 1


def test_an_id_that_is_not_nuorders_never_reaches_a_url():
    with pytest.raises(PlatformError, match="not a NuORDER order id"):
        nuorder.acceptance.accept(ctx(), "../../admin", AcceptRequest(None, None))
