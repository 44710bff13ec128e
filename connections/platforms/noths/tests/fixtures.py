"""Fixtures for tests with NOTHS, wherever they sit: a sandbox account and a connection to it over real HTTP."""

import pytest

from tests.factories import ConnectionFactory

SANDBOX_TOKEN = "noths-itest-token-4b1d7e2a9c"


@pytest.fixture
def noths_url(live_server):
    return f"{live_server.url}/sandbox/noths"


@pytest.fixture
def sandbox_account(transactional_db):
    from sandbox.models import SandboxAccount  # the sandbox app is installed once Django is set up

    return SandboxAccount.objects.create(platform="noths", token=SANDBOX_TOKEN, shortcode="itest", name="ITest Gifts")


@pytest.fixture
def sandbox_connection(merchant, noths_url, sandbox_account):
    """A connected NOTHS connection whose API host is the sandbox on the live server."""
    return ConnectionFactory(
        merchant=merchant, name="itest", token=sandbox_account.token, base_url_override=noths_url, import_from=None
    )
