"""What `dev.py run` prints: the address, the three sign-ins and where the sandbox accounts are
listed; the accounts themselves, with their secrets, only with --verbose."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

import dev
from sandbox.management.commands.seed_demo import DEMO_USERS
from sandbox.models import SandboxAccount
from tests.demo.secrets import demo_secrets

pytestmark = pytest.mark.django_db

SIGN_INS = [f"{username} / {password}" for username, password, _, _ in DEMO_USERS]


def seeded(verbosity: int) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, verbosity=verbosity)
    return out.getvalue()


def sandbox_secrets() -> set[str]:
    return demo_secrets() - {password for _, password, _, _ in DEMO_USERS}


def test_seed_demo_prints_the_sign_ins_and_where_the_accounts_are_listed(settings):
    settings.SANDBOX_PUBLIC_URL = "http://127.0.0.1:8123"
    printed = seeded(1)
    assert len(printed.splitlines()) == 5, printed
    assert all(sign_in in printed for sign_in in SIGN_INS)
    assert "http://127.0.0.1:8123/sandbox/" in printed
    assert not [secret for secret in sandbox_secrets() if secret in printed]


def test_seed_demo_verbose_prints_every_sandbox_account_too():
    printed = seeded(2)
    assert all(sign_in in printed for sign_in in SIGN_INS)
    assert SandboxAccount.objects.count() > 10
    for token in SandboxAccount.objects.values_list("token", flat=True):
        assert token in printed


def test_seed_demo_quiet_prints_nothing():
    assert seeded(0) == ""


def test_the_banner_is_the_address_the_sign_ins_and_where_the_accounts_are(settings):
    settings.SANDBOX_PUBLIC_URL = "http://127.0.0.1:8123"
    quiet = dev.banner(8123, seeded(1), verbose=False)
    lines = quiet.splitlines()
    assert lines[0] == "The portal is running at http://127.0.0.1:8123/"
    assert len(lines) <= 9, quiet
    assert all(sign_in in quiet for sign_in in SIGN_INS)
    assert "http://127.0.0.1:8123/sandbox/" in quiet and "dev.py run --verbose" in quiet
    assert not [secret for secret in sandbox_secrets() if secret in quiet]
    verbose = dev.banner(8123, seeded(2), verbose=True)
    assert all(token in verbose for token in SandboxAccount.objects.values_list("token", flat=True))


def test_the_demo_logs_warnings_only_unless_verbose():
    assert dev.portal_env(8123)["LOG_LEVEL"] == "WARNING"
    assert (dev.portal_env(8123, verbose=True)["LOG_LEVEL"], dev.portal_env(8123, verbose=True)["LOG_TASKS"]) == (
        "INFO",
        "true",
    )
