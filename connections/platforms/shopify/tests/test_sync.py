"""Shopify over real HTTP to its sandbox: connecting through Add Account, the first import and the
next, the client-credentials token, and the cost budget waited for rather than refused."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from connections.models import Connection, Credential
from connections.platforms.shopify import client as client_module
from connections.platforms.shopify.sandbox.data import create_shop, generate_orders, touch_orders
from connections.platforms.shopify.sandbox.models import SandboxShopifyToken
from connections.sync import execute, request_sync
from orders.models import Order
from tests.support.account_form import add_account as fill_in

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "sync-crafts.myshopify.com"
GID = "gid://shopify/Order/"


@pytest.fixture(autouse=True)
def sandbox_host(live_server, settings):
    cache.clear()
    settings.SHOPIFY_BASE_URL = f"{live_server.url}/sandbox/shopify/{{shop}}"
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


@pytest.fixture
def shop():
    shop = create_shop("Sync Crafts", domain=DOMAIN)
    generate_orders(shop, 34, days=10, mix=("unfulfilled",) * 3 + ("partial", "fulfilled"), seed=3)
    return shop


def add_account(client, **fields):
    return fill_in(client, "shopify", **{"name": "Sync Crafts", **fields})


def platform_orders(shop) -> set[str]:
    return {f"{GID}{legacy_id}" for legacy_id in shop.orders.values_list("legacy_id", flat=True)}


def sync(connection, **kwargs):
    run, _ = request_sync(connection, trigger="manual", enqueue=False, **kwargs)
    return execute(run.pk)


def test_add_account_takes_the_admin_address_and_lands_connected_with_the_shops_facts(member_client, shop):
    response = add_account(
        member_client, shop=f"https://admin.shopify.com/store/{DOMAIN.split('.')[0]}/", access_token=shop.account.token
    )
    connection = Connection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("connections:detail", args=[connection.pk])
    assert connection.status == Connection.Status.CONNECTED
    credentials = connection.stored_credentials()
    assert credentials["shop"] == DOMAIN
    summary = connection.account_facts["summary"]
    assert "Sync Crafts" in summary and "GBP" in summary and "Europe/London" in summary and "Admin API" in summary
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert DOMAIN in page and shop.account.token not in page
    assert reverse("webhook", args=["shopify", connection.webhook_id]) in page


def test_a_wrong_token_or_store_is_said_in_words_and_nothing_is_saved(member_client, shop):
    wrong = add_account(member_client, shop=DOMAIN, access_token="shpat_" + "0" * 32)
    assert wrong.status_code == 400
    words = wrong.content.decode()
    assert "Shopify did not accept the Admin API access token" in words and "Nothing was saved" in words
    unknown = add_account(member_client, shop="no-such-store.myshopify.com", access_token=shop.account.token)
    assert unknown.status_code == 400 and "does not know this store" in unknown.content.decode()
    not_a_store = add_account(member_client, shop="www.sync-crafts.co.uk", access_token=shop.account.token)
    assert not_a_store.status_code == 400 and "myshopify.com domain" in not_a_store.content.decode()
    assert not Connection.objects.exists() and not Credential.objects.exists()


def test_the_first_import_brings_every_order_and_the_next_only_what_changed(member_client, shop, settings):
    settings.SHOPIFY_PAGE_SIZE = 5
    add_account(member_client, shop=DOMAIN, access_token=shop.account.token)
    connection = Connection.objects.get()
    Connection.objects.filter(pk=connection.pk).update(import_statuses=[])  # every state
    connection.refresh_from_db()
    first = sync(connection)
    assert first.status == "succeeded" and first.pages == 7
    assert set(Order.objects.filter(connection=connection).values_list("external_id", flat=True)) == platform_orders(
        shop
    )
    connection.refresh_from_db()
    newest = max(shop.orders.values_list("updated_at", flat=True))
    assert connection.cursor == {"since": newest.isoformat()}  # the platform's clock, not ours

    touch_orders(shop, 3, notify=False)
    second = sync(connection)
    assert second.status == "succeeded" and second.updated == 3 and second.created == 0
    partial = Order.objects.filter(connection=connection, platform_status="partially_fulfilled").first()
    assert partial is not None and partial.status == "accepted"


def test_client_credentials_get_a_day_token_which_is_renewed_when_refused(member_client, shop):
    add_account(member_client, shop=DOMAIN, client_id=shop.client_id, client_secret=shop.client_secret)
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED
    stored = connection.stored_credentials()
    assert stored["webhook_secret"] == shop.client_secret  # the app signs its webhooks with it
    assert SandboxShopifyToken.objects.filter(shop=shop).count() == 1
    SandboxShopifyToken.objects.filter(shop=shop).delete()  # revoked on Shopify's side
    assert sync(connection).status == "succeeded"
    assert SandboxShopifyToken.objects.filter(shop=shop).count() == 1  # one more, once


def test_a_store_with_a_small_bucket_is_read_by_waiting_for_it_never_refused(member_client, settings, monkeypatch):
    """A page asks 763 points; this store's bucket holds 800 and restores 1,000 a second: each page
    waits for the bucket before it is sent. No query is answered THROTTLED."""
    settings.SHOPIFY_PAGE_SIZE = 10
    shop = create_shop("Small Bucket", domain="small-bucket.myshopify.com", bucket_size=800, restore_rate=1000.0)
    generate_orders(shop, 30, days=5, mix=("unfulfilled",), line_items=(10, 10), seed=5)
    slept, throttled = [], []
    real_sleep, real_code = client_module.time.sleep, client_module._code
    monkeypatch.setattr(client_module.time, "sleep", lambda s: slept.append(s) or real_sleep(s))
    monkeypatch.setattr(client_module, "_code", lambda body: throttled.append(real_code(body)) or real_code(body))
    add_account(member_client, shop=shop.domain, access_token=shop.account.token)
    connection = Connection.objects.get()
    run = sync(connection)
    assert run.status == "succeeded" and run.created == 30
    assert slept and "THROTTLED" not in throttled


def test_a_store_whose_bucket_is_smaller_than_a_page_is_read_in_smaller_pages(member_client, settings):
    shop = create_shop("Tiny Bucket", domain="tiny-bucket.myshopify.com", bucket_size=200, restore_rate=2000.0)
    generate_orders(shop, 7, days=5, mix=("unfulfilled",), seed=6)
    add_account(member_client, shop=shop.domain, access_token=shop.account.token)
    run = sync(Connection.objects.get())
    assert run.status == "succeeded" and run.created == 7 and run.pages == 4  # 2 a page


def test_a_broken_or_busy_store_fails_the_run_in_words(member_client, shop):
    add_account(member_client, shop=DOMAIN, access_token=shop.account.token)
    connection = Connection.objects.get()
    shop.account.fault_rate_limit = -1
    shop.account.retry_after_seconds = 45
    shop.account.save()
    run = sync(connection)
    assert run.status == "failed" and run.error_kind == "rate_limited"
    assert "HTTP 429" in run.error and "resumes by itself" in run.error
