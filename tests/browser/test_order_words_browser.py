"""A merchant, in a real browser, reads orders in each platform's words and sees one way forward.

A Partner API order: no raw code, a coloured badge, the promised time in the portal's style.
A NOTHS order awaiting acceptance: Accept alone. A refused dispatch: the refusal and one Retry.
Screenshots go to SHOTS_DIR when it is set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from connections.platforms.base import OrderRecord
from connections.platforms.partner.orders import normalize_order
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.ingest import ingest_page
from orders.models import Order, OutboundAction, Shipment
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAW = re.compile(r"\b[A-Z]+_[A-Z_]+\b|\b(RECEIVED|NOT_PROCESSED)\b|\d{4}-\d\d-\d\dT\d\d:")
REFUSAL = "The dispatch note must be printed before dispatch (HTTP 422)."
WAY_OUT = (
    "NOTHS only lets an order be dispatched once its dispatch note has been printed. "
    "Click Download dispatch note on this page (or print it in NOTHS), then Retry."
)


@pytest.fixture
def merchant(transactional_db):
    membership = MembershipFactory(
        merchant=MerchantFactory(name="Demo Gifts", timezone="Asia/Singapore"), user__username="maria"
    )
    return membership.merchant


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Demo Gifts", exact=True)).to_be_visible()


def a_noths_order(merchant, number: str, status: str, platform_status: str) -> Order:
    connection = ConnectionFactory(merchant=merchant, name="gifts")
    return Order.objects.create(
        connection=connection,
        merchant=merchant,
        external_id=number,
        number=number,
        status=status,
        platform_status=platform_status,
    )


def shoot(page: Page, name: str) -> None:
    if shots := os.environ.get("SHOTS_DIR"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def test_a_partner_order_reads_in_words_with_a_coloured_badge(page: Page, live_server, merchant):
    connection = make_partner_connection(merchant, name="Orchard grocer")
    raw = partner_order(status="RECEIVED")
    ingest_page(connection, [OrderRecord(raw["order_id"], raw, normalize_order)])
    order = Order.objects.get()

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/orders/")
    main = page.get_by_role("main")
    status = main.get_by_label("Status")
    expect(status.locator("option")).to_have_text(["Any status", *[s.words for s in connection.adapter.states]])
    row = main.get_by_role("row").filter(has_text=order.number)
    expect(row.locator(".status")).to_have_text("Received")

    main.get_by_role("link", name=order.number).click()
    badge = page.get_by_role("heading", level=1).locator(".status")
    expect(badge).to_have_text("Received")
    colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(238, 241, 245)")  # the tone's colour, not the plain pill
    expect(main).to_contain_text(re.compile(r"Promised for\s*20 Nov 2026, 17:45"))  # 09:45 UTC in Singapore
    expect(main).to_contain_text(re.compile(r"Delivery\s*A platform rider collects it"))
    expect(main.locator("table.items")).to_contain_text("Picking: Not picked yet")
    expect(main.locator(".timeline")).to_contain_text("Imported from Partner API: Received.")
    text = main.inner_text()
    assert not RAW.search(text), RAW.search(text)
    shoot(page, "words-partner-order.png")


def test_a_noths_order_awaiting_acceptance_offers_accept_alone(page: Page, live_server, merchant):
    order = a_noths_order(merchant, "N-9", "pending", "placed")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1).locator(".status")).to_have_text("Placed")
    expect(main.get_by_role("button")).to_have_text(["Accept order"])
    expect(main.get_by_label("Tracking number")).to_have_count(0)


def test_a_refused_dispatch_shows_the_refusal_and_one_way_forward(page: Page, live_server, merchant):
    order = a_noths_order(merchant, "N-7", "accepted", "accepted")
    shipment = Shipment.objects.create(order=order, tracking_number="RM12345678GB", carrier="Royal Mail")
    OutboundAction.objects.create(
        order=order,
        kind=OutboundAction.Kind.SHIPMENT,
        shipment=shipment,
        state=OutboundAction.State.REJECTED,
        attempts=1,
        last_error=REFUSAL,
        help_text=WAY_OUT,
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    main = page.get_by_role("main")
    refusal = main.locator(".shipment")
    expect(refusal).to_contain_text("NOTHS refused the dispatch")
    expect(refusal).not_to_contain_text("Dispatched")
    expect(refusal).to_contain_text(REFUSAL)
    expect(refusal).to_contain_text(WAY_OUT)
    expect(refusal.get_by_label("Tracking number")).to_have_value("RM12345678GB")
    expect(main.get_by_role("button")).to_have_text(["Retry"])  # one way forward, inside the refusal
    expect(main.get_by_role("button", name="Mark dispatched")).to_have_count(0)
    shoot(page, "words-refused-dispatch.png")

    refusal.get_by_role("button", name="Retry").click()  # sends the corrected details again (a new push)
    expect(page.get_by_role("status")).to_contain_text("Dispatch of order N-7 recorded.")
    assert order.shipments.count() == 2
