"""Fixtures shared by every test: merchants, signed-in members, sandbox NOTHS accounts."""

import pytest

from tests.factories import ConnectionFactory, MembershipFactory, MerchantFactory


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Demo Gifts")


@pytest.fixture
def member(merchant):
    return MembershipFactory(merchant=merchant).user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Someone Else")


@pytest.fixture
def other_client(django_user_model, other_merchant):
    from django.test import Client

    other = Client()
    other.force_login(MembershipFactory(merchant=other_merchant).user)
    return other


@pytest.fixture
def connection_factory(db):
    return ConnectionFactory


# -- the sandbox NOTHS over real HTTP -----------------------------------------------------------

SANDBOX_TOKEN = "noths-itest-token-4b1d7e2a9c"


@pytest.fixture
def noths_url(live_server):
    return f"{live_server.url}/sandbox/noths"


@pytest.fixture
def sandbox_account(transactional_db):
    from sandbox.models import SandboxAccount

    return SandboxAccount.objects.create(platform="noths", token=SANDBOX_TOKEN, shortcode="itest", name="ITest Gifts")


@pytest.fixture
def sandbox_connection(merchant, noths_url, sandbox_account):
    """A connected NOTHS connection whose API host is the sandbox on the live server."""
    return ConnectionFactory(
        merchant=merchant, name="itest", token=sandbox_account.token, base_url_override=noths_url, import_from=None
    )
