"""The webhook secret shown again: a member types their password on the connection's page and the
secret is on that answer only (never cached), recorded in the audit trail, never in a log.
A wrong password is refused in words and counted like a failed sign-in; another merchant's
connection is not found."""

import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import AuditEntry
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from connections.reveal import REFUSED_WORDS
from tests.factories import PASSWORD, ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_secret(member_client, partner_connection):
    """The Partner connection whose secret was shown once already (the tab that showed it is gone)."""
    member_client.get(reverse("connections:detail", args=[partner_connection.pk]))
    page = member_client.get(reverse("connections:detail", args=[partner_connection.pk])).content.decode()
    assert PARTNER_WEBHOOK_SECRET not in page and "Show the secret again" in page
    return partner_connection


def reveal(client, connection, password):
    return client.post(reverse("connections:reveal_webhook_secret", args=[connection.pk]), {"password": password})


def test_the_right_password_shows_the_secret_again_on_that_answer_only(member_client, member, hidden_secret):
    shown = reveal(member_client, hidden_secret, PASSWORD)
    page = shown.content.decode()
    assert shown.status_code == 200 and PARTNER_WEBHOOK_SECRET in page
    assert "Shown again at your request" in page
    assert "no-store" in shown["Cache-Control"]
    after = member_client.get(reverse("connections:detail", args=[hidden_secret.pk])).content.decode()
    assert PARTNER_WEBHOOK_SECRET not in after  # gone again once the member leaves


def test_a_reveal_is_recorded_who_which_and_when_never_the_secret(member_client, member, hidden_secret):
    reveal(member_client, hidden_secret, PASSWORD)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.WEBHOOK_SECRET_REVEALED)
    assert (entry.connection, entry.actor, entry.merchant) == (hidden_secret, member, hidden_secret.merchant)
    assert entry.at is not None and entry.ip
    assert PARTNER_WEBHOOK_SECRET not in str(entry.changes) + entry.summary


def test_a_wrong_password_is_refused_in_words_and_counted_like_a_sign_in(member_client, member, hidden_secret):
    refused = reveal(member_client, hidden_secret, "not-my-password")
    page = refused.content.decode()
    assert refused.status_code == 400 and PARTNER_WEBHOOK_SECRET not in page
    assert REFUSED_WORDS.split(",")[0] in page
    assert "no-store" in refused["Cache-Control"]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK_SECRET_REVEALED).exists()
    assert AccessAttempt.objects.get(username=member.username).failures_since_start == 1


def test_past_the_sign_in_limit_even_the_right_password_is_refused(member_client, member, hidden_secret, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        reveal(member_client, hidden_secret, "guess")
    locked = reveal(member_client, hidden_secret, PASSWORD)
    page = locked.content.decode()
    assert locked.status_code == 429 and PARTNER_WEBHOOK_SECRET not in page
    assert "Try again in" in page and "Show the secret again" in page  # the cool-off, on the same form
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK_SECRET_REVEALED).exists()


def test_another_merchants_connection_is_not_found(other_client, hidden_secret):
    assert reveal(other_client, hidden_secret, PASSWORD).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK_SECRET_REVEALED).exists()


def test_a_connection_without_a_secret_the_portal_made_has_nothing_to_show(member_client, merchant):
    connection = ConnectionFactory(merchant=merchant)  # no webhooks at all
    assert reveal(member_client, connection, PASSWORD).status_code == 404


def test_reveal_asks_for_a_post(member_client, hidden_secret):
    url = reverse("connections:reveal_webhook_secret", args=[hidden_secret.pk])
    assert member_client.get(url).status_code == 405


def test_neither_the_secret_nor_the_password_reaches_a_log(member_client, hidden_secret, caplog):
    caplog.set_level(logging.DEBUG)
    reveal(member_client, hidden_secret, "wrong-password-typed")
    reveal(member_client, hidden_secret, PASSWORD)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # axes logs the attempts: the check below reads something
    for value in (PARTNER_WEBHOOK_SECRET, PASSWORD, "wrong-password-typed"):
        assert value not in logged
