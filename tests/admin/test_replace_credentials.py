"""Staff replace a connection's credentials: write-only, blank keeps, checked as the merchant's Edit is."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from audit.models import AuditEntry
from connections.models import Connection
from connections.platforms import registry
from connections.platforms.base import AccountFacts
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from connections.platforms.partner.tests.fixtures import (
    PARTNER_WEBHOOK_SECRET,
    make_partner_connection,
    partner_credentials,
)
from sandbox.models import SandboxAccount
from tests.admin.conftest import audit_table_text

pytestmark = pytest.mark.django_db(transaction=True)
NEW_TOKEN = "noths-replaced-token-9f8e7d6c5b"


def url(connection) -> str:
    return reverse("admin:connections_connection_credentials", args=[connection.pk])


def test_the_form_is_write_only_and_shows_the_stored_hint(admin_client, sandbox_connection):
    page = admin_client.get(url(sandbox_connection))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'type="password" name="token"' in body
    assert f"Stored: \u2026{SANDBOX_TOKEN[-4:]}. Leave blank to keep it." in body
    assert SANDBOX_TOKEN not in body and "gAAAA" not in body
    assert 'name="confirm"' in body  # the page is its own confirmation
    change_page = admin_client.get(reverse("admin:connections_connection_change", args=[sandbox_connection.pk]))
    assert url(sandbox_connection) in change_page.content.decode()


def test_nothing_happens_without_the_confirmation(admin_client, sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token=NEW_TOKEN)
    response = admin_client.post(url(sandbox_connection), {"token": NEW_TOKEN})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert NEW_TOKEN not in response.content.decode()
    assert Connection.objects.get(pk=sandbox_connection.pk).stored_credentials() == {"token": SANDBOX_TOKEN}
    assert not AuditEntry.objects.exists()


def test_blank_keeps_the_stored_value(admin_client, sandbox_connection):
    response = admin_client.post(url(sandbox_connection), {"token": "", "confirm": "on"})
    assert response.status_code == 400 and "Nothing to replace" in response.content.decode()
    assert Connection.objects.get(pk=sandbox_connection.pk).stored_credentials() == {"token": SANDBOX_TOKEN}


def test_a_good_token_is_checked_then_replaces_the_stored_one(admin_client, sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token=NEW_TOKEN)
    response = admin_client.post(
        url(sandbox_connection), {"token": f" {NEW_TOKEN}\n", "confirm": "on"}, follow=True, REMOTE_ADDR="192.0.2.44"
    )
    body = response.content.decode()
    assert "credentials replaced (token)" in body and NEW_TOKEN not in body
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.stored_credentials() == {"token": NEW_TOKEN}
    assert connection.status == Connection.Status.CONNECTED and connection.last_checked_at is not None
    entry = AuditEntry.objects.get(action="credentials_changed")
    assert (entry.changes, entry.actor_label, entry.ip) == ({"fields": ["token"]}, "admin (staff)", "192.0.2.44")
    assert LogEntry.objects.get(object_id=str(connection.pk)).change_message == "Credentials replaced: token"
    text = audit_table_text()
    assert NEW_TOKEN not in text and SANDBOX_TOKEN not in text


def test_a_refused_token_says_what_the_platform_said_and_saves_nothing(admin_client, sandbox_connection):
    wrong = "not-the-right-token-123456"
    response = admin_client.post(url(sandbox_connection), {"token": wrong, "confirm": "on"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Invalid or expired token" in body and "nothing was saved" in body
    assert wrong not in body and SANDBOX_TOKEN not in body
    assert Connection.objects.get(pk=sandbox_connection.pk).stored_credentials() == {"token": SANDBOX_TOKEN}
    assert not AuditEntry.objects.filter(action="credentials_changed").exists()


def test_only_the_typed_fields_change_and_the_check_sees_the_kept_ones(admin_client, merchant, monkeypatch):
    connection = make_partner_connection(merchant)
    checked = []

    def check(ctx):
        checked.append(dict(ctx.credentials))
        return AccountFacts("Chain accepted.")

    monkeypatch.setattr(registry.get("partner"), "check", check)
    stored = partner_credentials()
    page = admin_client.get(url(connection)).content.decode()
    for name in ("token", "webhook_secret"):
        assert stored[name] not in page
    assert 'type="password" name="client_secret"' in page

    data = {k: v for k, v in stored.items() if k in ("api_host", "chain_id", "vendor_ids", "picking_mode")}
    response = admin_client.post(url(connection), {**data, "token": "partner-static-token-0002", "confirm": "on"})
    assert response.status_code == 302
    assert checked == [{**stored, "token": "partner-static-token-0002"}]  # what Edit checks: stored + typed
    after = Connection.objects.get(pk=connection.pk).stored_credentials()
    assert after == {**stored, "token": "partner-static-token-0002"}
    assert after["webhook_secret"] == PARTNER_WEBHOOK_SECRET  # left blank: kept
    assert AuditEntry.objects.get().changes == {"fields": ["token"]}
    text = audit_table_text()
    assert "partner-static-token-0002" not in text and PARTNER_WEBHOOK_SECRET not in text


def test_the_same_rules_as_edit_apply(admin_client, merchant, monkeypatch):
    connection = make_partner_connection(merchant)
    monkeypatch.setattr(registry.get("partner"), "check", lambda ctx: pytest.fail("checked a bad chain id"))
    response = admin_client.post(
        url(connection),
        {
            "api_host": "sandbox",
            "chain_id": "not-a-uuid",
            "vendor_ids": "v-1",
            "picking_mode": "partner",
            "confirm": "on",
        },
    )
    assert response.status_code == 400 and "A Chain ID looks like" in response.content.decode()
