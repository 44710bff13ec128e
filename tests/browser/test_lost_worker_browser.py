"""A merchant watching a fetch sees its worker lost as it happens, then the fetch resume, without
reloading the page. (A real worker killed with SIGKILL: tests/e2e/test_lost_worker.py.)"""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from connections.models import Connection, SyncRun
from connections.sync import claim, request_sync
from portal.models import Heartbeat
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched_run(transactional_db, settings):
    """A fetch of 5,000 orders, 1,500 read, that a worker took on; no worker beats for it here."""
    settings.SYNC_LOST_SECONDS = 2
    membership = MembershipFactory(merchant=MerchantFactory(name="Demo Gifts"), user__username="maria")
    connection = ConnectionFactory(merchant=membership.merchant, name="itest")
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    assert claim(run.pk, uuid.uuid4())
    SyncRun.objects.filter(pk=run.pk).update(pages=15, orders_seen=1500, total_expected=5000)
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.SYNCING)
    return connection, run


def test_the_connection_page_says_worker_lost_as_it_happens_then_resuming(page: Page, live_server, watched_run):
    connection, run = watched_run
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/connections/{connection.pk}/")
    page.evaluate("window.notReloaded = true")
    progress = page.get_by_role("main").locator(".progress")
    expect(progress.locator(".run-status")).to_have_text("Running")
    expect(progress).to_contain_text("1500 of 5000 orders read")
    lost = progress.get_by_role("status")
    expect(lost).to_be_hidden()

    # Two seconds without a heartbeat (SYNC_LOST_SECONDS here): the page says so by itself.
    expect(lost).to_contain_text("Worker lost at", timeout=6000)
    at = f"{timezone.localtime(SyncRun.objects.get(pk=run.pk).heartbeat_at):%H:%M}"
    expect(lost).to_have_text(f"Worker lost at {at} (its last sign of life); resuming from the last saved page…")
    expect(progress.locator(".run-status")).to_have_text("Worker lost")
    expect(progress).to_contain_text("1500 of 5000 orders read")

    # A new worker takes the run over: the page says it runs again.
    assert claim(run.pk, uuid.uuid4())
    expect(lost).to_be_hidden(timeout=5000)
    expect(progress.locator(".run-status")).to_have_text("Running")
    assert page.evaluate("window.notReloaded") is True
