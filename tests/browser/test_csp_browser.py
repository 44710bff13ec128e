"""Every kind of page works under the Content-Security-Policy, in a real browser.

The policy allows only the portal's own files: no inline script or style. Chromium reports
each thing it refuses on the console ("... violates the following Content Security Policy
directive ..."); a merchant's pages, the API docs (Swagger UI), the admin and the sandbox
are visited and none may draw such a report, nor a script error.
"""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from connections.models import SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.sync import execute, request_sync
from orders.models import Order
from tests.factories import MembershipFactory, UserFactory
from tests.support.browser_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_REPORT = "Content Security Policy"


class Console:
    """What the page said on the console about the policy, and the scripts that failed."""

    def __init__(self, page: Page):
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        self.page = page

    def _console(self, message):
        if CSP_REPORT in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def visit(self, url: str):
        response = self.page.goto(url)  # "load": every script and style has been fetched and run or refused
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        return response

    def assert_clean(self):
        assert not self.violations, "Refused by the Content-Security-Policy:\n" + "\n".join(self.violations)
        assert not self.errors, "Script errors:\n" + "\n".join(self.errors)


@pytest.fixture
def console(page):
    return Console(page)


@pytest.fixture
def shop(merchant, sandbox_connection, sandbox_account):
    """Maria's merchant with a NOTHS connection that has fetched a few orders, and a Partner API
    chain whose webhook secret has not been shown yet."""
    membership = MembershipFactory(merchant=merchant, user__username="maria")
    generate_orders(sandbox_account, 3, states=("placed", "accepted"), seed=7)
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    execute(run.pk)
    assert Order.objects.filter(connection=sandbox_connection).exists()
    chain = make_partner_connection(merchant)
    return {"member": membership.user, "noths": sandbox_connection, "chain": chain, "run": run}


def same_site_links(page: Page, prefix: str) -> list[str]:
    """The page's links to pages under `prefix` on this site, each once, in order."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    seen = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        path = urlsplit(url).path
        if urlsplit(url).netloc == urlsplit(page.url).netloc and path.startswith(prefix) and url not in seen:
            seen.append(url)
    return seen


def test_the_policy_is_enforced_and_reported(page: Page, live_server, console):
    """The check below can fail: an inline script is refused, and the refusal is seen."""
    response = console.visit(f"{live_server.url}/signin/")
    policy = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert len(console.violations) == 1 and "script-src" in console.violations[0]


def test_sign_in_and_error_pages_work_under_the_policy(page: Page, live_server, console):
    base = live_server.url
    console.visit(f"{base}/admin/login/")
    assert page.goto(f"{base}/no-such-page/").status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    console.visit(f"{base}/signin/")
    page.context.clear_cookies()  # the form's CSRF cookie is gone: the post is refused
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This form could not be accepted")).to_be_visible()
    expect(page.locator("main")).to_contain_text("allows cookies for this site")
    console.assert_clean()


def test_merchant_pages_work_under_the_policy(page: Page, live_server, shop, console):
    base = live_server.url
    console.visit(f"{base}/signin/")
    sign_in(page, base, "maria")
    noths, chain, run = shop["noths"], shop["chain"], shop["run"]
    order = Order.objects.filter(connection=noths).order_by("id").first()

    console.visit(f"{base}/downloads/")
    console.visit(f"{base}/connections/")
    page.get_by_role("button", name="Add Account").first.click()  # the dialog is portal.js's
    expect(page.locator("dialog[open]")).to_be_visible()
    console.visit(f"{base}/connections/{noths.pk}/")
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    assert page.eval_on_selector(".progress .bar span", "s => s.getBoundingClientRect().width") > 0
    console.visit(f"{base}/connections/{noths.pk}/edit/")
    console.visit(f"{base}/connections/{noths.pk}/runs/{run.pk}/")
    console.visit(f"{base}/connections/{chain.pk}/")
    expect(page.locator("code.secret-once")).to_be_visible()  # the page that shows the webhook secret once
    console.visit(f"{base}/connections/new/")
    console.visit(f"{base}/orders/")
    console.visit(f"{base}/orders/{order.pk}/")
    console.visit(f"{base}/orders/not-imported/")
    console.visit(f"{base}/settings/api-tokens/")
    page.get_by_label("Name").fill("Warehouse")
    page.get_by_role("button", name="Make token").click()
    expect(page.locator("code.secret-once")).to_contain_text("pt_")
    console.assert_clean()


def test_swagger_ui_renders_under_the_policy(page: Page, live_server, console):
    console.visit(f"{live_server.url}/api/docs/")
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 4
    operations.first.locator(".opblock-summary").click()  # expanding one runs Swagger UI's scripts
    expect(page.locator(".swagger-ui .opblock.is-open")).to_have_count(1)
    console.assert_clean()


def test_admin_pages_work_under_the_policy(page: Page, live_server, shop, console):
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    base = live_server.url
    sign_in(page, base, "staff")
    console.visit(f"{base}/admin/")
    # Every list and every add form the index links to (the forms have the admin's widgets and scripts).
    lists_and_forms = [url for url in same_site_links(page, "/admin/") if re.search(r"/admin/\w+/\w+/(add/)?$", url)]
    assert len(lists_and_forms) > 20, lists_and_forms
    order = Order.objects.filter(connection=shop["noths"]).first()
    connection = f"{base}/admin/connections/connection/{shop['noths'].pk}"
    for url in [
        *lists_and_forms,
        f"{connection}/change/",  # its timeline
        f"{connection}/credentials/",  # Replace credentials
        f"{base}/admin/orders/order/{order.pk}/change/",  # the raw payload
    ]:
        console.visit(url)
    console.assert_clean()


def test_sandbox_pages_work_under_the_policy(page: Page, live_server, transactional_db, console):
    call_command("sandbox_seed", stdout=StringIO())  # every platform's demo accounts, and their pages
    console.visit(f"{live_server.url}/sandbox/")
    pages = [url for url in same_site_links(page, "/sandbox/") if "/api/" not in url]
    assert pages, "the sandbox's index links to each platform's pages"
    for url in pages:
        console.visit(url)
    console.assert_clean()


def test_account_and_two_factor_pages_work_under_the_policy(page: Page, live_server, merchant, console, settings):
    """Password change and reset, and a staff member's enrolment page with its QR code (inline SVG)."""
    settings.ADMIN_REQUIRE_2FA = True
    MembershipFactory(merchant=merchant, user__username="maria")
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    base = live_server.url
    for url in ("/account/password-reset/", "/account/password-reset/sent/"):
        console.visit(f"{base}{url}")
    sign_in(page, base, "maria")
    console.visit(f"{base}/account/password/")
    page.context.clear_cookies()
    sign_in(page, base, "staff")
    console.visit(f"{base}/account/two-factor/")
    expect(page.locator("svg").first).to_be_visible()  # the QR code, drawn without any inline style or script
    console.assert_clean()
