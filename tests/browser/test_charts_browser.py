"""The charts, in a real browser: drawn on the canvas (ink on it, and Chart.js holding the figures),
the same figures as the numbers table beside them, and nothing refused by the Content-Security-Policy.

With SHOTS_DIR set, each test saves a screenshot of what it checked there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from connections.models import Connection, Problem, SyncRun, WebhookEvent
from connections.platforms import registry
from portal.models import Heartbeat
from tests.browser.test_csp_browser import Console, sign_in
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory, MerchantFactory
from tests.support.charts import finished_run, imported, local, problem, webhook_events
from tests.support.two_factor import enrolled_staff, next_app_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a canvas holds: how many pixels have ink, and Chart.js's own figures (null: no chart on it).
DRAWN = """canvas => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) inked++;
  const chart = Chart.getChart(canvas);
  return {
    inked: inked,
    labels: chart ? chart.data.labels : null,
    datasets: chart ? chart.data.datasets.map(d => ({label: d.label, data: d.data})) : null,
  };
}"""
# The numbers table: its row labels and each column's name and data-value (null where empty).
NUMBERS = """table => ({
  labels: Array.from(table.tBodies[0].rows, row => row.cells[0].dataset.label),
  columns: Array.from(table.tHead.rows[0].cells).slice(1).map((head, n) => ({
    label: head.textContent.trim(),
    data: Array.from(table.tBodies[0].rows, row => {
      const value = row.cells[n + 1].dataset.value;
      return value === "" ? null : Number(value);
    }),
  })),
})"""


def shot(page_or_element, name: str) -> None:
    if folder := os.environ.get("SHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        options = {"full_page": True} if isinstance(page_or_element, Page) else {}
        page_or_element.screenshot(path=str(Path(folder) / f"charts-{name}.png"), **options)


def assert_drawn_from_its_numbers(page: Page, canvas_selector: str, column: int | None = None) -> dict:
    """The canvas has ink on it, and Chart.js holds exactly the figures of its numbers table."""
    # The canvas is visible as soon as the page is parsed; Chart.js and charts.js are deferred scripts,
    # run before the page has loaded. Read before then, `Chart` is not defined yet.
    page.wait_for_load_state("load")
    canvas = page.locator(canvas_selector)
    expect(canvas).to_be_visible()
    drawn = canvas.evaluate(DRAWN)
    assert drawn["datasets"] is not None, f"{canvas_selector}: no chart on the canvas"
    assert drawn["inked"] > 200, f"{canvas_selector}: the canvas is blank"
    table = page.locator(f"#{canvas.get_attribute('data-numbers')}")
    numbers = table.evaluate(NUMBERS)
    assert drawn["labels"] == numbers["labels"]
    columns = numbers["columns"] if column is None else [numbers["columns"][column]]
    assert drawn["datasets"] == columns
    return numbers


@pytest.fixture
def console(page):
    return Console(page)


@pytest.fixture
def maria_shop(transactional_db):
    """Maria's merchant: two connections with a month of imported orders and fetches."""
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    merchant = MerchantFactory(name="Demo Gifts", timezone="UTC")
    MembershipFactory(merchant=merchant, user__username="maria")
    shop = ConnectionFactory(merchant=merchant, name="giftshop")
    second = ConnectionFactory(merchant=merchant, name="wholesale")
    for back in range(30):
        imported(shop, *[local(back, 6 + n % 12) for n in range((back * 7) % 11)])
        imported(second, *[local(back, 9)] * (back % 4))
        finished_run(shop, local(back, 2), 2 + (back % 5) * 1.5)
        finished_run(shop, local(back, 14), 4 + (back % 3))
        if back % 3 == 0:
            finished_run(shop, local(back, 3), 20 + back, kind=SyncRun.Kind.RECONCILE)
    theirs = ConnectionFactory(merchant=MerchantFactory(name="Other Crafts"), name="their-secret-shop")
    imported(theirs, *[local(0, 9)] * 40)
    return {"shop": shop, "second": second}


def test_the_connection_page_draws_orders_per_day_and_fetch_durations(page: Page, live_server, maria_shop, console):
    base = live_server.url
    console.visit(f"{base}/signin/")
    sign_in(page, base, "maria")
    console.visit(f"{base}/connections/{maria_shop['shop'].pk}/")

    orders = assert_drawn_from_its_numbers(page, "#chart-orders-imported canvas")
    assert sum(orders["columns"][0]["data"]) == sum((back * 7) % 11 for back in range(30))
    durations = assert_drawn_from_its_numbers(page, "#chart-fetch-durations canvas")
    assert [column["label"] for column in durations["columns"]] == [
        "Fetch: average",
        "Fetch: longest",
        "Check of open orders: average",
        "Check of open orders: longest",
    ]
    checks = durations["columns"][2]["data"]
    assert checks[-1] == 20.0 and checks[-2] is None  # a check every third day: gaps between

    section = page.locator("#charts")
    expect(section.get_by_role("img", name=re.compile(r"^Orders imported per day, last 30 days"))).to_be_visible()
    numbers = section.locator("#chart-orders-imported details")
    expect(numbers.locator("table")).to_be_hidden()
    numbers.get_by_text("Show the numbers").click()
    expect(numbers.locator("table")).to_be_visible()
    expect(numbers.locator("caption")).to_have_text("Orders imported per day")
    shot(section, "connection")
    console.assert_clean()


def test_order_downloads_draws_a_trend_per_connection(page: Page, live_server, maria_shop, console):
    base = live_server.url
    console.visit(f"{base}/signin/")
    sign_in(page, base, "maria")
    console.visit(f"{base}/downloads/")

    trends = page.locator("#orders-trends")
    expect(trends.locator("canvas.sparkline")).to_have_count(2)  # Maria's two, not the other merchant's
    expect(trends).not_to_contain_text("their-secret-shop")
    for n in range(2):
        assert_drawn_from_its_numbers(page, f"#orders-trends canvas[data-column='{n}']", column=n)
    second_total = sum(back % 4 for back in range(30))
    expect(trends.get_by_role("img", name=re.compile(rf"wholesale: {second_total} orders imported"))).to_be_visible()
    shot(page, "downloads")
    console.assert_clean()


@pytest.fixture
def fleet(transactional_db):
    """Connections on every platform in every health, a month of problems and webhook events."""
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    merchant = MerchantFactory(name="Fleet")
    statuses = [Connection.Status.CONNECTED] * 4 + [Connection.Status.PAUSED, Connection.Status.PENDING]
    causes = list(Problem.Cause)
    made = 0
    for n, platform in enumerate(registry.all_platforms()):
        for m, status in enumerate(statuses[: 6 - n]):
            made += 1
            connection = ConnectionFactory(merchant=merchant, platform=platform.key, status=status, token=False)
            if m == n:
                problem(connection, local(n, 9))
        for back in range(0, 30, 2):
            webhook_events(connection, local(back, 10), 3 + (back + n) % 5)
            if back % 6 == 0:
                webhook_events(connection, local(back, 11), 1, state=WebhookEvent.State.FAILED)
    troubled = Connection.objects.filter(merchant=merchant).first()
    for back in range(3, 30, 4):
        problem(troubled, local(back, 8), closed=local(back - 2, 8), cause=causes[back % len(causes)])
    return made


def test_the_admin_fleet_health_page_draws_the_fleet(page: Page, live_server, fleet, console, settings):
    settings.ADMIN_REQUIRE_2FA = True
    _, device, _ = enrolled_staff(username="olga")
    base = live_server.url
    console.visit(f"{base}/admin/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(next_app_code(device))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.get_by_role("link", name=re.compile("Connections by health and platform")).click()
    expect(page).to_have_url(f"{base}/admin/fleet-health/")

    health = assert_drawn_from_its_numbers(page, "#chart-fleet-health canvas")
    assert health["labels"] == [platform.name for platform in registry.all_platforms()]
    assert sum(sum(column["data"]) for column in health["columns"]) == fleet
    problems = assert_drawn_from_its_numbers(page, "#chart-fleet-problems canvas")
    assert [column["label"] for column in problems["columns"]] == ["Opened", "Closed"]
    events = assert_drawn_from_its_numbers(page, "#chart-fleet-webhooks canvas")
    assert sum(sum(column["data"]) for column in events["columns"]) == WebhookEvent.objects.count()
    shot(page, "admin-fleet")
    console.assert_clean()
