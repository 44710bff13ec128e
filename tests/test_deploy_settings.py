"""The documented production environment (deploy/production.env.example) passes `check --deploy`.

Each test starts Django in a subprocess with that file's lines, throwaway secrets and a
SQLite database, and nothing else of this process's environment (the test settings turn
the sandbox on and secure cookies off). This is how CI runs `check --deploy`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = ROOT / "deploy" / "production.env.example"
SECRETS = ("SECRET_KEY", "FERNET_KEYS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL")


def documented_environment() -> dict[str, str]:
    values = {}
    for number, line in enumerate(PRODUCTION_ENV.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and name.isupper(), f"{PRODUCTION_ENV.name}:{number} is not NAME=value: {line!r}"
        values[name] = value
    return values


def run_django(tmp_path: Path, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **documented_environment(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FERNET_KEYS": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        **overrides,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_documented_environment_holds_no_secret():
    documented = documented_environment()
    assert not set(documented) & set(SECRETS)
    assert documented["DEBUG"] == "false" and documented["SANDBOX_ENABLED"] == "false"


def test_check_deploy_is_clean_under_the_documented_environment(tmp_path):
    result = run_django(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_without_the_https_settings(tmp_path):
    """The check that CI relies on can fail: without HSTS and the redirect it names both."""
    result = run_django(
        tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING", HSTS_SECONDS="0", SSL_REDIRECT="false"
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_preload_without_a_year_and_subdomains_is_a_warning_in_words(tmp_path):
    result = run_django(
        tmp_path,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HSTS_SECONDS="300",
        HSTS_INCLUDE_SUBDOMAINS="false",
    )
    assert result.returncode != 0
    assert "portal.W001" in result.stderr
    assert "HSTS_SECONDS of at least 31536000 (a year; it is 300) and HSTS_INCLUDE_SUBDOMAINS=true" in result.stderr


PROBE = """
import json
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="portal.example.com", raise_request_exception=False)
plain = client.get("/api/schema/")
probe = client.get("/healthz")
secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "probe": probe.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "secure_cookies": [django.conf.settings.SESSION_COOKIE_SECURE, django.conf.settings.CSRF_COOKIE_SECURE],
}))
"""


def test_the_documented_environment_redirects_to_https_pins_it_and_lets_the_probe_through(tmp_path):
    result = run_django(tmp_path, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, "https://portal.example.com/api/schema/"]
    assert answers["probe"] in (200, 503)  # answered over plain HTTP, not redirected
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert answers["secure_cookies"] == [True, True]


LOG_PROBE = """
import json, logging
import django
django.setup()
import django_q.conf  # its logger adds a handler of its own when it finds none
from connections.platforms.scrub import ScrubSecretsFilter, remember

remember("hunter2-portal-secret")
loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
handlers = {h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers}
unscrubbed = [repr(h) for h in handlers if not isinstance(h, logging.NullHandler)
              and not any(isinstance(f, ScrubSecretsFilter) for f in h.filters)]
print(json.dumps({"unscrubbed": unscrubbed}))
try:
    raise RuntimeError("refused hunter2-portal-secret")
except RuntimeError:
    logging.getLogger("django.request").error("Internal Server Error: /x?token=abcdef123", exc_info=True)
"""


@pytest.mark.parametrize("log_json", ["true", "false"])
def test_every_log_handler_scrubs_secrets_and_log_json_writes_json_lines(tmp_path, log_json):
    result = run_django(tmp_path, "-c", LOG_PROBE, LOG_JSON=log_json)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unscrubbed"] == []
    assert "hunter2-portal-secret" not in result.stderr and "abcdef123" not in result.stderr
    if log_json == "true":
        lines = [json.loads(line) for line in result.stderr.splitlines()]
        assert len(lines) == 1
        line = lines[0]
        assert (line["level"], line["logger"]) == ("ERROR", "django.request")
        assert line["message"].startswith("Internal Server Error: /x?token=[redacted]\nTraceback")
        assert "RuntimeError: refused [redacted]" in line["message"] and line["time"]
    else:
        assert " ERROR django.request: Internal Server Error: /x?token=[redacted]" in result.stderr


PREPARE_PROBE = """
import django
django.setup()
print(django.conf.settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold", "absent"))
"""


@pytest.mark.parametrize(
    ("url", "prepared", "threshold"),
    [
        ("postgres://portal@db.internal/portal", None, "5"),  # on by default: the webhook's statement
        ("postgres://portal@db.internal/portal", "false", "None"),  # behind a pooler that cannot keep them
        ("sqlite:///{tmp}/x.sqlite3", None, "absent"),  # psycopg's setting, not SQLite's
    ],
)
def test_prepared_statements_follow_the_setting_on_postgresql_only(tmp_path, url, prepared, threshold):
    overrides = {"DATABASE_URL": url.format(tmp=tmp_path)}
    if prepared is not None:
        overrides["PREPARED_STATEMENTS"] = prepared
    result = run_django(tmp_path, "-c", PREPARE_PROBE, **overrides)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == threshold
