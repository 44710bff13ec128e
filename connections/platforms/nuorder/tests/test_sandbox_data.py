"""NuORDER generate_orders, touch_orders, the demo applications, the command and the pages."""

import json
import time
from io import StringIO

import pytest
from django.core.management import call_command

from connections.platforms.nuorder.sandbox.data import (
    DEMO_ACCOUNTS,
    create_app,
    ensure_demo_accounts,
    generate_orders,
    issue_token,
    touch_orders,
)
from connections.platforms.nuorder.sandbox.models import NUORDER_STATUSES, SandboxNuorderOrder
from sandbox.models import SandboxAccount

from .sandbox_helpers import RETAIL, WHOLESALE, Creds, call, make_app


@pytest.fixture
def account(db):
    return create_app(shortcode="brand", name="Brand").account


def test_generate_orders_columns_match_documents(account):
    assert generate_orders(account, 30, statuses=NUORDER_STATUSES, lines=3, sizes=2, seed=4) == 30
    numbers = []
    for order in SandboxNuorderOrder.objects.filter(account=account):
        doc = json.loads(order.document)
        assert (doc["_id"], doc["order_number"], doc["status"]) == (order.nuorder_id, order.order_number, order.status)
        assert doc["locked"] is (order.status == "cancelled")
        assert len(doc["line_items"]) == 3
        assert all(len(item["sizes"]) <= 2 for item in doc["line_items"])
        assert bool(doc["shipments"]) is (order.status == "shipped")
        numbers.append(int(order.order_number))
    assert sorted(numbers) == list(range(100_001, 100_031))
    # The sequence continues.
    generate_orders(account, 2)
    assert account.nuorder_orders.order_by("-sequence").first().order_number == "100032"


def test_generate_orders_refuses_unknown_statuses(account):
    with pytest.raises(ValueError):
        generate_orders(account, 1, statuses=("placed",))


def test_touch_orders(account):
    generate_orders(account, 5)
    assert touch_orders(account, count=2, new_status="cancelled") == 2
    cancelled = account.nuorder_orders.filter(status="cancelled")
    assert cancelled.count() == 2
    assert all(json.loads(o.document)["status"] == "cancelled" for o in cancelled)


def test_five_thousand_orders_and_their_bucket(client, db):
    brand = make_app(shortcode="big")
    account = SandboxAccount.objects.get(token=brand.consumer_key)
    started = time.monotonic()
    generate_orders(account, 5000, seed=9)
    made = time.monotonic() - started
    started = time.monotonic()
    response = call(client, "GET", "/api/orders/approved/detail", brand)
    served = time.monotonic() - started
    assert response.status_code == 200
    assert len(json.loads(response.content)) == 5000
    assert made < 30 and served < 30  # measured well under 5 s each; generous for slow CI


def test_demo_accounts_are_as_documented_and_work(client, db):
    ensure_demo_accounts()
    ensure_demo_accounts()  # again: nothing doubles
    assert SandboxAccount.objects.filter(platform="nuorder").count() == len(DEMO_ACCOUNTS)
    demos = {demo.shortcode: demo for demo in DEMO_ACCOUNTS}
    for demo in DEMO_ACCOUNTS:
        assert len(demo.consumer_key) == 24 and demo.consumer_key.isalnum()
        assert len(demo.consumer_secret) == 64
        assert not demo.token or (len(demo.token) == 24 and len(demo.token_secret) == 64)

    def creds(shortcode):
        demo = demos[shortcode]
        prefix = RETAIL if demo.application_type == "retail" else WHOLESALE
        return Creds(demo.consumer_key, demo.consumer_secret, demo.token, demo.token_secret, prefix)

    brand = creds("harborpine")
    approved = call(client, "GET", "/api/orders/approved/list", brand).json()
    assert len(approved) == 40
    for status in NUORDER_STATUSES:
        assert call(client, "GET", f"/api/orders/{status}/list", brand).json(), status

    buyer = creds("maplestreet")
    order_ids = call(client, "GET", "/api/orders/approved/list", buyer).json()
    assert len(order_ids) == 15
    assert call(client, "POST", f"/api/order/{order_ids[0]}/processed", buyer).status_code == 403
    assert call(client, "GET", "/api/orders/approved/list", buyer, prefix=WHOLESALE).status_code == 401

    assert not demos["northwind"].token
    started = call(client, "GET", "/api/initiate?application_name=PB_DEV", creds("northwind"), callback_uri="oob")
    assert started.status_code == 200

    assert call(client, "GET", "/api/orders/approved/list", creds("broken")).status_code == 500
    assert call(client, "GET", "/api/orders/approved/list", creds("ratelimited"))["Retry-After"] == "30"
    garbled = call(client, "GET", "/api/orders/approved/list", creds("garbled"))
    with pytest.raises(ValueError):
        json.loads(garbled.content)
    assert call(client, "GET", "/api/orders/approved/list", creds("emptybody")).content == b""


def test_seeding_again_resets_the_handshake_demo(client, db):
    ensure_demo_accounts()
    account = SandboxAccount.objects.get(
        token=next(d for d in DEMO_ACCOUNTS if d.shortcode == "northwind").consumer_key
    )
    issue_token(account.nuorder_app)
    ensure_demo_accounts()
    assert not account.nuorder_app.tokens.exists()


def test_seed_command_prints_the_credentials(db):
    out = StringIO()
    call_command("sandbox_nuorder_seed", stdout=out)
    text = out.getvalue()
    assert "/sandbox/nuorder/wholesale" in text and "/sandbox/nuorder/retail" in text
    for demo in DEMO_ACCOUNTS:
        assert demo.consumer_key in text and demo.consumer_secret in text
        assert not demo.token or (demo.token in text and demo.token_secret in text)


def test_control_pages_for_nuorder(client, db):
    response = client.post(
        "/sandbox/nuorder/apps/new/",
        {"application_type": "retail", "shortcode": "shopx", "name": "Shop X", "currency": "USD", "with_token": "on"},
    )
    account = SandboxAccount.objects.get(shortcode="shopx")
    app = account.nuorder_app
    assert (account.platform, app.application_type, len(account.token), len(app.consumer_secret)) == (
        "nuorder",
        "retail",
        24,
        64,
    )
    assert response["Location"] == f"/sandbox/nuorder/apps/{account.token}/"
    client.post(
        f"/sandbox/accounts/{account.pk}/generate/",
        {"count": "12", "lines": "2", "sizes": "3", "status": "mixed"},
    )
    assert account.nuorder_orders.count() == 12
    client.post(f"/sandbox/accounts/{account.pk}/touch/", {"count": "3", "new_status": "shipped"})
    assert account.nuorder_orders.filter(status="shipped").count() >= 3
    page = client.get(f"/sandbox/nuorder/apps/{account.token}/").content.decode()
    assert app.consumer_secret in page and app.tokens.get().token_secret in page
    assert "http://testserver/sandbox/nuorder/retail" in page
    client.post(f"/sandbox/nuorder/apps/{account.token}/tokens/")
    assert app.tokens.count() == 2
    index = client.get("/sandbox/").content.decode()
    assert "shopx" in index and "NuORDER Retail (buyer)" in index
    assert client.get("/sandbox/nuorder/apps/nobody/").status_code == 404
