"""A staff member, in a real browser, with the admin asking for a second factor: signed in by
password, led to set up an authenticator app, shown the recovery codes once, into the admin;
then, another day, signing in to the admin with the password and a code from the app."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.support.two_factor import app_code, key_of_secret, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_set_up_an_authenticator_then_sign_in_to_the_admin_with_a_code(page: Page, live_server, settings):
    settings.ADMIN_REQUIRE_2FA = True
    staff_user(username="olga")

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_label("Code")).to_be_visible()
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()  # no code yet: there is no app to take it from

    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next=%2Fadmin%2F$"))
    expect(page.get_by_text("Set up an authenticator app first.")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    key = key_of_secret(page.locator("[data-secret]").inner_text())  # typed into the app by hand
    page.get_by_label("Code").fill(app_code(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert TOTPDevice.objects.get(user__username="olga").confirmed

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(app_code(key, steps_ahead=1))  # the app's next code: each is good once
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    expect(page.get_by_role("link", name="TOTP devices")).to_be_visible()
