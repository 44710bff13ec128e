"""The admin's busiest lists at a laptop's width: every column in view, none cut off on the right."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from connections.platforms.partner.tests.fixtures import make_partner_connection
from orders.models import Order
from portal.models import Merchant
from tests.factories import ConnectionFactory
from tests.support.admin_browser import save_shot, sign_in_to_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
# A NOTHS refusal as the list shows it: the longest thing a row usually holds.
REFUSAL = (
    "NOTHS refused the token (401 Unauthorized: the API key is not valid for this shop). "
    "Paste the Consumer Key from NOTHS Settings → API access again."
)


@pytest.fixture
def fleet(db):
    """Connections of every kind, as support sees them on a busy day, with orders."""
    now = timezone.now()
    demo = Merchant.objects.create(name="Demo Gifts Ltd (Homewares & Personalised Presents)")
    crafts = Merchant.objects.create(name="Other Crafts Co")
    rows = []
    for n, platform in enumerate(["noths", "noths", "nuorder", "shopify", "noths"]):
        rows.append(
            ConnectionFactory(
                merchant=demo if n % 2 else crafts,
                platform=platform,
                name=f"demo-gifts-outlet-{platform}-{n}",
                store_name="Demo Gifts Outlet Store",
                last_success_at=now - timedelta(minutes=13 * n),
                next_sync_at=now + timedelta(minutes=30),
                last_error=REFUSAL if n % 2 else "",
                status="needs_attention" if n % 2 else "connected",
            )
        )
    rows.append(make_partner_connection(demo, name="foodpanda-chain-berlin-mitte"))
    for n, connection in enumerate(rows):
        Order.objects.create(
            connection=connection,
            merchant=connection.merchant,
            external_id=f"EXT-{n:09d}",
            number=f"NOTHS-{n:09d}-GB",
            status="pending",
            platform_status="placed (awaiting acceptance)",
            total=Decimal("1234.56"),
            currency="GBP",
            placed_at=now - timedelta(hours=n),
        )
    return rows


def overflow(page: Page) -> dict:
    """How far the list's last column reaches, against the window and the list's own box."""
    return page.evaluate(
        """() => {
            const heads = document.querySelectorAll('#result_list thead th');
            const last = heads[heads.length - 1].getBoundingClientRect();
            const box = document.querySelector('#changelist .results');
            return {
                lastRight: last.right,
                boxRight: box.getBoundingClientRect().right,
                boxScroll: box.scrollWidth - box.clientWidth,
                pageScroll: document.documentElement.scrollWidth - window.innerWidth,
                window: window.innerWidth,
            };
        }"""
    )


def assert_fits(page: Page) -> None:
    reach = overflow(page)
    assert reach["lastRight"] <= reach["window"], reach
    assert reach["lastRight"] <= reach["boxRight"] + 1, reach
    assert reach["boxScroll"] <= 0 and reach["pageScroll"] <= 0, reach


@pytest.mark.parametrize(
    ("path", "shot"), [("connections/connection", "connection-list"), ("orders/order", "order-list")]
)
def test_a_list_fits_a_laptop_screen(page: Page, live_server, settings, fleet, path, shot):
    """Every column in view at 1280 x 800: the last one's right edge inside the window and the list's box."""
    page.set_viewport_size(LAPTOP)
    sign_in_to_admin(page, live_server.url, settings)
    page.goto(f"{live_server.url}/admin/{path}/")
    assert page.locator("#result_list tbody tr").count() == len(fleet)
    save_shot(page, f"admin-{shot}.png")
    assert_fits(page)
