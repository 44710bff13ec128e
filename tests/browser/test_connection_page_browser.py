"""In a real browser: the Copy buttons put the webhook URL, the webhook secret and a new API token on
the clipboard and say "Copied"; a webhook secret lost with its tab is shown again for the member's
password; a first automatic download is announced with its progress.

Screenshots go to SHOTS_DIR when it is set (page-webhook-reveal.png, page-connection-running.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AuditEntry
from connections.models import Connection, SyncRun
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from portal.models import Heartbeat
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def maria(transactional_db):
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    return MembershipFactory(merchant=MerchantFactory(name="Demo Gifts"), user__username="maria")


def sign_in(page: Page, live_server) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def clipboard(page: Page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def shoot(page: Page, name: str) -> None:
    if shots := os.environ.get("SHOTS_DIR"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def schedule_starts_the_first_download(connection, **counts) -> SyncRun:
    """What the scheduler's tick does after Add Account: the first fetch, running, with these counts so far."""
    now = timezone.now()
    return SyncRun.objects.create(
        connection=connection,
        trigger=SyncRun.Trigger.SCHEDULED,
        status=SyncRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        **counts,
    )


def test_copy_buttons_and_the_secret_shown_again_after_leaving_the_page(page: Page, live_server, maria):
    connection = make_partner_connection(maria.merchant, name="chain")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/connections/{connection.pk}/")
    card = page.locator("#webhook")
    status = page.locator("[aria-live=polite]").filter(has_text="Copied the")

    # The first visit shows the secret once; both values copy with one click each.
    card.get_by_role("button", name="Copy the webhook URL").click()
    expect(status).to_have_text("Copied the webhook URL.")
    assert clipboard(page).endswith(f"/webhooks/partner/{connection.webhook_id}/")
    card.get_by_role("button", name="Copy the webhook secret").click()
    expect(status).to_have_text("Copied the webhook secret.")
    assert clipboard(page) == PARTNER_WEBHOOK_SECRET

    # The merchant opens the Partner Portal in this tab, and comes back: the secret is hidden.
    page.goto(f"{live_server.url}/sandbox/")
    page.go_back()
    page.reload()
    expect(card).not_to_contain_text(PARTNER_WEBHOOK_SECRET)

    # A wrong password is refused in words; the right one shows the secret again, without a rotation.
    card.get_by_label("Your password").fill("not-my-password")
    card.get_by_role("button", name="Show the secret again").click()
    expect(card).to_contain_text("That is not your password")
    expect(card).not_to_contain_text(PARTNER_WEBHOOK_SECRET)
    card.get_by_label("Your password").fill(PASSWORD)
    card.get_by_role("button", name="Show the secret again").click()
    expect(card.locator("#webhook-secret-value")).to_have_text(PARTNER_WEBHOOK_SECRET)
    expect(card).to_contain_text("Shown again at your request")
    card.get_by_role("button", name="Copy the webhook secret").click()
    expect(card.get_by_role("button", name="Copy the webhook secret")).to_have_text("Copied")
    assert clipboard(page) == PARTNER_WEBHOOK_SECRET
    shoot(page, "page-webhook-reveal.png")

    assert AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK_SECRET_REVEALED, actor=maria.user).count() == 1
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK_SECRET_ROTATED).exists()


def test_a_new_api_token_copies_with_one_click(page: Page, live_server, maria):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/settings/api-tokens/")
    page.get_by_label("Name").fill("Warehouse")
    page.get_by_role("button", name="Make token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("pt_")
    page.get_by_role("button", name="Copy the new API token").click()
    expect(page.locator("[aria-live=polite]").filter(has_text="Copied the")).to_have_text("Copied the new API token.")
    assert clipboard(page) == token


def test_the_first_automatic_download_is_announced_with_its_progress(page: Page, live_server, maria):
    connection = ConnectionFactory(merchant=maria.merchant, name="itest", status=Connection.Status.SYNCING)
    schedule_starts_the_first_download(
        connection, pages=4, orders_seen=200, total_expected=480, created=190, skipped=10
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/connections/")
    expect(page.get_by_role("row").filter(has_text="itest")).to_contain_text(
        "The first download started automatically at"
    )
    page.get_by_role("link", name="itest").click()
    expect(page.locator("#first-download")).to_contain_text("started automatically at")
    expect(page.locator("#first-download")).to_contain_text("is running now")
    expect(page.locator("#next-sync")).to_contain_text("a fetch is running now")
    expect(page.get_by_role("button", name="Fetching…")).to_be_disabled()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "41")
    expect(page.locator(".progress-text")).to_contain_text("200 of 480 orders read, 190 new")
    expect(page.locator(".progress-text")).to_contain_text("10 not imported")
    shoot(page, "page-connection-running.png")


def test_the_page_waiting_for_the_first_download_shows_it_once_it_starts(page: Page, live_server, maria):
    connection = ConnectionFactory(merchant=maria.merchant, name="itest", next_sync_at=timezone.now())
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/connections/{connection.pk}/")
    notice = page.locator("#first-download")
    expect(notice).to_contain_text("The first download starts automatically within a minute")
    # The scheduler's tick starts it; the page, left open, notices without a click.
    schedule_starts_the_first_download(connection)
    expect(notice).to_contain_text("started automatically at", timeout=10_000)
    expect(page.locator("#next-sync")).to_contain_text("a fetch is running now")
