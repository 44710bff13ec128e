"""`dev.py run` shows the portal as production does: its own error pages, never Django's debug
page, whatever .env says, with its static files still served."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import dev

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
css = client.get("/static/portal.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "status": missing.status_code,
    "page": missing.content.decode(),
    "css": css.status_code,
    "secure_cookies": settings.SESSION_COOKIE_SECURE,
    "admin_2fa": settings.ADMIN_REQUIRE_2FA,
}))
"""


def test_the_demo_runs_with_debug_off_and_the_portals_own_404_whatever_env_says(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBUG", "true")  # as the .env dev.py wrote before says
    env = {
        **dev.portal_env(8123),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FERNET_KEYS": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=dev.ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["debug"] is False
    assert seen["status"] == 404
    assert "<h1>Not found</h1>" in seen["page"] and "Back to the portal" in seen["page"]
    assert "Django tried these URL patterns" not in seen["page"]
    assert seen["css"] == 200, "the stylesheet is not served with DEBUG off"
    # Plain HTTP, and the demo's staff signs in with the password alone.
    assert (seen["secure_cookies"], seen["admin_2fa"]) == (False, False)
