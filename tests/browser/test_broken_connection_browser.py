"""A merchant, in a real browser, sees a connection broken by a new NOTHS token, fixes it, and
watches the problem close (with one mail when it opened and one when it closed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from connections.models import Connection, Problem, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from connections.sync import execute, request_sync
from portal.models import Heartbeat
from sandbox.models import SandboxAccount
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_TOKEN = "noths-regenerated-token-4b8d2f6a"


@pytest.fixture
def broken_connection(sandbox_account, noths_url, settings):
    """Maria's NOTHS connection, whose token she has since regenerated on NOTHS: the
    scheduled fetch was refused, so a problem is open and she was mailed about it."""
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0
    membership = MembershipFactory(merchant=MerchantFactory(name="Demo Gifts"), user__username="maria")
    generate_orders(sandbox_account, 5, states=("placed",), seed=3)
    connection = ConnectionFactory(
        merchant=membership.merchant,
        name="itest",
        token=SANDBOX_TOKEN,
        base_url_override=noths_url,
        import_from=timezone.localdate() - timedelta(days=30),
    )
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token=NEW_TOKEN)
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.SCHEDULED, enqueue=False)
    execute(run.pk)
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    assert Problem.objects.get().is_open and len(mail.outbox) == 1
    return connection


def test_merchant_sees_a_broken_connection_fixes_the_token_and_the_problem_closes(
    page: Page, live_server, broken_connection
):
    main = page.get_by_role("main")
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # 1. Order downloads says what is wrong, in words, without being asked.
    page.get_by_role("navigation").get_by_role("link", name="Order downloads").click()
    problems = main.locator("#problems")
    expect(problems).to_contain_text("Credentials rejected")
    expect(problems).to_contain_text("Open")
    row = page.get_by_role("row").filter(has_text="NOTHS · itest").last
    expect(row).to_contain_text("Needs attention")

    # 2. The connection's page: the problem and the way out; Edit takes the new token.
    problems.get_by_role("link", name="NOTHS · itest").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs attention")
    expect(main.locator("#problems")).to_contain_text("Open")
    main.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Consumer Key").fill(f" {NEW_TOKEN} ")
    page.get_by_role("button", name="Save").click()

    # 3. Connected again; the problem shows as fixed, here and on Order downloads.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Connected")
    expect(main.locator("#problems")).to_contain_text("Fixed")
    expect(main.locator("#problems")).not_to_contain_text("Open")
    page.get_by_role("navigation").get_by_role("link", name="Order downloads").click()
    expect(main.locator("#problems")).to_contain_text("Fixed")
    expect(page.get_by_role("row").filter(has_text="NOTHS · itest").last).to_contain_text("Connected")
    expect(main).not_to_contain_text(NEW_TOKEN)

    assert Connection.objects.get(pk=broken_connection.pk).status == Connection.Status.CONNECTED
    assert [m.subject for m in mail.outbox] == [
        "itest needs attention: credentials rejected",
        "itest is working again",
    ]
