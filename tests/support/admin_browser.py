"""Staff in a real browser: signed in to the admin as production has it (password and app code)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.support.two_factor import enrolled_staff, next_app_code


def sign_in_to_admin(page: Page, base: str, settings, username: str = "olga") -> None:
    """A staff member with an authenticator signs in on the admin's own form, a code from the app included."""
    settings.ADMIN_REQUIRE_2FA = True
    _, device, _ = enrolled_staff(username=username)
    page.goto(f"{base}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(next_app_code(device))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def save_shot(page: Page, name: str) -> None:
    """A screenshot for people to look at, only when SHOTS_DIR says where (never needed by a test)."""
    if folder := os.environ.get("SHOTS_DIR"):
        page.screenshot(path=str(Path(folder) / name))
