"""A merchant, in a real browser, adds a NuORDER connection the DropStream way, typing each thing once.

Sign in → Manage Connection → Add Connection → Basic Information → Merchant Information
→ Sync Settings (only what is the same on every platform: "Every hour") → Store Setup,
where the platform is chosen and its own settings and credentials show with it. On the
way the merchant picks NOTHS, then NuORDER (typing its four credentials once), goes Back
to Sync Settings and forward again, switches to NOTHS and back: nothing typed is lost,
no step bounces, and Add connection connects to the sandbox NuORDER. No secret typed on
the way reaches the session table or a cookie, nor any page once the connection is saved.

The portal and the sandbox NuORDER are both served by pytest-django's live server;
`nuorder_hosts` points the portal's NuORDER hosts at it. No worker is needed: Add
connection checks the credentials in the request. With SHOTS_DIR set, the steps are
saved as wizard-*.png there.
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from connections.models import Connection
from connections.platforms.nuorder.sandbox.data import generate_orders
from connections.platforms.nuorder.tests.fixtures import nuorder_credentials
from tests.factories import MembershipFactory, MerchantFactory
from tests.support.browser_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MERCHANT = "Harbor Pine Goods"
CONNECTION_NAME = "harborpine"
STORE_NAME = "Harbor Pine Wholesale"
APPROVED_ORDERS = 3

NUORDER_FIELDS = {  # label → help text, as NuORDER's credential fields give them
    "Application Type": "Wholesale for a brand's NuORDER account, Retail for a retailer's (buyer) account.",
    "Consumer Key": "NuORDER → Admin → API Management (Retail: Contacts → Companies → your company → API). "
    "Generate a key and copy it.",
    "Consumer Secret": "Shown beside the Consumer Key.",
    "Token": "The token of the approved PB_DEV application. Leave Token and Token Secret blank if you do not "
    "have them: the portal requests them and you approve PB_DEV in NuORDER.",
    "Token Secret": "The token secret for PB_DEV.",
}
SECRET_LABELS = {
    "Consumer Key": "consumer_key",
    "Consumer Secret": "consumer_secret",
    "Token": "token",
    "Token Secret": "token_secret",
}


def label(text: str) -> re.Pattern:
    """A field's label, exactly as the seeds word it (no ":" after it)."""
    return re.compile(rf"^{re.escape(text)}$")


def save_shot(page: Page, what: str) -> None:
    """The page as the merchant sees it, to $SHOTS_DIR/wizard-<what>.png when SHOTS_DIR is set."""
    if os.environ.get("SHOTS_DIR"):
        page.screenshot(path=str(Path(os.environ["SHOTS_DIR"]) / f"wizard-{what}.png"), full_page=True)


@pytest.fixture
def nadia(transactional_db):
    membership = MembershipFactory(merchant=MerchantFactory(name=MERCHANT), user__username="nadia")
    return membership.user


@pytest.fixture
def brand_app(nuorder_app):
    """The sandbox Wholesale application, with a few approved orders waiting."""
    generate_orders(nuorder_app.account, APPROVED_ORDERS, statuses=("approved",), seed=7)
    return nuorder_app


class Wizard:
    """The wizard's page and its parts, for one merchant."""

    def __init__(self, page: Page):
        self.page = page
        self.main = page.get_by_role("main")
        self.steps = page.get_by_role("list", name="Steps")
        self.next = page.get_by_role("button", name="Next", exact=True)
        self.back = page.get_by_role("button", name="Back", exact=True)
        self.add = page.get_by_role("button", name="Add connection", exact=True)
        self.platform = page.get_by_label(label("Platform"))
        self.typed: Counter[str] = Counter()  # how many times each field was typed into

    def expect_step(self, number: int, title: str) -> None:
        expect(self.page.get_by_role("heading", name=title, level=2)).to_be_visible()
        expect(self.steps.locator('[aria-current="step"]')).to_have_text(f"{number}. {title}")
        expect(self.page).to_have_title(re.compile(rf"^Add Connection · {title}"))
        expect(self.page.get_by_role("status")).to_have_count(0)  # no "Sync Settings are now …" bounce

    def group(self, platform_name: str, what: str):
        return self.page.get_by_role("group", name=f"{platform_name} {what}", include_hidden=True)

    def nuorder(self, text: str):
        return self.group("NuORDER", "credentials").get_by_label(label(text))

    def type(self, field, value: str, name: str) -> None:
        field.fill(value)
        self.typed[name] += 1


def test_a_merchant_types_each_credential_once_through_back_forward_and_a_platform_change(
    page: Page, live_server, nadia, nuorder_hosts, brand_app
):
    credentials = nuorder_credentials(brand_app)
    assert all(credentials.values()), "the sandbox application should have a token"
    stored: list[tuple[str, str]] = []  # (where, what the session table and the cookies held) at every step
    wizard = Wizard(page)

    def snapshot(where: str) -> None:
        sessions = [f"{s.get_decoded()!r} {s.session_data}" for s in Session.objects.all()]
        cookies = [f"{c['name']}={c['value']}" for c in page.context.cookies()]
        stored.append((where, "\n".join([*sessions, *cookies])))

    # Sign in, Manage Connection, the page's own Add Connection (not a platform row's).
    sign_in(page, live_server.url, "nadia")
    page.get_by_role("navigation").get_by_role("link", name="Manage Connection").click()
    page.locator(".page-head").get_by_role("link", name="Add Connection", exact=True).click()

    # 1. Basic Information.
    wizard.expect_step(1, "Basic Information")
    expect(wizard.steps.get_by_role("listitem")).to_have_text(
        ["1. Basic Information", "2. Merchant Information", "3. Sync Settings", "4. Store Setup"]
    )
    expect(wizard.back).to_have_count(0)
    wizard.type(page.get_by_label(label("Connection Name")), CONNECTION_NAME, "name")
    save_shot(page, "basic")
    wizard.next.click()

    # 2. Merchant Information: a member sees their own merchant, nothing to pick.
    wizard.expect_step(2, "Merchant Information")
    expect(wizard.main.locator("form")).to_contain_text(f"This connection is for {MERCHANT}.")
    snapshot("merchant")
    wizard.next.click()

    # 3. Sync Settings: only what is the same on every platform; no platform's states yet.
    wizard.expect_step(3, "Sync Settings")
    expect(page.get_by_role("checkbox", name="Import orders automatically")).to_be_checked()
    how_often = page.get_by_label(label("How often"))
    expect(how_often).to_have_value("30")
    how_often.select_option(label="Every hour")
    expect(page.get_by_label(label("Import orders placed from"))).to_be_visible()
    expect(wizard.main.get_by_text(re.compile("states to import")).filter(visible=True)).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Accept new orders automatically")).to_have_count(0)
    save_shot(page, "sync")
    wizard.next.click()

    # 4. Store Setup: no platform chosen, so no platform's fields or settings show.
    wizard.expect_step(4, "Store Setup")
    expect(wizard.platform).to_have_value("")
    expect(page.locator("[data-platform-group]:visible")).to_have_count(0)
    expect(page.get_by_role("radio", name="Create new store")).to_be_checked()
    wizard.type(page.get_by_label(label("Name")), STORE_NAME, "store name")
    # NOTHS first: its credentials and its own sync settings show with it.
    wizard.platform.select_option(label="Not On The High Street")
    expect(wizard.group("Not On The High Street", "sync settings")).to_be_visible()
    noths_accept = page.get_by_role("checkbox", name="Accept new orders automatically")
    noths_accept.check()
    # Then NuORDER: NOTHS's groups hide, NuORDER's show; its credentials typed, once each.
    wizard.platform.select_option(label="NuORDER")
    expect(wizard.group("Not On The High Street", "credentials")).to_be_hidden()
    expect(wizard.group("Not On The High Street", "sync settings")).to_be_hidden()
    expect(wizard.group("NuORDER", "credentials")).to_be_visible()
    expect(wizard.group("NuORDER", "sync settings")).to_be_visible()
    for text, help_text in NUORDER_FIELDS.items():
        expect(wizard.nuorder(text)).to_have_accessible_description(help_text)
    for text in SECRET_LABELS:
        expect(wizard.nuorder(text)).to_have_attribute("type", "password")
    expect(page.get_by_role("checkbox", name="Approved", exact=True)).to_be_checked()
    wizard.nuorder("Application Type").select_option(credentials["application_type"])
    for text, key in SECRET_LABELS.items():
        wizard.type(wizard.nuorder(text), credentials[key], key)
    page.get_by_role("checkbox", name="Mark imported orders as processed on NuORDER").check()
    save_shot(page, "store-nuorder")
    snapshot("store (NuORDER typed)")

    # Back to Sync Settings: "Every hour" kept, still nothing of a platform's there.
    wizard.back.click()
    wizard.expect_step(3, "Sync Settings")
    expect(how_often).to_have_value("60")
    expect(wizard.main.get_by_text(re.compile("states to import")).filter(visible=True)).to_have_count(0)
    snapshot("sync (after Back)")
    wizard.back.click()
    wizard.expect_step(2, "Merchant Information")
    wizard.next.click()
    wizard.next.click()

    # ... and forward: the platform, the store's Name and every credential are as typed.
    wizard.expect_step(4, "Store Setup")
    expect(wizard.platform).to_have_value("nuorder")
    expect(wizard.group("NuORDER", "credentials")).to_be_visible()
    expect(wizard.group("Not On The High Street", "credentials")).to_be_hidden()
    expect(page.get_by_label(label("Name"))).to_have_value(STORE_NAME)
    expect(wizard.nuorder("Application Type")).to_have_value(credentials["application_type"])
    for text, key in SECRET_LABELS.items():
        expect(wizard.nuorder(text)).to_have_value(credentials[key])
    expect(page.get_by_role("checkbox", name="Mark imported orders as processed on NuORDER")).to_be_checked()
    expect(page.get_by_role("alert")).to_have_count(0)
    snapshot("store (after Back and forward)")

    # Switching to NOTHS and back: each platform keeps its own values.
    wizard.platform.select_option(label="Not On The High Street")
    expect(noths_accept).to_be_checked()
    wizard.platform.select_option(label="NuORDER")
    for text, key in SECRET_LABELS.items():
        expect(wizard.nuorder(text)).to_have_value(credentials[key])
    save_shot(page, "store-after-back")

    # Add connection: no bounce; it connects to the sandbox NuORDER.
    wizard.add.click()
    expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"NuORDER · {CONNECTION_NAME}")
    expect(heading).to_contain_text("Connected")
    expect(page.get_by_role("status")).to_contain_text(
        f"NuORDER · {CONNECTION_NAME} is connected. NuORDER accepted the credentials (Wholesale); "
        f"{APPROVED_ORDERS} approved orders waiting."
    )
    saved_pages = {"connection page": page.content()}
    snapshot("connection page")
    page.goto(f"{page.url}edit/")
    saved_pages["edit page"] = page.content()

    assert wizard.typed == Counter({name: 1 for name in ["name", "store name", *SECRET_LABELS.values()]})
    connection = Connection.objects.get()
    assert connection.merchant.name == MERCHANT
    assert (connection.platform, connection.name, connection.store_name) == ("nuorder", CONNECTION_NAME, STORE_NAME)
    assert connection.status == Connection.Status.CONNECTED
    assert (connection.sync_interval_minutes, connection.import_statuses) == (60, ["approved"])
    assert (connection.auto_sync, connection.auto_accept, connection.push_tracking) == (True, True, True)
    assert connection.credential.values() == credentials

    # No secret typed is left in the session table or a cookie, nor on a saved connection's pages.
    for key in SECRET_LABELS.values():
        for where, text in [*stored, *saved_pages.items()]:
            assert credentials[key] not in text, f"the {key} is kept at {where}"


def test_a_refused_secret_is_corrected_alone(page: Page, live_server, nadia, nuorder_hosts, brand_app):
    """NuORDER refuses a wrong Consumer Secret: nothing is saved, the rest stays typed, one fix connects."""
    credentials = nuorder_credentials(brand_app)
    wizard = Wizard(page)
    sign_in(page, live_server.url, "nadia")
    page.goto(f"{live_server.url}/connections/new/?platform=nuorder")
    page.get_by_label(label("Connection Name")).fill(CONNECTION_NAME)
    for _ in range(3):
        wizard.next.click()
    wizard.expect_step(4, "Store Setup")
    expect(wizard.platform).to_have_value("nuorder")
    expect(wizard.group("NuORDER", "credentials")).to_be_visible()
    wizard.nuorder("Application Type").select_option(credentials["application_type"])
    for text, key in SECRET_LABELS.items():
        wizard.nuorder(text).fill(credentials[key] if key != "consumer_secret" else secrets.token_hex(32))
    wizard.add.click()
    failure = page.get_by_role("alert")
    expect(failure).to_contain_text("NuORDER rejected the OAuth signature: check the Consumer Secret and Token Secret")
    expect(failure).to_contain_text("Nothing was saved")
    save_shot(page, "store-refused")
    assert not Connection.objects.exists()
    for text in ("Consumer Key", "Token", "Token Secret"):
        expect(wizard.nuorder(text)).to_have_value(credentials[SECRET_LABELS[text]])
    wizard.nuorder("Consumer Secret").fill(credentials["consumer_secret"])
    wizard.add.click()
    expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
    assert Connection.objects.get().status == Connection.Status.CONNECTED


def test_without_javascript_the_wizard_still_connects(browser, live_server, nadia, nuorder_hosts, brand_app):
    """No script: the server shows each step and, once posted, the chosen platform's group."""
    credentials = nuorder_credentials(brand_app)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        wizard = Wizard(page)
        sign_in(page, live_server.url, "nadia")
        page.goto(f"{live_server.url}/connections/new/")
        page.get_by_label(label("Connection Name")).fill(CONNECTION_NAME)
        wizard.next.click()
        wizard.next.click()
        page.get_by_label(label("How often")).select_option(label="Every hour")
        wizard.next.click()
        wizard.expect_step(4, "Store Setup")
        expect(page.locator("[data-platform-group]:visible")).to_have_count(0)
        wizard.platform.select_option(label="NuORDER")
        wizard.add.click()  # the server now shows NuORDER's fields, asking for them
        expect(wizard.group("NuORDER", "credentials")).to_be_visible()
        expect(page.get_by_text("This field is required.").first).to_be_visible()
        wizard.nuorder("Application Type").select_option(credentials["application_type"])
        for text, key in SECRET_LABELS.items():
            wizard.nuorder(text).fill(credentials[key])
        wizard.back.click()
        wizard.expect_step(3, "Sync Settings")
        expect(page.get_by_label(label("How often"))).to_have_value("60")
        wizard.next.click()
        for text, key in SECRET_LABELS.items():
            expect(wizard.nuorder(text)).to_have_value(credentials[key])
        wizard.add.click()
        expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
        connection = Connection.objects.get()
        assert (connection.platform, connection.status) == ("nuorder", Connection.Status.CONNECTED)
        assert connection.sync_interval_minutes == 60
    finally:
        context.close()
