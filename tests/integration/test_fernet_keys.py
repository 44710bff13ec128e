"""A wrong or missing FERNET_KEYS: refused at start-up in words naming it, reported by /healthz,
and never a bare 500 from a page, a webhook or a run.

The start-up tests run the real commands in subprocesses against a SQLite file written with
the right keys; the rest run in-process with `override_settings(FERNET_KEYS=...)`.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from django.db import connection as db
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from connections import keys, sync, webhooks
from connections.models import Connection, Credential, KeyCanary, Problem, SyncRun, WebhookEvent
from connections.platforms import registry
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from connections.platforms.partner.tests.orders import partner_order
from orders.models import Order
from portal.models import Heartbeat
from tests.factories import ConnectionFactory
from tests.integration.test_webhook_engine import SignedDeliveries
from tests.integration.test_webhook_engine import post as post_signed

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "noths-live-token-5f2b8c1d9e7a"
RIGHT = "the-right-key-that-encrypted-them-0123"
NEW = "a-new-key-put-first-for-rotation-4567"
WRONG = "a-key-that-never-encrypted-anything-89"
SAYS_FERNET_KEYS = "FERNET_KEYS cannot decrypt the stored credentials"


def run(db_file: Path, fernet_keys: str, *args: str, settings="tests.settings") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": f"sqlite:///{db_file}",
        "FERNET_KEYS": fernet_keys,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def said(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("value", ["", " , "], ids=["empty", "blank keys"])
def test_settings_refuse_a_missing_or_blank_fernet_keys(tmp_path, value):
    result = run(tmp_path / "db.sqlite3", value, "-c", "import portal.settings", settings="portal.settings")
    assert result.returncode != 0
    assert "ImproperlyConfigured: FERNET_KEYS is missing or has an empty key" in result.stderr
    assert "Then start the portal again." in result.stderr


SEED = (
    "import django; django.setup()\n"
    "from tests.factories import ConnectionFactory\n"
    f"print(ConnectionFactory(token={TOKEN!r}).pk)\n"
)


def test_start_up_refuses_keys_that_cannot_decrypt_what_is_stored(tmp_path):
    database = tmp_path / "portal.sqlite3"
    # A new database: migrate runs the system checks before any table exists, and passes.
    migrated = run(database, RIGHT, "manage.py", "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, said(migrated)
    connection_id = run(database, RIGHT, "-c", SEED).stdout.strip()
    assert run(database, RIGHT, "manage.py", "check").returncode == 0  # and writes the check value

    for command in (("manage.py", "check"), ("manage.py", "qcluster"), ("manage.py", "runserver", "--noreload")):
        refused = run(database, WRONG, *command)
        assert refused.returncode == 1, (command, said(refused))
        assert "(connections.E001) " + SAYS_FERNET_KEYS in refused.stderr
        assert f"connection {connection_id} could not be decrypted" in refused.stderr
        assert "Put back the key they were encrypted with" in refused.stderr
    gunicorn_would = run(database, WRONG, "-c", "import portal.wsgi")
    assert gunicorn_would.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: " + SAYS_FERNET_KEYS in gunicorn_would.stderr
    assert run(database, RIGHT, "-c", "import portal.wsgi").returncode == 0
    for output in (refused, gunicorn_would):
        for secret in (TOKEN, RIGHT, WRONG):
            assert secret not in said(output)

    # The documented rotation: the new key first, re-encrypt, then the old key can go.
    rotated = run(database, f"{NEW},{RIGHT}", "manage.py", "rotate_fernet_keys")
    assert rotated.returncode == 0, said(rotated)
    assert "Re-encrypted 1 credential and the check value" in rotated.stdout
    assert run(database, NEW, "manage.py", "check").returncode == 0
    assert run(database, RIGHT, "manage.py", "check").returncode == 1

    # The key lost for good: rotation refuses and writes nothing, unless told to disconnect.
    lost = run(database, WRONG, "manage.py", "rotate_fernet_keys")
    assert lost.returncode == 1 and "Nothing was re-encrypted: FERNET_KEYS cannot decrypt" in lost.stderr
    assert run(database, NEW, "manage.py", "check").returncode == 0
    given_up = run(database, WRONG, "manage.py", "rotate_fernet_keys", "--disconnect-unreadable")
    assert given_up.returncode == 0, said(given_up)
    assert f"Disconnected connection {connection_id}" in given_up.stdout
    assert run(database, WRONG, "manage.py", "check").returncode == 0


@pytest.mark.django_db
def test_the_first_start_reads_every_credential_before_it_writes_the_check_value(merchant):
    _first, middle, _last = (ConnectionFactory(merchant=merchant, token=TOKEN) for _ in range(3))
    with override_settings(FERNET_KEYS=[WRONG]):
        credential = Credential.objects.get(connection=middle)
        credential.set_values({"token": TOKEN}, middle.adapter.credential_fields)
        credential.save()
    assert keys.check().ok  # the sample (first and last) decrypts ...
    problem = keys.startup_problem()  # ... but with no check value yet, every credential is read
    assert f"the credentials of connection {middle.pk} could not be decrypted" in problem
    assert not KeyCanary.objects.exists()

    Credential.objects.filter(connection=middle).delete()
    assert keys.startup_problem() == ""
    assert keys.check().canary == keys.READABLE


@pytest.mark.django_db
def test_a_check_value_from_other_keys_is_written_anew_when_every_credential_decrypts(merchant):
    ConnectionFactory(merchant=merchant, token=TOKEN)
    with override_settings(FERNET_KEYS=[WRONG]):
        keys.write_canary()
    assert keys.check().canary == keys.UNREADABLE and not keys.check().ok
    assert keys.startup_problem() == ""
    assert keys.check().ok and keys.check().canary == keys.READABLE


# -- /healthz ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_credentials_fernet_keys_cannot_decrypt(client, merchant):
    Heartbeat.objects.create(name=Heartbeat.TICK, at=timezone.now())
    connections = [ConnectionFactory(merchant=merchant, token=TOKEN) for _ in range(4)]
    keys.write_canary()
    well = client.get("/healthz")
    assert well.status_code == 200
    assert well.json()["checks"]["credentials"] == {"ok": True, "check_value": "readable", "sampled": 2}

    with override_settings(FERNET_KEYS=[WRONG]):
        answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "failing"
    error = answer.json()["checks"]["credentials"]["error"]
    assert error.startswith("FERNET_KEYS cannot decrypt the check value")
    assert f"connections {connections[0].pk}, {connections[-1].pk}" in error
    assert "Put it back into FERNET_KEYS" in error
    assert TOKEN not in answer.content.decode() and WRONG not in answer.content.decode()


# -- webhooks ------------------------------------------------------------------------------------------


def post_secret(client, connection, secret, body=None):
    return client.post(
        reverse("webhook", args=[connection.platform, connection.webhook_id]),
        body or orjson.dumps(partner_order(status="RECEIVED")),
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
        HTTP_X_FORWARDED_SECRET_COPY=f"copy {PARTNER_WEBHOOK_SECRET}",
    )


@pytest.mark.django_db
def test_a_header_secret_is_checked_against_its_digest_so_wrong_keys_still_401_a_wrong_secret(
    client, partner_connection
):
    stored = Credential.objects.get(connection=partner_connection)
    assert set(stored.digests) == {"webhook_secret"}
    assert PARTNER_WEBHOOK_SECRET not in json.dumps(stored.digests)
    with override_settings(FERNET_KEYS=[WRONG]):
        refused = post_secret(client, partner_connection, "not-the-secret-0123456789")
    # Decrypting would have failed (503): the digest turned the caller away with nothing decrypted.
    assert refused.status_code == 401 and refused["Content-Type"] == "application/json"
    assert "does not match" in refused.json()["detail"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_with_wrong_keys_an_authentic_delivery_is_kept_and_applied_once_the_key_is_back(
    client, partner_connection, caplog
):
    with override_settings(FERNET_KEYS=[WRONG]):
        accepted = post_secret(client, partner_connection, PARTNER_WEBHOOK_SECRET)
    assert accepted.status_code == 202, accepted.content
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.RECEIVED  # waits: the drain could not read the credentials
    assert set(event.headers.values()) == {webhooks.HEADER_WITHHELD}  # no header could be checked for a secret
    problem = Problem.objects.get(connection=partner_connection, closed_at=None)
    assert problem.cause == Problem.Cause.CREDENTIALS_UNREADABLE and "FERNET_KEYS" in problem.message
    assert f"stored credentials of connection {partner_connection.pk}" in caplog.text
    assert PARTNER_WEBHOOK_SECRET not in caplog.text

    webhooks.drain(partner_connection.pk)  # the key is back
    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Order.objects.filter(connection=partner_connection).count() == 1


@pytest.mark.django_db
def test_a_rotated_secret_still_passes_by_its_digest_for_the_grace_period(client, partner_connection, settings):
    from connections import services

    services.rotate_webhook_secret(partner_connection, "the-new-secret-0123456789")
    assert set(Credential.objects.get(connection=partner_connection).digests) == {
        "webhook_secret",
        "previous_webhook_secret",
    }
    with override_settings(FERNET_KEYS=[WRONG]):
        for secret in ("the-new-secret-0123456789", PARTNER_WEBHOOK_SECRET):
            body = orjson.dumps(partner_order(status="RECEIVED", order_id=f"o-{secret[:5]}"))
            assert post_secret(client, partner_connection, secret, body).status_code == 202
        Connection.objects.filter(pk=partner_connection.pk).update(
            previous_webhook_secret_until=timezone.now() - timedelta(seconds=1)
        )
        assert post_secret(client, partner_connection, PARTNER_WEBHOOK_SECRET).status_code == 401


@pytest.fixture
def signed(monkeypatch, partner_connection):
    monkeypatch.setattr(registry.get(partner_connection.platform), "deliveries", SignedDeliveries())
    return partner_connection


@pytest.mark.django_db
def test_a_body_signature_that_needs_the_secret_is_a_json_503_not_a_500(client, signed, caplog):
    with override_settings(FERNET_KEYS=[WRONG]):
        answer = post_signed(client, signed, orjson.dumps(partner_order(status="RECEIVED")))
    assert answer.status_code == 503 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "The portal cannot check this delivery's signature just now; send it again."}
    assert not WebhookEvent.objects.exists()
    assert f"FERNET_KEYS cannot decrypt the stored credentials of connection {signed.pk}" in caplog.text
    assert PARTNER_WEBHOOK_SECRET not in caplog.text and WRONG not in caplog.text


# -- runs and pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_that_cannot_decrypt_fails_in_words_opens_a_problem_and_waits(merchant, caplog):
    connection = ConnectionFactory(merchant=merchant, token=TOKEN)
    run, _ = sync.request_sync(connection, trigger=SyncRun.Trigger.SCHEDULED, enqueue=False)
    with override_settings(FERNET_KEYS=[WRONG]):
        finished = sync.execute(run.pk)
    assert finished.status == SyncRun.Status.FAILED and finished.error_kind == "unreadable"
    assert finished.error.startswith("The portal cannot read this connection's stored credentials: FERNET_KEYS")
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.next_sync_at > timezone.now() + timedelta(seconds=20)  # a backoff, not a tight loop
    problem = Problem.objects.get(connection=connection, closed_at=None)
    assert problem.cause == Problem.Cause.CREDENTIALS_UNREADABLE and problem.message == finished.error
    assert f"stored credentials of connection {connection.pk} (sync run {run.pk})" in caplog.text
    assert "Traceback" not in caplog.text and TOKEN not in caplog.text


@pytest.mark.django_db
def test_connection_pages_say_so_instead_of_a_500(member_client, merchant, admin_client):
    connection = ConnectionFactory(merchant=merchant, token=TOKEN)
    raw = _raw(connection)
    with override_settings(FERNET_KEYS=[WRONG]):
        for url in (
            reverse("connections:detail", args=[connection.pk]),
            reverse("connections:edit", args=[connection.pk]),
        ):
            page = member_client.get(url)
            assert page.status_code == 200, url
            assert "Stored credentials unreadable" in page.content.decode()
            assert "FERNET_KEYS does not hold the key" in page.content.decode()
        edit = member_client.post(
            reverse("connections:edit", args=[connection.pk]),
            {"name": "renamed", "token": "", "sync_interval_minutes": 30, "import_statuses": ["placed"]},
        )
        assert edit.status_code == 409
        tested = member_client.post(reverse("connections:test", args=[connection.pk]), follow=True)
        assert (
            "Test failed. The portal cannot read this connection&#x27;s stored credentials" in tested.content.decode()
        )
        admin = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
        assert admin.status_code == 200
    connection.refresh_from_db()
    assert connection.name != "renamed" and _raw(connection) == raw  # nothing overwritten
    assert Problem.objects.filter(connection=connection, cause=Problem.Cause.CREDENTIALS_UNREADABLE).exists()


def _raw(connection) -> bytes:
    with db.cursor() as cursor:
        cursor.execute("SELECT secret FROM connections_credential WHERE connection_id = %s", [connection.pk])
        return bytes(cursor.fetchone()[0])
