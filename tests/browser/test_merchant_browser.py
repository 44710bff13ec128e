"""A merchant, in a real browser, from sign-in to an order's dispatch pushed to NOTHS.

The portal and the sandbox NOTHS are served by pytest-django's live server; a real
django-q2 worker (its own process, same test database) runs Fetch Orders and the
dispatch push, so the progress bar really polls and the page really reloads.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from connections.models import Connection, SyncRun
from connections.platforms.base import DEFAULT_IMPORT_DAYS
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from orders.models import Order, OutboundAction
from portal.models import Heartbeat
from portal.schedules import TICK_NAME
from tests.factories import PASSWORD, MembershipFactory, MerchantFactory
from tests.support.workers import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDERS = 60
PAGE_SIZE = 10
WORKER_TIMEOUT = 30_000  # ms: what the worker is given to finish a sync or a push
TRACKING = "RM 1234 5678 GB"  # typed with spaces; the portal and NOTHS keep it without
TRACKING_URL = "https://track.example/RM12345678GB"


@pytest.fixture
def maria(transactional_db):
    membership = MembershipFactory(merchant=MerchantFactory(name="Demo Gifts"), user__username="maria")
    return membership.user


@pytest.fixture
def noths_store(sandbox_account):
    """The merchant's store on the sandbox NOTHS: placed and accepted orders, every accepted
    order's dispatch note already viewed on NOTHS (NOTHS refuses a dispatch before that).
    Each answer takes a little while, so a fetch of several pages can be watched."""
    generate_orders(sandbox_account, ORDERS, states=("placed", "accepted"), seed=31)
    accepted = list(sandbox_account.noths_orders.filter(state="accepted"))
    assert accepted, "the seed should give some accepted orders"
    for order in accepted:
        order.dispatch_note_viewed = True
        order.write_document()
    type(accepted[0]).objects.bulk_update(accepted, ["dispatch_note_viewed", "document"])
    sandbox_account.slow_ms = 400
    sandbox_account.save(update_fields=["slow_ms"])
    return sandbox_account


@pytest.fixture
def worker(settings, live_server, noths_url, tmp_path):
    """A real qcluster, pointed at the sandbox NOTHS with small pages and no settle time.

    The minute tick is not part of this walk (it has its own tests): it would start the
    new connection's first import by itself and race the merchant's Fetch Orders. A fresh
    heartbeat stands in for a healthy scheduler, so the pages look as they do in production.
    """
    from django_q.models import Schedule

    env = {"NOTHS_BASE_URL": noths_url, "NOTHS_PAGE_SIZE": str(PAGE_SIZE), "SYNC_SETTLE_SECONDS": "0"}
    settings.NOTHS_BASE_URL = noths_url
    settings.NOTHS_PAGE_SIZE = PAGE_SIZE
    settings.SYNC_SETTLE_SECONDS = 0
    Schedule.objects.filter(name=TICK_NAME).delete()
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    with running_worker(tmp_path, **env) as worker:
        yield worker


@pytest.mark.qcluster
def test_merchant_connects_noths_fetches_orders_and_dispatches_one(page: Page, live_server, maria, noths_store, worker):
    import_from = (timezone.localdate() - timedelta(days=DEFAULT_IMPORT_DAYS)).isoformat()  # the default
    main = page.get_by_role("main")
    nav = page.get_by_role("navigation")

    # 1. Sign in.
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Demo Gifts", exact=True)).to_be_visible()

    # 2. Order downloads → Manage Connection → the NOTHS row's Add Account opens the dialog.
    nav.get_by_role("link", name="Order downloads").click()
    expect(page.get_by_role("heading", name="Order downloads", level=1)).to_be_visible()
    expect(main).to_contain_text("No connections yet")
    main.get_by_role("link", name="Manage Connection").click()
    expect(page.get_by_role("heading", name="Manage Connection", level=1)).to_be_visible()
    noths_row = page.get_by_role("row").filter(has_text="Not On The High Street")
    expect(noths_row).to_contain_text("NOTHS")
    dialog = page.get_by_role("dialog", name="Add NOTHS Account")
    expect(dialog).to_be_hidden()
    noths_row.get_by_role("button", name="Add Account").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Connection Name")).to_be_visible()
    expect(dialog.get_by_label("Consumer Key")).to_be_visible()

    # 3. A wrong token: the dialog comes back open with NOTHS's answer and the way out.
    dialog.get_by_label("Connection Name").fill("itest")
    dialog.get_by_label("Consumer Key").fill("not-the-right-token-123456")
    dialog.get_by_role("button", name="Add Account").click()
    expect(dialog).to_be_visible()
    failure = dialog.get_by_role("alert")
    expect(failure).to_contain_text("Invalid or expired token")
    expect(failure).to_contain_text("Settings → API Tokens")
    expect(failure).to_contain_text("Nothing was saved")
    expect(dialog.get_by_label("Connection Name")).to_have_value("itest")  # what was typed is kept ...
    expect(dialog.get_by_label("Import orders placed from")).to_have_value(import_from)
    expect(dialog.get_by_label("Consumer Key")).to_have_value("")  # ... but never the secret
    yours = page.locator("section").filter(has=page.get_by_role("heading", name="Your connections"))
    expect(yours).to_contain_text("None yet")
    expect(yours.get_by_role("row")).to_have_count(0)
    assert not Connection.objects.exists()

    # 4. The right token, pasted with spaces around it: the connection's page, connected.
    dialog.get_by_label("Consumer Key").fill(f"  {SANDBOX_TOKEN} \n")
    dialog.get_by_role("button", name="Add Account").click()
    expect(page).to_have_url(re.compile(r"/connections/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("NOTHS · itest")
    expect(heading).to_contain_text("Connected")
    expect(page.get_by_role("status")).to_contain_text(
        f"NOTHS account itest is connected. NOTHS accepted the token; the account has {ORDERS} orders."
    )
    expect(main).not_to_contain_text(SANDBOX_TOKEN)
    connection = Connection.objects.get(name="itest")
    assert connection.credential.values() == {"token": SANDBOX_TOKEN}

    # 5. Fetch Orders on Order downloads: the progress follows the worker, the page reloads when done.
    nav.get_by_role("link", name="Order downloads").click()
    row = page.get_by_role("row").filter(has_text="NOTHS · itest")
    expect(row).to_contain_text("Never fetched.")
    last_success = row.get_by_role("cell").nth(2)
    expect(last_success).to_have_text("never")
    row.get_by_role("button", name="Fetch Orders").click()
    expect(page.get_by_role("status")).to_contain_text("Fetching orders from NOTHS · itest.")
    progress = row.locator(".progress")
    expect(progress.get_by_role("progressbar")).to_be_visible()
    expect(progress).to_contain_text(re.compile(r"(Queued|Running):\s+\d+ "))
    # Pages of 10 at 0.4 s each: the polled counts move while the run goes.
    expect(progress).to_contain_text(re.compile(rf"Running:\s+[1-5]0 of {ORDERS} orders read"), timeout=WORKER_TIMEOUT)
    # portal.js polls while the run is active and reloads the page once it is over; the
    # reload is what drops the one-time "Fetching orders" message.
    expect(progress).to_contain_text("Succeeded", timeout=WORKER_TIMEOUT)
    expect(page.get_by_role("status")).to_have_count(0, timeout=WORKER_TIMEOUT)
    expect(progress).to_contain_text(
        f"Succeeded: {ORDERS} of {ORDERS} orders read, {ORDERS} new, 0 updated, 0 unchanged, 0 not imported"
    )
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(last_success).not_to_have_text("never")
    run = SyncRun.objects.get(connection=connection)
    assert (run.status, run.created) == (SyncRun.Status.SUCCEEDED, ORDERS)
    assert run.pages >= ORDERS // PAGE_SIZE

    nav.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    pager = main.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text(f"{ORDERS} orders")
    expect(pager.get_by_role("link", name="Older →")).to_be_visible()

    # 6. An accepted order, found by its number: mark it dispatched; the worker tells NOTHS.
    sandbox_order = noths_store.noths_orders.filter(state="accepted").order_by("-placed_at").first()
    order = Order.objects.get(connection=connection, external_id=str(sandbox_order.noths_id))
    page.get_by_role("searchbox").fill(order.number)
    page.get_by_role("button", name="Filter").click()
    expect(pager).to_have_text(re.compile(r"^\s*1 order\s*$"))
    expect(pager.get_by_role("link")).to_have_count(0)  # one page: nothing newer or older
    main.get_by_role("link", name=order.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {order.number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")
    page.get_by_label("Tracking number").fill(TRACKING)
    page.get_by_label("Tracking URL").fill(TRACKING_URL)
    page.get_by_role("button", name="Mark dispatched").click()
    expect(page.get_by_role("status")).to_contain_text(f"Dispatch of order {order.number} recorded.")
    shipment = page.locator(".shipment")
    expect(shipment).to_contain_text("tracking RM12345678GB")
    expect(shipment.get_by_role("link", name="tracking link")).to_have_attribute("href", TRACKING_URL)

    # Nothing can be dispatched twice while the push is under way.
    expect(page.get_by_role("button", name="Mark dispatched")).to_have_count(0)
    # The order page refreshes itself while the worker talks to NOTHS, and shows the outcome
    # only with the order read back from NOTHS.
    title = page.get_by_role("heading", level=1)
    expect(shipment).to_contain_text("Sent to NOTHS: Done", timeout=WORKER_TIMEOUT)
    expect(title).to_contain_text("Dispatched", timeout=1_000)  # the order's status, not only the push's
    expect(shipment).to_contain_text("NOTHS marked the order dispatched with tracking RM12345678GB")
    expect(page.get_by_role("button", name="Mark dispatched")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("NOTHS marked the order dispatched")

    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "dispatched"
    assert sandbox_order.tracking_number == "RM12345678GB"
    assert sandbox_order.parcel_tracking_url == TRACKING_URL
    action = OutboundAction.objects.get(order=order, kind=OutboundAction.Kind.SHIPMENT)
    assert (action.state, action.attempts) == (OutboundAction.State.DONE, 1)


def test_the_import_date_default_shows_in_the_add_account_dialog(page: Page, live_server, maria):
    page.goto(f"{live_server.url}/signin/?next=/connections/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("row").filter(has_text="NOTHS").get_by_role("button", name="Add Account").click()
    default = (timezone.localdate() - timedelta(days=DEFAULT_IMPORT_DAYS)).isoformat()
    expect(page.get_by_role("dialog").get_by_label("Import orders placed from")).to_have_value(default, timeout=1_000)
