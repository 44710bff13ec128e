"""Fixtures for tests with the Partner API, wherever they sit: credentials and a connected connection."""

import pytest

from orders.models import Order

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


def platform_statuses(chain) -> dict[str, str]:
    """Each of the sandbox chain's orders and its status there."""
    return {str(order_id): status for order_id, status in chain.orders.values_list("order_id", "status")}


def portal_statuses(connection) -> dict[str, str]:
    """Each order the portal holds for the connection and the platform status it holds."""
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_status"))
