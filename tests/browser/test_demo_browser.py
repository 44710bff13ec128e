"""`python3.11 dev.py run`, as the README's first command: a short banner, then quiet, and the
portal's own pages (its 404 included) with their stylesheet, never Django's debug page; and
Ctrl-C stops everything it started."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.dev_run import running_demo

pytestmark = [pytest.mark.browser, pytest.mark.qcluster]

SIGN_INS = ("demo / demo-portal-pass", "other / other-portal-pass", "staff / staff-portal-pass")
# Secrets of the sandbox's demo accounts, which only --verbose prints.
SANDBOX_SECRETS = (
    "noths-demo-7f3a9c2e5b8d4f1a",
    "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",
    "fp-demo-token-3c9e1a7f5b2d4e6a8c0f",
)


def test_the_demo_prints_a_short_banner_and_shows_the_portals_own_404(page, tmp_path):
    with running_demo(tmp_path) as demo:
        banner = demo.output()
        response = page.goto(f"{demo.base}/no-such-page/")
        assert response.status == 404
        heading = page.locator("h1")
        assert heading.inner_text() == "Not found"
        assert page.get_by_role("link", name="Back to the portal").is_visible()
        # The portal's stylesheet was served and applied (the card is laid out by portal.css).
        assert page.evaluate("[...document.styleSheets].some(s => (s.href || '').includes('portal.css'))")
        assert page.locator("section.card").evaluate("e => getComputedStyle(e).borderRadius") != "0px"
        if shots := os.environ.get("SHOTS_DIR"):
            page.screenshot(path=str(Path(shots) / "demo-404.png"), full_page=True)
        page.goto(f"{demo.base}/sandbox/noths/{SANDBOX_SECRETS[0]}/orders/")
    assert not demo.left_running, "Ctrl-C left processes of the demo running"
    lines = banner.strip().splitlines()
    assert len(lines) <= 10, banner
    assert f"The portal is running at {demo.base}/" in banner
    for sign_in in SIGN_INS:
        assert sign_in in banner
    assert f"{demo.base}/sandbox/" in banner and "--verbose" in banner
    assert not re.search(r"Applying |Performing system checks|Starting development server|Q Cluster", banner)
    everything = demo.output()
    assert not any(secret in everything for secret in SANDBOX_SECRETS), everything
    # After the banner, only the 404's access line: a warning; the pages that worked say nothing.
    after = everything[len(banner) :]
    assert '"GET /no-such-page/ HTTP/1.1" 404' in after
    assert " INFO " not in after, after
