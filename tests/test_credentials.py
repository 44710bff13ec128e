"""Credentials: encrypted at rest with FERNET_KEYS, rotatable, never shown back."""

import logging

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.test import override_settings
from django.urls import reverse

from connections.models import Credential, hint
from connections.sealed import CredentialsUnreadable
from tests.factories import ConnectionFactory

TOKEN = "noths-live-token-5f2b8c1d9e7a"
KEY_A = "first-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
KEY_B = "second-key-bbbbbbbbbbbbbbbbbbbbbbbbbbb"


def raw_column(credential_pk) -> bytes:
    with db.cursor() as cursor:
        cursor.execute("SELECT secret FROM connections_credential WHERE id = %s", [credential_pk])
        return bytes(cursor.fetchone()[0])


@pytest.fixture
def stored(merchant):
    return ConnectionFactory(merchant=merchant, token=TOKEN)


def test_the_database_column_holds_no_plaintext(stored):
    raw = raw_column(stored.credential.pk)
    assert TOKEN.encode() not in raw
    assert raw.startswith(b"gAAAA")  # a Fernet token
    assert Credential.objects.get(pk=stored.credential.pk).values() == {"token": TOKEN}


def test_the_hint_keeps_only_the_last_four_characters(stored):
    assert stored.credential.hints == {"token": "\u2026e7a"[:0] + "\u2026" + TOKEN[-4:]}
    assert hint("short") == "\u2026(set)"
    assert hint("") == ""


def test_keys_come_from_fernet_keys_not_secret_key(merchant, settings):
    with override_settings(FERNET_KEYS=[KEY_A]):
        credential = ConnectionFactory(merchant=merchant, token=TOKEN).credential
    with override_settings(FERNET_KEYS=[settings.SECRET_KEY]), pytest.raises(CredentialsUnreadable):
        Credential.objects.get(pk=credential.pk).values()


def test_a_wrong_key_raises_instead_of_returning_ciphertext(stored):
    with override_settings(FERNET_KEYS=["some-unrelated-key-cccccccccccccccccc"]):
        credential = Credential.objects.get(pk=stored.credential.pk)  # loading decrypts nothing
        assert credential.hints == {"token": hint(TOKEN)}
        with pytest.raises(CredentialsUnreadable) as raised:
            credential.values()
    words = str(raised.value)
    assert f"connection {stored.pk}" in words and "FERNET_KEYS does not hold the key" in words
    assert TOKEN not in words and "gAAAA" not in words


def test_rotation_new_key_first_then_re_encrypt_then_drop_old(merchant):
    with override_settings(FERNET_KEYS=[KEY_A]):
        credential = ConnectionFactory(merchant=merchant, token=TOKEN).credential
        before = raw_column(credential.pk)
    with override_settings(FERNET_KEYS=[KEY_B, KEY_A]):
        assert Credential.objects.get(pk=credential.pk).values() == {"token": TOKEN}  # old key still decrypts
        call_command("rotate_fernet_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert raw_column(credential.pk) != before
    with override_settings(FERNET_KEYS=[KEY_B]):
        assert Credential.objects.get(pk=credential.pk).values() == {"token": TOKEN}
    with override_settings(FERNET_KEYS=[KEY_A]), pytest.raises(CredentialsUnreadable):
        Credential.objects.get(pk=credential.pk).values()


def test_no_merchant_page_shows_the_token(member_client, merchant):
    connection = ConnectionFactory(merchant=merchant, token=TOKEN)
    for url in (
        reverse("connections:detail", args=[connection.pk]),
        reverse("connections:edit", args=[connection.pk]),
        reverse("connections:manage"),
        reverse("connections:downloads"),
        reverse("connections:progress", args=[connection.pk]),
    ):
        body = member_client.get(url).content.decode()
        assert TOKEN not in body, url
    assert TOKEN[-4:] in member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()


def test_admin_shows_only_the_hint(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant, token=TOKEN)
    body = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk])).content.decode()
    assert TOKEN not in body
    assert TOKEN[-4:] in body
    assert "gAAAA" not in body  # not even the ciphertext


def test_logging_a_url_with_the_token_is_scrubbed(caplog):
    from connections.platforms import scrub

    scrub.remember(TOKEN)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /api/v1/orders?token=%s&x=1", (TOKEN,), None)
    scrub.ScrubSecretsFilter().filter(record)
    assert TOKEN not in record.getMessage()
    assert "token=[redacted]" in record.getMessage()


def test_logging_an_exception_holding_a_secret_is_scrubbed():
    from connections.platforms import scrub

    scrub.remember(TOKEN)
    try:
        raise ValueError(f"failed for {TOKEN}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    scrub.ScrubSecretsFilter().filter(record)
    assert record.exc_info is None
    assert TOKEN not in record.getMessage()
    assert "failed for [redacted]" in record.getMessage()
