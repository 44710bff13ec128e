"""Staff's API host override: refused when saved where the portal sends no credentials, and
refused again at the request when the name has changed its answer since."""

import html

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from connections.models import Connection
from tests.admin.conftest import act, change_form_data
from tests.factories import ConnectionFactory

PUBLIC = "93.184.216.34"
WAY_OUT = "the portal does not send credentials there. Staff can allow it with OUTBOUND_ALLOWED_HOSTS."


@pytest.fixture
def connection(merchant, outbound_rules):
    return ConnectionFactory(merchant=merchant, name="shop", base_url_override="")


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ("https://169.254.169.254/latest", f"The host 169.254.169.254 is a cloud metadata address; {WAY_OUT}"),
        ("https://[fd00::1]:8443", f"The host fd00::1 is a private address; {WAY_OUT}"),
        (
            "https://internal.shop.example",
            f"The host internal.shop.example resolves to 10.1.2.3, a private address; {WAY_OUT}",
        ),
        (
            "https://localhost:5432",
            f"The host localhost resolves to 127.0.0.1, a loopback address (this machine); {WAY_OUT}",
        ),
        (
            f"http://{PUBLIC}/api",
            f"The API host {PUBLIC} is plain http://, which would send the credentials unencrypted: use https://. "
            "Staff can allow http with OUTBOUND_ALLOW_HTTP.",
        ),
        ("https://gone.shop.example", "The host gone.shop.example does not resolve to any address: check its name."),
    ],
)
def test_staff_cannot_save_an_api_host_the_portal_would_refuse(admin_client, connection, fake_dns, override, error):
    fake_dns["internal.shop.example"] = ["10.1.2.3"]
    fake_dns["localhost"] = ["127.0.0.1"]
    fake_dns["gone.shop.example"] = []
    url, data = change_form_data(admin_client, connection, base_url_override=override)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["base_url_override"] == [error]
    assert Connection.objects.get(pk=connection.pk).base_url_override == ""
    assert not AuditEntry.objects.exists()


def test_the_model_refuses_it_in_any_form_that_validates_it(connection):
    connection.base_url_override = "https://10.0.0.5"
    with pytest.raises(ValidationError) as caught:
        connection.full_clean()
    assert caught.value.message_dict == {"base_url_override": [f"The host 10.0.0.5 is a private address; {WAY_OUT}"]}
    connection.base_url_override = "not a url"
    with pytest.raises(ValidationError) as caught:
        connection.full_clean()
    assert caught.value.message_dict == {"base_url_override": ["Enter a valid URL."]}  # said once, not twice


def test_an_allowed_or_public_host_is_saved(admin_client, connection, fake_dns, outbound_rules):
    fake_dns["api.staging.example"] = ["10.20.0.4"]
    outbound_rules.OUTBOUND_ALLOWED_HOSTS = ["10.20.0.0/16"]
    for override in ("https://api.staging.example/v1", f"https://{PUBLIC}"):
        url, data = change_form_data(admin_client, connection, base_url_override=override)
        assert admin_client.post(url, data).status_code == 302
        assert Connection.objects.get(pk=connection.pk).base_url_override == override


def test_a_name_that_changes_its_answer_after_the_save_is_refused_at_the_request(
    admin_client, connection, fake_dns, connections_opened
):
    fake_dns.answers("api.staging.example", [PUBLIC], ["127.0.0.1"])
    url, data = change_form_data(admin_client, connection, base_url_override="https://api.staging.example")
    assert admin_client.post(url, data).status_code == 302  # public when staff saved it
    refusal = f"The host api.staging.example resolves to 127.0.0.1, a loopback address (this machine); {WAY_OUT}"

    page = html.unescape(
        act(admin_client, "connections_connection", "test_selected", [connection.pk], confirm=True).content.decode()
    )
    assert refusal in page
    assert fake_dns.lookups == ["api.staging.example", "api.staging.example"]  # the save's, the request's
    assert connections_opened == []
    entry = AuditEntry.objects.get(action="tested")
    assert entry.changes == {"outcome": "failed", "error": refusal}
