"""In a real browser: a merchant locked out after five wrong passwords, and staff unlocking them in the admin."""

import os

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("LOCKOUT_SCREENSHOTS")  # a folder, to look at the pages


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, username: str, password: str, button: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=button).click()


def test_a_locked_out_merchant_is_told_and_staff_unlock_them(page: Page, live_server, merchant, settings):
    # Behind the TLS proxy, so that the merchant and staff come from addresses of their own:
    # from one address, the merchant's failures would lock staff's sign-in out too.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    page.set_extra_http_headers({"X-Forwarded-For": "198.51.100.20"})
    MembershipFactory(merchant=merchant, user__username="maria")
    get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    signin = f"{live_server.url}/signin/"

    for _ in range(4):
        sign_in(page, signin, "maria", "not-her-password", "Sign in")
        expect(page.get_by_text("Your username or password was not right")).to_be_visible()
    sign_in(page, signin, "maria", "not-her-password", "Sign in")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Too many failed sign-ins for this account or address. Try again in 15 minutes")
    sign_in(page, signin, "maria", PASSWORD, "Sign in")  # the right password, refused while locked
    expect(page.get_by_role("alert")).to_contain_text("ask support to unlock it")
    shot(page, "merchant-locked")

    # Staff, in another browser, unlock her from the admin.
    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.set_extra_http_headers({"X-Forwarded-For": "203.0.113.9"})
    sign_in(staff, f"{live_server.url}/admin/login/", "boss", PASSWORD, "Log in")
    staff.goto(f"{live_server.url}/admin/axes/accessattempt/?q=maria")
    expect(staff.locator("#result_list")).to_contain_text("Locked Out")
    staff.locator("#action-toggle").check()
    staff.locator("select[name=action]").select_option("unlock")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("Unlocked: maria from 198.51.100.20. They may sign in again.")
    shot(staff, "admin-unlocked")
    staff.context.close()

    sign_in(page, signin, "maria", PASSWORD, "Sign in")
    expect(page.get_by_text(merchant.name, exact=True)).to_be_visible()


def test_the_admin_login_says_the_lockout_in_the_admins_page(page: Page, live_server, db):
    get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    for _ in range(5):
        sign_in(page, f"{live_server.url}/admin/login/", "boss", "wrong", "Log in")
    expect(page.locator(".errornote")).to_contain_text("Too many failed sign-ins for this account or address.")
    shot(page, "admin-locked")
