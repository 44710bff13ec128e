"""In a real browser: a chain's owner with 30 outlets pages through Order downloads, presses Fetch
Orders on the second page and is brought back to it, finds an outlet by name, and does the same on
Manage Connection; the order list's filter offers every outlet."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from connections.models import SyncRun
from portal.models import Heartbeat
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTLETS = 30


@pytest.fixture
def chain(transactional_db):
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    membership = MembershipFactory(merchant=MerchantFactory(name="Noodle Chain"), user__username="maria")
    return [ConnectionFactory(merchant=membership.merchant, name=f"Outlet {n:02d}") for n in range(OUTLETS)]


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def outlet_rows(page: Page):
    return page.locator("table.list tbody tr").filter(has=page.get_by_role("link", name=re.compile("Outlet")))


def test_order_downloads_a_page_at_a_time_with_fetch_orders_and_a_search(page: Page, live_server, chain):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/downloads/")
    expect(page.get_by_text(f"{OUTLETS} connections")).to_be_visible()
    expect(outlet_rows(page)).to_have_count(25)
    expect(page.get_by_text("page 1 of 2")).to_be_visible()

    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"/downloads/\?page=2$"))
    expect(outlet_rows(page)).to_have_count(OUTLETS - 25)
    row = page.locator("tr", has=page.get_by_role("link", name="NOTHS · Outlet 27"))
    row.get_by_role("button", name="Fetch Orders").click()
    expect(page).to_have_url(re.compile(r"/downloads/\?page=2$"))
    expect(page.get_by_text("page 2 of 2")).to_be_visible()
    assert SyncRun.objects.filter(connection=chain[27]).exists()

    page.get_by_label("Find a connection by name").fill("outlet 1")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("10 connections match")).to_be_visible()
    expect(outlet_rows(page)).to_have_count(10)
    expect(page.locator(".pager")).to_have_count(0)

    page.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(re.compile(r"/downloads/$"))
    expect(outlet_rows(page)).to_have_count(25)


def test_manage_connection_pages_and_finds_and_the_order_list_offers_every_outlet(page: Page, live_server, chain):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/connections/")
    expect(outlet_rows(page)).to_have_count(25)
    page.get_by_role("link", name="Next →").click()
    expect(outlet_rows(page)).to_have_count(OUTLETS - 25)
    page.get_by_label("Find a connection by name").fill("Kiosk")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("No connection's name holds “Kiosk”.")).to_be_visible()

    page.goto(f"{live_server.url}/orders/")
    picker = page.get_by_label("Connection")
    expect(picker.locator("option")).to_have_count(OUTLETS + 1)
    picker.select_option(label="NOTHS · Outlet 29")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"connection={chain[29].pk}"))
    expect(page.get_by_label("Connection")).to_have_value(str(chain[29].pk))
