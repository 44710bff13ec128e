"""The audit trail of merchant-side changes, made through the merchant's own pages: who, what, from where.

Credential changes are recorded by field name only, options old → new; no secret is
ever anywhere in the table.
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from audit.trail import Actor
from connections.models import Connection
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from sandbox.models import SandboxAccount
from tests.admin.conftest import audit_table_text
from tests.integration.test_merchant_pages import account_form

pytestmark = pytest.mark.django_db(transaction=True)
NEW_TOKEN = "noths-rotated-token-1a2b3c4d5e6f"
OWN_WEBHOOK_SECRET = "merchants-own-webhook-secret-42"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " + "Chrome/126.0 " * 30
WHERE = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": BROWSER}


def entries(action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("at", "pk"))


def test_every_merchant_change_is_recorded_with_who_and_where_and_no_secret(
    member_client, member, merchant, sandbox_connection, sandbox_account, settings, noths_url
):
    settings.NOTHS_BASE_URL = noths_url
    edit = reverse("connections:edit", args=[sandbox_connection.pk])

    # Edit: options only (the token left blank keeps the stored one).
    member_client.post(edit, account_form("", sync_interval_minutes="60", import_statuses=["placed"]), **WHERE)
    [options] = entries("options_changed")
    assert options.changes["sync_interval_minutes"] == {"old": 30, "new": 60}
    assert options.changes["import_statuses"] == {"old": ["placed", "accepted"], "new": ["placed"]}
    assert options.changes["import_from"] == {"old": None, "new": "2026-01-01"}
    assert "token" not in options.changes and "name" not in options.changes
    assert not entries("credentials_changed")
    assert (options.actor, options.actor_label, options.ip) == (member, member.username, "203.0.113.77")
    assert options.user_agent.startswith("Mozilla/5.0") and len(options.user_agent) <= 200
    assert options.user_agent.endswith("\u2026")
    assert (options.connection, options.merchant, options.connection_label) == (
        sandbox_connection,
        merchant,
        "NOTHS \u00b7 itest",
    )

    # Edit: a new token, checked by NOTHS: the field's name is recorded, never the value.
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token=NEW_TOKEN)
    assert member_client.post(edit, account_form(NEW_TOKEN, sync_interval_minutes="60"), **WHERE).status_code == 302
    [credentials] = entries("credentials_changed")
    assert credentials.changes == {"fields": ["token"]}
    # A token NOTHS refuses changes nothing, so records nothing.
    member_client.post(edit, account_form("refused-token-0000000000"), **WHERE)
    assert len(entries("credentials_changed")) == 1

    # Pause, resume.
    member_client.post(reverse("connections:pause", args=[sandbox_connection.pk]), **WHERE)
    member_client.post(reverse("connections:resume", args=[sandbox_connection.pk]), **WHERE)
    assert [e.changes for e in entries("paused")] == [{}]
    assert [e.changes for e in entries("resumed")] == [{"status": "connected"}]

    # Rotate the webhook secret of a Partner API connection: typed by the merchant, then made by the portal.
    partner = make_partner_connection(merchant)
    rotate = reverse("connections:rotate_webhook_secret", args=[partner.pk])
    member_client.post(rotate, {"secret": OWN_WEBHOOK_SECRET}, **WHERE)
    member_client.post(rotate, {"secret": ""}, **WHERE)
    made = Connection.objects.get(pk=partner.pk).stored_credentials()["webhook_secret"]
    assert [e.changes for e in entries("webhook_secret_rotated")] == [
        {"fields": ["webhook_secret"], "typed_by_user": True},
        {"fields": ["webhook_secret"], "typed_by_user": False},
    ]

    # Disconnect.
    member_client.post(reverse("connections:disconnect", args=[sandbox_connection.pk]), **WHERE)
    assert entries("disconnected")[0].changes == {"credential_fields_deleted": ["token"]}

    assert {e.ip for e in AuditEntry.objects.all()} == {"203.0.113.77"}
    assert {e.actor_id for e in AuditEntry.objects.all()} == {member.pk}
    text = audit_table_text()
    for secret in (
        SANDBOX_TOKEN,
        NEW_TOKEN,
        "refused-token-0000000000",
        PARTNER_WEBHOOK_SECRET,
        OWN_WEBHOOK_SECRET,
        made,
        "partner-static-token-0001",
    ):
        assert secret not in text


def test_add_account_records_the_creation_without_the_token(
    member_client, merchant, sandbox_account, settings, noths_url
):
    settings.NOTHS_BASE_URL = noths_url
    form = {**account_form(f" {SANDBOX_TOKEN} "), "name": "itest"}
    assert member_client.post(reverse("connections:add", args=["noths"]), form, **WHERE).status_code == 302
    entry = AuditEntry.objects.get()
    connection = Connection.objects.get(merchant=merchant)
    assert (entry.action, entry.connection, entry.ip) == ("created", connection, "203.0.113.77")
    assert entry.changes["credential_fields"] == ["token"] and entry.changes["status"] == "connected"
    assert entry.changes["import_statuses"] == ["placed", "accepted"]
    assert SANDBOX_TOKEN not in audit_table_text()


def test_the_address_behind_the_tls_proxy_is_the_one_it_appended(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert Actor.from_request(request).ip == "10.0.0.2"  # no proxy: a forwarded header is anyone's word
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Actor.from_request(request).ip == "198.51.100.20"
    assert Actor.from_request(RequestFactory().get("/", REMOTE_ADDR="not-an-ip")).ip is None
