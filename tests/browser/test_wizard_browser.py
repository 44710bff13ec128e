"""A merchant, in a real browser, adds a NuORDER connection through the four-step wizard.

Sign in → Manage Connection → Add Connection → Basic Information → Merchant Information
→ Sync Settings (NOTHS's states, the default platform) → Store Setup, where choosing
NuORDER swaps the credential fields and Add connection sends the merchant back to Sync
Settings, now NuORDER's. Back and forward keep the Name but never a secret; a wrong
Consumer Secret is refused in words with nothing saved; the right one connects. No
secret typed on the way is left in the session table, a cookie, or any page's HTML.

The portal and the sandbox NuORDER are both served by pytest-django's live server;
`nuorder_hosts` points the portal's NuORDER hosts at it. No worker is needed: Add
connection checks the credentials in the request.
"""

from __future__ import annotations

import re
import secrets

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from connections.models import Connection
from connections.platforms.nuorder.sandbox.data import generate_orders
from connections.platforms.nuorder.tests.fixtures import nuorder_credentials
from tests.factories import PASSWORD, MembershipFactory, MerchantFactory

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


@pytest.fixture
def nadia(transactional_db):
    membership = MembershipFactory(merchant=MerchantFactory(name=MERCHANT), user__username="nadia")
    return membership.user


@pytest.fixture
def brand_app(nuorder_app):
    """The sandbox Wholesale application, with a few approved orders waiting."""
    generate_orders(nuorder_app.account, APPROVED_ORDERS, statuses=("approved",), seed=7)
    return nuorder_app


def test_a_merchant_adds_a_nuorder_connection_through_the_four_steps(
    page: Page, live_server, nadia, nuorder_hosts, brand_app
):
    credentials = nuorder_credentials(brand_app)
    assert all(credentials.values()), "the sandbox application should have a token"
    wrong_secret = secrets.token_hex(32)
    back_secret = f"typed-then-back-{secrets.token_hex(8)}"
    assert wrong_secret != credentials["consumer_secret"]
    seen: list[tuple[str, str]] = []  # (where, page HTML) at every step
    stored: list[tuple[str, str]] = []  # (where, what the session table and the cookies held) at every step

    def snapshot(where: str) -> None:
        """The page's HTML, the session table (decoded and raw) and the cookies, as they are now.

        Taken at every step, not only at the end: the wizard drops its session data once the
        connection is made, so a secret kept between steps would be gone by then."""
        seen.append((where, page.content()))
        sessions = [f"{s.get_decoded()!r} {s.session_data}" for s in Session.objects.all()]
        assert sessions, f"the merchant's session should be in the session table at {where}"
        cookies = [f"{c['name']}={c['value']}" for c in page.context.cookies()]
        stored.append((where, "\n".join([*sessions, *cookies])))

    main = page.get_by_role("main")
    steps = page.get_by_role("list", name="Steps")
    status = page.get_by_role("status")

    def expect_step(number: int, title: str) -> None:
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
        expect(steps.locator('[aria-current="step"]')).to_have_text(f"{number}. {title}")
        expect(page).to_have_title(re.compile(rf"^Add Connection · {title}"))

    next_button = page.get_by_role("button", name="Next", exact=True)
    back_button = page.get_by_role("button", name="Back", exact=True)
    add_button = page.get_by_role("button", name="Add connection", exact=True)
    noths_group = page.get_by_role("group", name="Not On The High Street credentials", include_hidden=True)
    nuorder_group = page.get_by_role("group", name="NuORDER credentials", include_hidden=True)

    def nuorder_field(text: str):
        return nuorder_group.get_by_label(label(text))

    def fill_nuorder(values: dict[str, str]) -> None:
        nuorder_field("Application Type").select_option(values["application_type"])
        for text, key in SECRET_LABELS.items():
            nuorder_field(text).fill(values[key])

    def expect_no_secrets_typed() -> None:
        for text in SECRET_LABELS:
            expect(nuorder_field(text)).to_have_value("")

    # 1. Sign in, Manage Connection, the page's own Add Connection (not a platform row's).
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(MERCHANT, exact=True)).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Manage Connection").click()
    head = page.locator(".page-head").filter(has=page.get_by_role("heading", name="Manage Connection", level=1))
    expect(head).to_be_visible()
    snapshot("manage")
    head.get_by_role("link", name="Add Connection", exact=True).click()

    # 2. Basic Information: the connection's name.
    expect_step(1, "Basic Information")
    expect(steps.get_by_role("listitem")).to_have_text(
        ["1. Basic Information", "2. Merchant Information", "3. Sync Settings", "4. Store Setup"]
    )
    expect(back_button).to_have_count(0)
    name = page.get_by_label(label("Connection Name"))
    expect(name).to_have_accessible_description("How this connection is shown.")
    name.fill(CONNECTION_NAME)
    snapshot("basic")
    next_button.click()

    # Merchant Information: a member sees their own merchant, nothing to pick.
    expect_step(2, "Merchant Information")
    expect(main.locator("form")).to_contain_text(f"This connection is for {MERCHANT}.")
    expect(main.locator("form").get_by_role("combobox")).to_have_count(0)
    snapshot("merchant")
    next_button.click()

    # Sync Settings: the default platform's (NOTHS) states at first.
    expect_step(3, "Sync Settings")
    expect(main).to_contain_text("For Not On The High Street.")
    expect(main).to_contain_text("NOTHS states to import")
    expect(page.get_by_role("checkbox", name="Placed (new, waiting for you to accept)")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Accepted", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Dispatched", exact=True)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Approved", exact=True)).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Accept new orders automatically")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Import orders automatically")).to_be_checked()
    snapshot("sync (NOTHS)")
    next_button.click()

    # 3. Store Setup: a new store, its Name, Platform NuORDER: NuORDER's fields replace NOTHS's.
    expect_step(4, "Store Setup")
    expect(add_button).to_be_visible()
    platform = page.get_by_label(label("Platform"))
    expect(platform).to_have_value("noths")
    expect(noths_group).to_be_visible()
    expect(nuorder_group).to_be_hidden()  # portal.js has run: only the chosen platform's group shows
    expect(page.get_by_label(label("Existing store"))).to_be_hidden()
    create_new = page.get_by_role("radio", name="Create new store")
    create_new.check()
    expect(create_new).to_be_checked()
    page.get_by_label(label("Name")).fill(STORE_NAME)
    platform.select_option(label="NuORDER")
    expect(noths_group).to_be_hidden()
    expect(nuorder_group).to_be_visible()
    for text, help_text in NUORDER_FIELDS.items():
        field = nuorder_field(text)
        expect(field).to_be_visible()
        expect(field).to_have_accessible_description(help_text)
        expect(nuorder_group.locator(".help").filter(has_text=help_text)).to_be_visible()
    expect(nuorder_field("Application Type")).to_have_value("wholesale")
    for text in SECRET_LABELS:
        expect(nuorder_field(text)).to_have_attribute("type", "password")
    # The merchant fills in the whole store, as anyone would, and clicks Add connection.
    fill_nuorder(credentials)
    snapshot("store (NuORDER chosen, filled)")
    add_button.click()

    # The platform changed: back to Sync Settings, now NuORDER's, with a message.
    expect_step(3, "Sync Settings")
    expect(status).to_contain_text("Sync Settings are now NuORDER's: check them, then continue.")
    expect(main).to_contain_text("For NuORDER.")
    expect(main).to_contain_text("NuORDER states to import")
    expect(page.get_by_role("checkbox", name="Approved", exact=True)).to_be_checked()
    for other in ("Draft", "In review", "Pending", "Processed", "Shipped", "Cancelled"):
        expect(page.get_by_role("checkbox", name=other, exact=True)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Placed (new, waiting for you to accept)")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Mark imported orders as processed on NuORDER")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Push dispatch tracking back to NuORDER")).to_be_checked()
    assert not Connection.objects.exists()
    snapshot("sync (NuORDER)")
    next_button.click()

    # 4. Back and forward: the Name and Platform are kept, a secret never is.
    expect_step(4, "Store Setup")
    expect(status).to_have_count(0)
    expect(platform).to_have_value("nuorder")
    expect(nuorder_group).to_be_visible()
    expect(noths_group).to_be_hidden()
    expect(page.get_by_label(label("Name"))).to_have_value(STORE_NAME)
    expect_no_secrets_typed()  # those typed before the bounce are gone too
    page.get_by_label(label("Name")).fill(f"{STORE_NAME} (US)")
    nuorder_field("Consumer Secret").fill(back_secret)
    snapshot("store (before Back)")
    back_button.click()
    expect_step(3, "Sync Settings")
    expect(page.get_by_role("checkbox", name="Approved", exact=True)).to_be_checked()
    snapshot("sync (after Back)")
    next_button.click()
    expect_step(4, "Store Setup")
    expect(page.get_by_label(label("Name"))).to_have_value(f"{STORE_NAME} (US)")
    expect(platform).to_have_value("nuorder")
    expect(nuorder_group).to_be_visible()
    expect(nuorder_field("Application Type")).to_have_value("wholesale")
    expect(page.get_by_role("radio", name="Create new store")).to_be_checked()
    expect_no_secrets_typed()
    expect(page.get_by_role("alert")).to_have_count(0)  # the missing secrets are not called errors
    snapshot("store (after Back and Next)")

    # 5. A failed test: the real credentials with a wrong Consumer Secret.
    page.get_by_label(label("Name")).fill(STORE_NAME)
    fill_nuorder({**credentials, "consumer_secret": wrong_secret})
    add_button.click()
    failure = page.get_by_role("alert")
    expect(failure).to_contain_text("NuORDER rejected the OAuth signature: check the Consumer Secret and Token Secret")
    expect(failure).to_contain_text("Nothing was saved")
    expect_step(4, "Store Setup")
    expect(page.get_by_label(label("Name"))).to_have_value(STORE_NAME)
    expect(platform).to_have_value("nuorder")
    expect(nuorder_group).to_be_visible()
    expect_no_secrets_typed()
    snapshot("store (refused)")
    assert not Connection.objects.exists()

    # ... and its fix: the right values connect, and the connection's page shows it.
    fill_nuorder(credentials)
    add_button.click()
    expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"NuORDER · {CONNECTION_NAME}")
    expect(heading).to_contain_text("Connected")
    expect(status).to_contain_text(
        f"NuORDER · {CONNECTION_NAME} is connected. NuORDER accepted the credentials (Wholesale); "
        f"{APPROVED_ORDERS} approved orders waiting."
    )
    expect(main).to_contain_text(STORE_NAME)
    snapshot("connection page")

    connection = Connection.objects.get()
    assert connection.merchant.name == MERCHANT
    assert (connection.platform, connection.name, connection.store_name) == ("nuorder", CONNECTION_NAME, STORE_NAME)
    assert connection.status == Connection.Status.CONNECTED
    assert connection.import_statuses == ["approved"]
    assert connection.credential.values() == credentials

    # 6. No secret typed on the way is left in the session table, a cookie or a page.
    typed = {
        "consumer key": credentials["consumer_key"],
        "consumer secret": credentials["consumer_secret"],
        "token": credentials["token"],
        "token secret": credentials["token_secret"],
        "wrong consumer secret": wrong_secret,
        "secret typed before Back": back_secret,
    }
    for what, value in typed.items():
        for where, html in seen:
            assert value not in html, f"the {what} is in the page HTML at {where}"
        for where, text in stored:
            assert value not in text, f"the {what} is in the session table or a cookie at {where}"
    assert [where for where, _ in seen] == [
        "manage",
        "basic",
        "merchant",
        "sync (NOTHS)",
        "store (NuORDER chosen, filled)",
        "sync (NuORDER)",
        "store (before Back)",
        "sync (after Back)",
        "store (after Back and Next)",
        "store (refused)",
        "connection page",
    ]
