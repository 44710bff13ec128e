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


# -- the sandbox NuORDER over real HTTP -----------------------------------------------------------


@pytest.fixture
def nuorder_urls(live_server):
    base = f"{live_server.url}/sandbox/nuorder"
    return {"wholesale": f"{base}/wholesale", "retail": f"{base}/retail"}


@pytest.fixture
def nuorder_hosts(settings, nuorder_urls):
    settings.NUORDER_WHOLESALE_BASE_URL = nuorder_urls["wholesale"]
    settings.NUORDER_RETAIL_BASE_URL = nuorder_urls["retail"]
    return nuorder_urls


def nuorder_credentials(app) -> dict[str, str]:
    """The four credentials and the Application Type of a sandbox NuORDER application."""
    token = app.tokens.first()
    return {
        "application_type": app.application_type,
        "consumer_key": app.account.token,
        "consumer_secret": app.consumer_secret,
        "token": token.token if token else "",
        "token_secret": token.token_secret if token else "",
    }


@pytest.fixture
def nuorder_app(transactional_db):
    from sandbox.nuorder_data import create_app

    return create_app(shortcode="brand", name="Brand Co", application_type="wholesale")


@pytest.fixture
def nuorder_retail_app(transactional_db):
    from sandbox.nuorder_data import create_app

    return create_app(shortcode="buyer", name="Buyer Co", application_type="retail")


@pytest.fixture
def nuorder_connection(merchant, nuorder_hosts, nuorder_app):
    """A connected NuORDER (Wholesale) connection to the sandbox."""
    from connections.models import Connection, Credential

    connection = Connection.objects.create(
        merchant=merchant,
        platform="nuorder",
        name="brand",
        status=Connection.Status.CONNECTED,
        import_statuses=["approved"],
    )
    credential = Credential(connection=connection)
    credential.set_values(nuorder_credentials(nuorder_app), connection.adapter.credential_fields)
    credential.save()
    return connection


# -- the Partner API ---------------------------------------------------------------------------------

PARTNER_CHAIN_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
PARTNER_WEBHOOK_SECRET = "whsec-itest-0123456789abcdef"


def partner_credentials(**overrides) -> dict[str, str]:
    return {
        "api_host": "sandbox",
        "chain_id": PARTNER_CHAIN_ID,
        "vendor_ids": "v-1",
        "picking_mode": "partner",
        "token": "partner-static-token-0001",
        "client_id": "",
        "client_secret": "",
        "webhook_secret": PARTNER_WEBHOOK_SECRET,
        **overrides,
    }


def make_partner_connection(merchant, *, base_url="https://partner.invalid", name="chain", **credentials):
    from connections.models import Connection, Credential

    connection = Connection.objects.create(
        merchant=merchant,
        platform="partner",
        name=name,
        status=Connection.Status.CONNECTED,
        base_url_override=base_url,
        import_statuses=list(connection_defaults()),
        webhook_secret_shown_at=None,
    )
    credential = Credential(connection=connection)
    credential.set_values(partner_credentials(**credentials), connection.adapter.credential_fields)
    credential.save()
    return connection


def connection_defaults():
    from connections.platforms import registry

    return registry.get("partner").default_import_statuses


@pytest.fixture
def partner_connection(merchant):
    """A connected Partner Picking connection (API host unreachable; webhooks need none)."""
    return make_partner_connection(merchant)
