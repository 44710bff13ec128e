"""Staff actions on connections in Django admin: each confirmed where it must be, each logged twice."""

import pytest
from django.contrib.admin.models import LogEntry

from audit.models import AuditEntry
from connections import services
from connections.models import Connection, Credential, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from connections.platforms.nuorder.sandbox.models import SandboxNuorderPending
from connections.platforms.nuorder.tests.fixtures import nuorder_credentials
from tests.admin.conftest import act, assert_confirmation_page, audit_table_text, change_form_data
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)
MODEL = "connections_connection"
TOKEN = "factory-token-0123456789"


def fresh(connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def history(connection) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(connection.pk), content_type__model="connection")
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


def test_pause_asks_first_then_pauses_and_is_logged_with_the_address(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    page = act(admin_client, MODEL, "pause_selected", [connection.pk])
    assert_confirmation_page(page, "pause_selected", [connection])
    assert "Pause these connections?" in page.content.decode()
    assert fresh(connection).status == Connection.Status.CONNECTED  # nothing done yet
    assert not AuditEntry.objects.exists() and history(connection) == []

    done = act(admin_client, MODEL, "pause_selected", [connection.pk], confirm=True, REMOTE_ADDR="198.51.100.7")
    assert "Paused 1 connection(s)." in done.content.decode()
    assert fresh(connection).status == Connection.Status.PAUSED
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.connection, entry.merchant, entry.actor.username) == (
        "paused",
        connection,
        merchant,
        "admin",
    )
    assert entry.actor_label == "admin (staff)" and entry.ip == "198.51.100.7"
    assert history(connection) == ["Paused"]


def test_resume_asks_first_then_resumes_and_is_logged(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant, status=Connection.Status.PAUSED)
    page = act(admin_client, MODEL, "resume_selected", [connection.pk])
    assert_confirmation_page(page, "resume_selected", [connection])
    assert fresh(connection).status == Connection.Status.PAUSED
    page = act(admin_client, MODEL, "resume_selected", [connection.pk], confirm=True)
    assert "Resumed 1 connection(s)." in page.content.decode()
    assert fresh(connection).status == Connection.Status.CONNECTED
    assert AuditEntry.objects.get().action == "resumed"
    assert history(connection) == ["Resumed"]


def test_disconnect_asks_first_then_deletes_the_credentials(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    page = act(admin_client, MODEL, "disconnect_selected", [connection.pk])
    assert_confirmation_page(page, "disconnect_selected", [connection])
    assert "the credentials are destroyed" in page.content.decode()
    assert Credential.objects.filter(connection=connection).exists()

    act(admin_client, MODEL, "disconnect_selected", [connection.pk], confirm=True)
    assert fresh(connection).status == Connection.Status.DISCONNECTED
    assert not Credential.objects.filter(connection=connection).exists()
    entry = AuditEntry.objects.get()
    assert entry.action == "disconnected" and entry.changes == {"credential_fields_deleted": ["token"]}
    assert TOKEN not in audit_table_text()
    assert history(connection) == ["Disconnected (credentials deleted)"]


def test_test_connection_asks_first_then_tests_and_is_logged(admin_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 2)
    page = act(admin_client, MODEL, "test_selected", [sandbox_connection.pk])
    assert_confirmation_page(page, "test_selected", [sandbox_connection])
    assert not AuditEntry.objects.exists()
    page = act(admin_client, MODEL, "test_selected", [sandbox_connection.pk], confirm=True)
    assert "test passed" in page.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.changes) == ("tested", {"outcome": "passed"})
    assert history(sandbox_connection) == ["Tested: passed"]
    assert SANDBOX_TOKEN not in audit_table_text()


def test_sync_now_asks_first_then_syncs_one_or_several(
    admin_client, sandbox_connection, sandbox_account, noths_url, other_merchant
):
    generate_orders(sandbox_account, 3)
    second = ConnectionFactory(
        merchant=other_merchant, name="itest2", token=sandbox_account.token, base_url_override=noths_url
    )
    page = act(admin_client, MODEL, "sync_selected", [sandbox_connection.pk])
    assert_confirmation_page(page, "sync_selected", [sandbox_connection])
    assert not SyncRun.objects.exists()
    act(admin_client, MODEL, "sync_selected", [sandbox_connection.pk], confirm=True)
    run = SyncRun.objects.get()
    assert (run.connection, run.trigger, run.status, run.created) == (sandbox_connection, "admin", "succeeded", 3)

    both = [sandbox_connection.pk, second.pk]
    page = act(admin_client, MODEL, "sync_selected", both)
    assert_confirmation_page(page, "sync_selected", [sandbox_connection, second])
    assert SyncRun.objects.count() == 1

    act(admin_client, MODEL, "sync_selected", both, confirm=True)
    assert SyncRun.objects.filter(connection=second, status="succeeded").count() == 1
    assert SyncRun.objects.filter(connection=sandbox_connection).count() == 2
    entries = AuditEntry.objects.filter(action="sync_requested")
    assert entries.count() == 3 and {e.actor_label for e in entries} == {"admin (staff)"}
    assert history(second) == [f"Sync requested (run #{SyncRun.objects.get(connection=second).pk})"]


def test_the_nuorder_initiate_asks_first_then_starts_the_handshake(admin_client, merchant, nuorder_hosts, nuorder_app):
    nuorder_app.tokens.all().delete()
    keys = {k: v for k, v in nuorder_credentials(nuorder_app).items() if k not in ("token", "token_secret")}
    connection = services.create_connection(merchant, "nuorder", "brand", keys, {"import_statuses": ["approved"]})
    noths = ConnectionFactory(merchant=merchant)

    page = act(admin_client, MODEL, "authorize_selected", [connection.pk, noths.pk])
    assert_confirmation_page(page, "authorize_selected", [connection])
    assert str(noths) not in page.content.decode()  # NOTHS has no such step: not offered
    assert not SandboxNuorderPending.objects.exists()

    done = act(admin_client, MODEL, "authorize_selected", [connection.pk, noths.pk], confirm=True).content.decode()
    assert "authorization requested" in done and "has no such step" in done
    pending = SandboxNuorderPending.objects.get()
    entry = AuditEntry.objects.get(action="authorization_started")
    assert entry.changes == {"fields": ["pending_token", "pending_token_secret"]}
    text = audit_table_text()
    assert pending.request_token_secret not in text and keys["consumer_secret"] not in text
    assert history(connection) == ["Authorization started"]


def test_replace_credentials_action_opens_the_form_for_one(admin_client, merchant):
    one, two = ConnectionFactory(merchant=merchant), ConnectionFactory(merchant=merchant)
    response = act(admin_client, MODEL, "replace_credentials_selected", [one.pk])
    assert response.redirect_chain[-1][0].endswith(f"/connections/connection/{one.pk}/credentials/")
    assert "Replace credentials" in response.content.decode()
    page = act(admin_client, MODEL, "replace_credentials_selected", [one.pk, two.pk]).content.decode()
    assert "Select exactly one connection" in page


def test_deleting_a_connection_keeps_its_audit_trail(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant, name="goner")
    label = str(connection)
    act(admin_client, MODEL, "delete_selected", [connection.pk], confirm=True)
    assert not Connection.objects.filter(pk=connection.pk).exists()
    entry = AuditEntry.objects.get(action="deleted")
    assert (entry.connection, entry.connection_label, entry.merchant) == (None, label, merchant)


def test_a_staff_edit_of_the_options_is_on_the_audit_trail(admin_client, merchant, fake_dns):
    # Its platform's options stored, as Add Account stores them.
    options = {"estimated_dispatch_days": 1, "estimated_delivery_days": 3}
    connection = ConnectionFactory(merchant=merchant, name="shop", platform_options=options)
    fake_dns["staging.example.com"] = ["93.184.216.34"]
    url, data = change_form_data(
        admin_client, connection, sync_interval_minutes=60, base_url_override="https://staging.example.com"
    )
    assert admin_client.post(url, data, REMOTE_ADDR="192.0.2.30").status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == "options_changed" and entry.ip == "192.0.2.30"
    assert entry.changes == {
        "base_url_override": {"old": "https://noths.invalid", "new": "https://staging.example.com"},
        "sync_interval_minutes": {"old": 30, "new": 60},
    }
    assert fresh(connection).sync_interval_minutes == 60
