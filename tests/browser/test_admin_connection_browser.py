"""Staff change a connection's sync options in the admin with the merchant's fields, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from connections.models import Connection
from tests.factories import ConnectionFactory
from tests.support.admin_browser import save_shot, sign_in_to_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_tick_states_and_set_days_then_save(page: Page, live_server, settings, merchant):
    options = {"estimated_dispatch_days": 1, "estimated_delivery_days": 3}
    connection = ConnectionFactory(merchant=merchant, name="demo-gifts", platform_options=options)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_to_admin(page, live_server.url, settings)
    page.goto(f"{live_server.url}/admin/connections/connection/{connection.pk}/change/")

    expect(page.locator(".field-platform_label .readonly")).to_have_text("NOTHS")
    states = page.locator(".field-import_statuses")
    expect(states.get_by_label("Placed (new, waiting for you to accept)")).to_be_checked()
    expect(states.get_by_label("Dispatched")).not_to_be_checked()
    page.get_by_role("heading", name="Sync options").evaluate("heading => heading.scrollIntoView()")
    save_shot(page, "admin-connection-change.png")

    states.get_by_label("Dispatched").check()
    page.get_by_label("Estimated dispatch (working days after accepting)").fill("31")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field-estimated_dispatch_days .errorlist")).to_contain_text("less than or equal to 30")
    assert Connection.objects.get(pk=connection.pk).platform_options == options

    page.get_by_label("Estimated dispatch (working days after accepting)").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = Connection.objects.get(pk=connection.pk)
    assert saved.import_statuses == ["placed", "accepted", "dispatched"]
    assert saved.platform_options == {"estimated_dispatch_days": 2, "estimated_delivery_days": 3}
