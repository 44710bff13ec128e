"""Fixtures for tests with Shopify, wherever they sit: credentials and a connected connection."""

import pytest

from connections.models import Connection, Credential
from connections.platforms import registry

SHOPIFY_SHOP = "corner-crafts.myshopify.com"
SHOPIFY_TOKEN = "shpat_" + "0f" * 16
SHOPIFY_SECRET = "shpss_itest_api_secret_key_0001"


def shopify_credentials(**overrides) -> dict[str, str]:
    return {
        "shop": SHOPIFY_SHOP,
        "access_token": SHOPIFY_TOKEN,
        "client_id": "",
        "client_secret": "",
        "webhook_secret": SHOPIFY_SECRET,
        **overrides,
    }


def make_shopify_connection(merchant, *, base_url="https://shopify.invalid", name="store", **credentials):
    adapter = registry.get("shopify")
    connection = Connection.objects.create(
        merchant=merchant,
        platform="shopify",
        name=name,
        status=Connection.Status.CONNECTED,
        base_url_override=base_url,
        import_statuses=list(adapter.default_import_statuses),
        import_from=None,
    )
    credential = Credential(connection=connection)
    credential.set_values(adapter.completed_credentials(shopify_credentials(**credentials)), adapter.credential_fields)
    credential.save()
    return connection


def connect_sandbox_shop(live_server, merchant, shop, **credentials):
    """A connection to a sandbox shop served by `live_server`, with its static token."""
    return make_shopify_connection(
        merchant,
        base_url=f"{live_server.url}/sandbox/shopify/{shop.domain}",
        shop=shop.domain,
        access_token=shop.account.token,
        **credentials,
    )


@pytest.fixture
def shopify_connection(merchant):
    """A connected Shopify connection (API host unreachable; webhooks need none)."""
    return make_shopify_connection(merchant)
