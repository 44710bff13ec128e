"""A merchant, in a real browser, connects a Shopify store through Add Account.

The portal and the sandbox Shopify are served by pytest-django's live server; Debian's Chromium is
driven by Playwright (the fixtures in tests/browser/fixtures.py).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from connections.models import Connection
from connections.platforms.shopify.sandbox.data import create_shop, generate_orders
from tests.factories import PASSWORD, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOMAIN = "walk-crafts.myshopify.com"


@pytest.fixture
def shop(live_server, settings):
    cache.clear()
    settings.SHOPIFY_BASE_URL = f"{live_server.url}/sandbox/shopify/{{shop}}"
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    shop = create_shop("Walk Crafts", domain=DOMAIN)
    generate_orders(shop, 5, days=2, seed=4)
    return shop


@pytest.fixture
def priya(transactional_db):
    return MembershipFactory(merchant=MerchantFactory(name="Walk Crafts Ltd"), user__username="priya").user


def test_a_merchant_connects_a_shopify_store_through_add_account(page: Page, live_server, priya, shop):
    main = page.get_by_role("main")
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Walk Crafts Ltd", exact=True)).to_be_visible()

    # Manage Connection → the Shopify row's Add Account opens the dialog with Shopify's fields.
    page.goto(f"{live_server.url}/connections/")
    row = page.get_by_role("row").filter(has_text="Shopify")
    dialog = page.get_by_role("dialog", name="Add Shopify Account")
    expect(dialog).to_be_hidden()
    row.get_by_role("button", name="Add Account").click()
    expect(dialog).to_be_visible()
    for label in ("Connection Name", "Store", "Admin API access token", "Client ID", "Client secret", "API secret key"):
        expect(dialog.get_by_label(label, exact=True)).to_be_visible()

    # A wrong token: Shopify's answer and the way out; nothing saved, the secret not kept.
    dialog.get_by_label("Connection Name").fill("Walk Crafts")
    dialog.get_by_label("Store", exact=True).fill("https://admin.shopify.com/store/walk-crafts/")
    dialog.get_by_label("Admin API access token").fill("shpat_" + "0" * 32)
    dialog.get_by_role("button", name="Add Account").click()
    expect(dialog).to_be_visible()
    failure = dialog.get_by_role("alert")
    expect(failure).to_contain_text("Shopify rejected the credentials (HTTP 401)")
    expect(failure).to_contain_text("starts with shpat_")
    expect(dialog.get_by_label("Store", exact=True)).to_have_value(DOMAIN)  # the admin's address, normalized
    expect(dialog.get_by_label("Admin API access token")).to_have_value("")
    assert not Connection.objects.exists()

    # The store's token: the connection's page, connected, with the shop's facts and its webhook.
    dialog.get_by_label("Admin API access token").fill(f" {shop.account.token}\n")
    dialog.get_by_role("button", name="Add Account").click()
    expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Shopify · Walk Crafts")
    expect(heading).to_contain_text("Connected")
    expect(page.get_by_role("status")).to_contain_text("Shopify accepted the token for Walk Crafts")
    expect(main).to_contain_text("GBP")
    webhook = page.locator("#webhook")
    expect(webhook).to_contain_text("orders/create, orders/updated and orders/cancelled")
    connection = Connection.objects.get()
    expect(webhook).to_contain_text(f"/webhooks/shopify/{connection.webhook_id}/")
    expect(main).not_to_contain_text(shop.account.token)
    assert connection.stored_credentials()["shop"] == DOMAIN
