"""Staff read platforms by the names the portal gives them, never by their keys."""

import pytest
from django.urls import reverse

from audit.trail import Actor
from connections import services
from connections.admin_platforms import platform_name
from connections.models import SyncRun
from connections.platforms import registry
from connections.platforms.partner.tests.fixtures import make_partner_connection
from orders.models import Order, OutboundAction, Shipment
from sandbox.models import SandboxAccount
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
NAMES = ["NOTHS", "NuORDER", "Partner API", "Shopify"]


@pytest.fixture
def both(merchant):
    """A NOTHS connection and a Partner API chain, each with a run, an order, a push and an audit entry."""
    found = {"noths": ConnectionFactory(merchant=merchant, name="gifts"), "partner": make_partner_connection(merchant)}
    for key, connection in found.items():
        SyncRun.objects.create(connection=connection, status="succeeded")
        order = Order.objects.create(
            connection=connection, merchant=merchant, external_id=f"X-{key}", number=f"N-{key}", status="pending"
        )
        shipment = Shipment.objects.create(order=order, tracking_number="T1")
        OutboundAction.objects.create(order=order, kind="shipment", shipment=shipment, state="failed")
        services.pause(connection, actor=Actor(label="someone", ip="192.0.2.1"))
        SandboxAccount.objects.create(platform=key, token=f"token-{key}", shortcode=key, name=key)
    return found


def platform_filter(response) -> tuple[str, list[str]]:
    """The list's platform filter: its parameter and the choices it offers, as staff read them."""
    changelist = response.context["cl"]
    spec = next(spec for spec in changelist.filter_specs if spec.title == "platform")
    return spec.parameter_name, [choice["display"] for choice in spec.choices(changelist)]


LISTS = [
    ("connections_connection", "platform"),
    ("connections_syncrun", "connection__platform"),
    ("connections_webhookevent", "connection__platform"),
    ("connections_problem", "connection__platform"),
    ("orders_order", "connection__platform"),
    ("orders_outboundaction", "order__connection__platform"),
    ("audit_auditentry", "connection__platform"),
    ("sandbox_sandboxaccount", "platform"),
]


@pytest.mark.parametrize(("model", "parameter"), LISTS)
def test_every_platform_filter_offers_names_and_filters_by_key(admin_client, both, model, parameter):
    url = reverse(f"admin:{model}_changelist")
    response = admin_client.get(url)
    assert platform_filter(response) == (parameter, ["All", *NAMES])
    everything = response.context["cl"].result_count
    chosen = admin_client.get(url, {parameter: "partner"}).context["cl"]
    assert 0 < chosen.result_count < everything or everything == 0


def test_the_connection_list_names_the_platform_in_its_column(admin_client, both):
    body = admin_client.get(reverse("admin:connections_connection_changelist")).content.decode()
    assert '<td class="field-platform_label">NOTHS</td>' in body
    assert '<td class="field-platform_label">Partner API</td>' in body
    assert ">noths<" not in body and ">partner<" not in body


def test_the_sandbox_account_list_names_the_platform(admin_client, both):
    body = admin_client.get(reverse("admin:sandbox_sandboxaccount_changelist")).content.decode()
    assert '<td class="field-platform_label">Partner API</td>' in body


def test_the_connection_page_names_its_platform(admin_client, both):
    body = admin_client.get(reverse("admin:connections_connection_change", args=[both["partner"].pk])).content
    assert '<div class="readonly">Partner API</div>' in body.decode()


def test_a_sandbox_account_chooses_its_platform_by_name(admin_client):
    body = admin_client.get(reverse("admin:sandbox_sandboxaccount_add")).content.decode()
    for platform in registry.all_platforms():
        assert f'<option value="{platform.key}">{platform.short_name}</option>' in body


def test_a_platform_no_longer_installed_is_shown_by_its_key():
    assert platform_name("noths") == "NOTHS"
    assert platform_name("retired") == "retired"


def test_the_order_list_says_each_platform_state_in_its_words(admin_client, merchant):
    """The order list's state line is the platform's words (as the merchant's badge), not its code."""
    connection = make_partner_connection(merchant)
    Order.objects.create(
        connection=connection, merchant=merchant, external_id="P-1", number="P-1", platform_status="NOT_PROCESSED"
    )
    page = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    words = connection.adapter.state("NOT_PROCESSED").words
    assert f'<div class="platform-state">{words}</div>' in page
    assert "NOT_PROCESSED" not in page
