"""Fixtures for tests with NuORDER, wherever they sit: sandbox applications and a connection over real HTTP."""

import pytest


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
    from connections.platforms.nuorder.sandbox.data import create_app

    return create_app(shortcode="brand", name="Brand Co", application_type="wholesale")


@pytest.fixture
def nuorder_retail_app(transactional_db):
    from connections.platforms.nuorder.sandbox.data import create_app

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
