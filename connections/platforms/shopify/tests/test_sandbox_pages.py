"""The sandbox Shopify's pages: the shop page shows what the admin would, and its forms and buttons
change what they say; a new shop from the index; CSRF on the pages, none on the API."""

import json
import re

import pytest
from django.test import Client

from connections.platforms.shopify.sandbox.models import SandboxShopifyDelivery, SandboxShopifyShop
from sandbox.models import SandboxAccount

from .sandbox_helpers import CLIENT_ID, CLIENT_SECRET, DOMAIN, TOKEN, Receiver, make_order, make_shop

pytestmark = pytest.mark.django_db
PAGE = f"/sandbox/shopify/{DOMAIN}/"
WEBHOOK_FORM = {
    "webhook_url": "http://127.0.0.1:8000/webhooks/shopify/7c9e6679-7425-40de-944b-e07fc1f90ae7/",
    "webhook_topics": ["orders/create", "orders/cancelled"],
    "api_version": "2026-07",
    "webhook_timeout_seconds": "3",
    "webhook_backoff_seconds": "0",
    "webhook_backoff_cap_seconds": "60",
    "webhook_max_attempts": "8",
}


@pytest.fixture
def shop(db):
    return make_shop(webhook_url="http://127.0.0.1:9/hook")


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def post(client, part, data=None):
    return client.post(f"{PAGE}{part}/", data or {}, follow=True)


def reload(shop) -> SandboxShopifyShop:
    return SandboxShopifyShop.objects.select_related("account").get(pk=shop.pk)


def test_the_shop_page_shows_the_credentials_orders_and_deliveries(client, shop):
    order = make_order(shop, notify=True)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (DOMAIN, TOKEN, CLIENT_ID, CLIENT_SECRET, order.name, str(order.legacy_id), "orders/create"):
        assert shown in page
    assert f"http://testserver/sandbox/shopify/{DOMAIN}/admin/api/2026-10/graphql.json" in page
    assert f"http://testserver/sandbox/shopify/{DOMAIN}/admin/oauth/access_token" in page
    assert "Cancel" in page and "Touch" in page and "Test order" in page
    assert "queued" in page


def test_an_unknown_shop_page_is_404(client, db):
    assert client.get("/sandbox/shopify/nobody.myshopify.com/").status_code == 404


def test_create_a_shop_from_the_index(client, db):
    index = client.get("/sandbox/").content.decode()
    assert 'action="/sandbox/shopify/shops/new/"' in index
    response = client.post(
        "/sandbox/shopify/shops/new/",
        {"name": "Fresh Prints", "domain": "", "currency": "USD", "iana_timezone": "America/New_York"},
    )
    shop = SandboxShopifyShop.objects.get(domain="fresh-prints.myshopify.com")
    assert response["Location"] == "/sandbox/shopify/fresh-prints.myshopify.com/"
    assert shop.account.platform == "shopify" and shop.account.currency == "USD"
    assert shop.account.token.startswith("shpat_") and shop.client_secret.startswith("shpss_")
    response = client.post(
        "/sandbox/shopify/shops/new/",
        {"name": "Again", "domain": "https://admin.shopify.com/store/fresh-prints", "currency": "GBP",
         "iana_timezone": "Europe/London"},
        follow=True,
    )  # fmt: skip
    assert "already" in messages_of(response)
    assert SandboxShopifyShop.objects.count() == 1


def test_the_webhook_form(client, shop):
    response = post(client, "settings/webhook", WEBHOOK_FORM)
    assert "Saved the webhook settings." in messages_of(response)
    shop = reload(shop)
    assert shop.webhook_url == WEBHOOK_FORM["webhook_url"]
    assert shop.topics == ["orders/create", "orders/cancelled"]
    assert (shop.api_version, shop.webhook_timeout_seconds) == ("2026-07", 3)
    page = client.get(PAGE).content.decode()
    assert re.search(r'value="orders/cancelled"[^>]*checked', page)
    assert not re.search(r'value="orders/updated"[^>]*checked', page)
    response = post(client, "settings/webhook", {**WEBHOOK_FORM, "webhook_max_attempts": "0"})
    assert "Give up after attempts" in messages_of(response)
    assert reload(shop).webhook_max_attempts == 8


def test_the_switches_form(client, shop):
    form = {
        "webhook_duplicate": "2",
        "webhook_out_of_order": "1",
        "webhook_drop_percent": "10",
        "webhook_drop_seed": "7",
        "webhook_wrong_secret": "-1",
        "sign_with_previous": "3",
        "redact_customer_data": "on",
        "throttle_status": "429",
    }
    assert "Saved the switches settings." in messages_of(post(client, "settings/switches", form))
    shop = reload(shop)
    assert (shop.webhook_duplicate, shop.webhook_out_of_order, shop.webhook_drop_percent) == (2, 1, 10)
    assert (shop.webhook_wrong_secret, shop.sign_with_previous, shop.throttle_status) == (-1, 3, "429")
    assert shop.redact_customer_data is True
    post(client, "settings/switches", {**form, "redact_customer_data": "", "webhook_drop_percent": "101"})
    assert reload(shop).webhook_drop_percent == 10  # refused whole


def test_the_bucket_form_fills_the_new_bucket(client, shop):
    form = {"bucket_size": "200", "restore_rate": "20", "access_token_seconds": "3600", "plan_name": "Advanced"}
    post(client, "settings/bucket", form)
    shop = reload(shop)
    assert (shop.bucket_size, shop.restore_rate, shop.bucket_available) == (200, 20, 200)
    assert (shop.access_token_seconds, shop.plan_name, shop.shopify_plus) == (3600, "Advanced", False)
    SandboxShopifyShop.objects.filter(pk=shop.pk).update(bucket_available=3)
    assert "200 points again" in messages_of(post(client, "bucket/fill"))
    assert reload(shop).bucket_available == 200


def test_the_fault_form(client, shop):
    form = {"fault_rate_limit": "2", "retry_after_seconds": "9", "fault_server_error": "0",
            "fault_malformed_json": "1", "slow_ms": "0"}  # fmt: skip
    post(client, "settings/faults", form)
    account = SandboxAccount.objects.get(pk=shop.account_id)
    assert (account.fault_rate_limit, account.retry_after_seconds, account.fault_malformed_json) == (2, 9, 1)


def test_unknown_settings_are_404(client, shop):
    assert client.post(f"{PAGE}settings/everything/", {}).status_code == 404


def test_rotating_the_secret_keeps_the_previous(client, shop):
    response = post(client, "rotate-secret")
    shop = reload(shop)
    assert shop.previous_client_secret == CLIENT_SECRET and shop.client_secret != CLIENT_SECRET
    assert shop.client_secret in messages_of(response)
    assert shop.client_secret in response.content.decode() and CLIENT_SECRET in response.content.decode()


def test_the_test_order_button(client, shop):
    response = post(client, "test-order", {"line_items": "3"})
    order = shop.orders.get()
    assert len(order.parsed()["line_items"]) == 3
    assert f"Test order {order.name}" in messages_of(response) and "1 webhook delivery queued" in messages_of(response)
    assert order.deliveries.get().topic == "orders/create"
    SandboxShopifyShop.objects.filter(pk=shop.pk).update(webhook_url="")
    assert "set the shop's webhook URL" in messages_of(post(client, "test-order", {"line_items": "1"}))


def test_generate_touch_and_deliver(client, shop):
    with Receiver() as receiver:
        SandboxShopifyShop.objects.filter(pk=shop.pk).update(webhook_url=receiver.url)
        response = post(client, "generate", {"count": "7", "days": "3", "mix": "unfulfilled", "notify": "on"})
        assert "Generated 7 orders" in messages_of(response)
        assert shop.orders.filter(fulfillment_status="UNFULFILLED").count() == 7
        assert "Touched 2 orders" in messages_of(post(client, "touch", {"count": "2"}))
        response = post(client, "deliver")
        assert "Sent 9 due webhook deliveries" in messages_of(response)
    assert sorted(receiver.topics()) == ["orders/create"] * 7 + ["orders/updated"] * 2
    assert SandboxShopifyDelivery.objects.filter(state="delivered").count() == 9


def test_cancel_and_touch_an_order(client, shop):
    order = make_order(shop)
    response = post(client, f"orders/{order.legacy_id}/cancel")
    assert "cancelled" in messages_of(response)
    order.refresh_from_db()
    assert order.cancelled_at is not None
    assert list(order.deliveries.values_list("topic", flat=True).order_by("pk")) == [
        "orders/cancelled",
        "orders/updated",
    ]
    assert "cancelled already" in messages_of(post(client, f"orders/{order.legacy_id}/cancel"))
    before = order.updated_at
    assert "touched" in messages_of(post(client, f"orders/{order.legacy_id}/touch"))
    order.refresh_from_db()
    assert order.updated_at > before
    assert client.post(f"{PAGE}orders/{order.legacy_id}/explode/").status_code == 404
    assert client.post(f"{PAGE}orders/123/touch/").status_code == 404


def test_pages_need_csrf_and_the_api_does_not(shop):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{PAGE}test-order/", {"line_items": "1"}).status_code == 403
    grant = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert strict.post(f"{PAGE}admin/oauth/access_token", grant).status_code == 200
    response = strict.post(
        f"{PAGE}admin/api/2026-10/graphql.json",
        json.dumps({"query": "{ shop { name } }"}),
        content_type="application/json",
        HTTP_X_SHOPIFY_ACCESS_TOKEN=TOKEN,
    )
    assert response.status_code == 200 and response.json()["data"] == {"shop": {"name": "Test Crafts"}}


def test_the_admin_lists_shops_orders_and_deliveries(admin_client, shop):
    order = make_order(shop, notify=True)
    for model in ("sandboxshopifyshop", "sandboxshopifyorder", "sandboxshopifydelivery"):
        response = admin_client.get(f"/admin/shopify_sandbox/{model}/")
        assert response.status_code == 200, model
    assert admin_client.get(f"/admin/shopify_sandbox/sandboxshopifyshop/{shop.pk}/change/").status_code == 200
    page = admin_client.get(f"/admin/shopify_sandbox/sandboxshopifyorder/{order.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # read only
