"""Connecting a Partner API chain as a merchant: Add Account against the sandbox over real HTTP,
the webhook URL and secret shown once, rotation with a grace period, Test connection."""

import json

import pytest
import requests
from django import db
from django.core.cache import cache
from django.urls import reverse

from connections.models import Connection, Credential
from connections.platforms.partner.sandbox.data import create_chain
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID
from connections.platforms.partner.tests.orders import partner_order
from tests.support.account_form import add_account as fill_in
from tests.support.wizard_walk import WizardWalk

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "partner-connect-token-5a7c9e1b3d"
CLIENT_ID, CLIENT_SECRET = "connect-client", "connect-client-secret-2b4d6f8a"


@pytest.fixture(autouse=True)
def sandbox_chain(live_server, settings):
    cache.clear()
    settings.PARTNER_BASE_URL = f"{live_server.url}/sandbox/partner"
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    return create_chain(
        "Connect Grocer",
        chain_id=PARTNER_CHAIN_ID,
        token=TOKEN,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        vendor_ids=("v-1", "v-2"),
    )


def add_account(client, **fields):
    typed = {
        "name": "Connect Grocer",
        "api_host": "sandbox",
        "chain_id": PARTNER_CHAIN_ID,
        "vendor_ids": "v-1, v-2",
        "picking_mode": "partner",
    }
    return fill_in(client, "partner", **{**typed, **fields})


def webhook_card(client, connection) -> str:
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    return page[page.index('id="webhook"') :]


def post_event(live_server, connection, secret, status="RECEIVED"):
    url = live_server.url + reverse("webhook", args=["partner", connection.webhook_id])
    body = json.dumps(partner_order(status=status))
    return requests.post(url, data=body, headers={"Authorization": secret}, timeout=10)


def test_a_good_token_connects_and_the_webhook_secret_is_shown_once(member_client, live_server):
    response = add_account(member_client, token=f"  {TOKEN} \n")
    connection = Connection.objects.get()
    assert response.status_code == 302 and response.url == reverse("connections:detail", args=[connection.pk])
    assert connection.status == Connection.Status.CONNECTED
    stored = connection.stored_credentials()
    assert stored["token"] == TOKEN and len(stored["webhook_secret"]) >= 32

    first = webhook_card(member_client, connection)
    assert str(connection.webhook_id) in first and stored["webhook_secret"] in first
    again = webhook_card(member_client, connection)
    assert str(connection.webhook_id) in again and stored["webhook_secret"] not in again
    with db.connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM connections_credential")
        column = bytes(cursor.fetchone()[0]).decode()
    assert stored["webhook_secret"] not in column and TOKEN not in column

    assert post_event(live_server, connection, stored["webhook_secret"]).status_code == 202


def test_a_typed_secret_is_kept_and_rotation_accepts_the_old_one_for_a_while(member_client, live_server):
    own = "merchant-typed-webhook-secret-0123"
    add_account(member_client, token=TOKEN, webhook_secret=own)
    connection = Connection.objects.get()
    assert connection.stored_credentials()["webhook_secret"] == own

    member_client.post(reverse("connections:rotate_webhook_secret", args=[connection.pk]))
    new = Connection.objects.get().stored_credentials()["webhook_secret"]
    assert new != own and new in webhook_card(member_client, connection)
    assert post_event(live_server, connection, new).status_code == 202
    assert post_event(live_server, connection, own, status="READY_FOR_PICKUP").status_code == 202  # grace
    assert post_event(live_server, connection, "neither-of-them-secret-000").status_code == 401


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Basic cGFydG5lcjpyYW5kb21wYXNzd29yZA==", "Basic cGFydG5lcjpyYW5kb21wYXNzd29yZA=="),
        ("  Basic cGFydG5lcjpyYW5kb21wYXNzd29yZA==\r\n", "Basic cGFydG5lcjpyYW5kb21wYXNzd29yZA=="),
        ("\u200bBearer my webhook secret 42", "Bearer my webhook secret 42"),
    ],
)
def test_a_typed_secret_keeps_its_inner_spaces(member_client, live_server, typed, kept):
    """The whole Authorization header is the secret: "Basic abc==" must not become "Basicabc==";
    only a paste's ends, line breaks and invisible characters go."""
    add_account(member_client, token=TOKEN, webhook_secret=typed)
    connection = Connection.objects.get()
    assert connection.stored_credentials()["webhook_secret"] == kept
    assert post_event(live_server, connection, kept).status_code == 202
    assert post_event(live_server, connection, kept.replace(" ", ""), status="READY_FOR_PICKUP").status_code == 401

    member_client.post(reverse("connections:rotate_webhook_secret", args=[connection.pk]), {"secret": f" {kept} v2 "})
    assert Connection.objects.get().stored_credentials()["webhook_secret"] == f"{kept} v2"


def test_a_typed_secret_too_short_to_be_safe_is_refused_in_words(member_client):
    response = add_account(member_client, token=TOKEN, webhook_secret="short secret")
    assert response.status_code == 400
    assert "at least 16 characters" in response.content.decode()
    assert not Connection.objects.exists()


def test_client_credentials_connect_through_the_token_endpoint(member_client):
    add_account(member_client, token="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED
    response = member_client.post(reverse("connections:test", args=[connection.pk]), follow=True)
    assert "accepted" in response.content.decode()


def test_a_wrong_token_says_what_to_fix_and_saves_nothing(member_client):
    response = add_account(member_client, token="not-the-chain-token-000000")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Bearer token" in body and "not-the-chain-token-000000" not in body
    assert not Connection.objects.exists() and not Credential.objects.exists()


def test_a_missing_token_and_a_half_client_pair_are_form_errors(member_client):
    assert "Enter the Bearer token" in add_account(member_client, token="").content.decode()
    assert "go together" in add_account(member_client, token="", client_id=CLIENT_ID).content.decode()
    assert not Connection.objects.exists()


def test_the_connection_page_shows_choices_by_their_label_and_secrets_by_their_hint(member_client):
    add_account(member_client, token=TOKEN)
    connection = Connection.objects.get()
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    settings_card = page[page.index("<h2>Settings</h2>") : page.index('id="webhook"')]
    assert "Partner Picking (we may update orders)" in settings_card and "Sandbox" in settings_card
    assert TOKEN not in settings_card and f"\u2026{TOKEN[-4:]}" in settings_card


def test_the_wizard_connects_a_partner_chain_and_shows_the_webhook_once(member_client, live_server):
    """Add Connection's four steps with the Partner API picked on Store Setup, where its own sync
    settings show with it; the chain is checked against the sandbox, and the webhook URL and
    secret are shown once and accept an event."""
    walk = WizardWalk(member_client)
    walk.through({"name": "Wizard Grocer"}, {}, {"auto_sync": "on", "sync_interval_minutes": "60"})
    statuses = ["RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "DISPATCHED"]
    walk.press({"platform": "partner"}, go="back")  # chosen, then Back and forward: its settings show
    walk.press()
    assert "Ready for pickup" in walk.html
    store = {
        "store_choice": "new",
        "store_name": "Corner Grocer",
        "platform": "partner",
        "partner-api_host": "sandbox",
        "partner-chain_id": f" {PARTNER_CHAIN_ID} ",
        "partner-vendor_ids": "v-1, v-2",
        "partner-picking_mode": "partner",
        "partner-token": f"{TOKEN}\n",
        "partner-import_statuses": statuses,
    }
    response = walk.press(store)
    connection = Connection.objects.get()
    assert response.url == reverse("connections:detail", args=[connection.pk])
    assert (connection.platform, connection.status) == ("partner", Connection.Status.CONNECTED)
    assert set(connection.import_statuses) == set(statuses)
    stored = connection.stored_credentials()
    assert (stored["chain_id"], stored["token"]) == (PARTNER_CHAIN_ID, TOKEN)
    first, again = webhook_card(member_client, connection), webhook_card(member_client, connection)
    assert stored["webhook_secret"] in first and stored["webhook_secret"] not in again
    assert post_event(live_server, connection, stored["webhook_secret"]).status_code == 202
