"""Debian's Chromium driven through Playwright's sync API; never a downloaded browser.

Without /usr/bin/chromium the browser tests are skipped, except under CI (CI set and
non-empty), where a missing browser is a failure: CI is meant to run them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def chromium_path() -> Path:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)."
    if os.environ.get("CI"):
        pytest.fail(f"{message} CI runs the browser tests, so this is a failure.", pytrace=False)
    pytest.skip(f"{message} Browser tests skipped.")


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # Database work done while Playwright runs uses connections of Playwright's own
            # context, which pytest-django does not close; close them, or PostgreSQL refuses
            # to drop the test database.
            from django.db import connections

            connections.close_all()
            browser.close()


@pytest.fixture
def page(browser, request, tmp_path):
    """A fresh browser context and page; on failure, a full-page screenshot goes to tmp_path."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(20_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nScreenshot of the page at the failure ({page.url}): {shot}")
        except Exception as exc:  # a screenshot must never hide the real failure
            print(f"\nNo screenshot: {exc}")
    page.goto("about:blank")  # stop the page's polling before the server and database go
    context.close()
