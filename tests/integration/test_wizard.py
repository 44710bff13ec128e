"""The Add Connection wizard: four steps, Back and forward, everything typed kept, no secret stored."""

import re

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session

from connections.models import Connection
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from connections.platforms.nuorder.tests.fixtures import nuorder_credentials
from portal.models import Merchant
from tests.factories import ConnectionFactory
from tests.support.wizard_walk import WizardWalk

pytestmark = pytest.mark.django_db(transaction=True)

SYNC = {"auto_sync": "on", "sync_interval_minutes": "60", "import_from": "2026-10-01"}
NOTHS = {
    "noths-import_statuses": ["placed"],
    "noths-estimated_dispatch_days": "2",
    "noths-estimated_delivery_days": "4",
    "noths-push_tracking": "on",
}
NUORDER_SECRETS = ("consumer_key", "consumer_secret", "token", "token_secret")


@pytest.fixture(autouse=True)
def point_at_the_sandbox(settings, noths_url):
    settings.NOTHS_BASE_URL = noths_url
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def store(token, **extra):
    return {"store_choice": "new", "store_name": "Demo Shop Ltd", "platform": "noths", "noths-token": token, **extra}


def nuorder_typed(credentials: dict) -> dict:
    return {f"nuorder-{name}": value for name, value in credentials.items()}


def sessions_text() -> str:
    return " ".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())


def walk_to_store(client, name="wizshop", query="") -> WizardWalk:
    walk = WizardWalk(client, query)
    assert walk.step == "basic"
    walk.through({"name": name}, {}, SYNC)
    assert walk.step == "store"
    return walk


def shown_platform_groups(html: str) -> list[str]:
    groups = re.findall(r'data-platform-group="(\w+)"( hidden)?>', html)
    return [key for key, hidden in groups if not hidden]


def step_section(html: str, step: str) -> str:
    return re.search(rf'<div class="wizard-step" data-step="{step}"[^>]*>(.*?)\n    </div>', html, re.S).group(1)


def test_a_member_walks_the_four_steps(member_client, merchant, sandbox_account):
    walk = walk_to_store(member_client)
    for words in ("Store Setup", "Create new store", "Platform", "Application Type", "Consumer Secret"):
        assert words in walk.html
    response = walk.press({**store(f" {SANDBOX_TOKEN}\n"), **NOTHS})
    connection = Connection.objects.get()
    assert response.url == f"/connections/{connection.pk}/"
    assert (connection.merchant, connection.name, connection.store_name) == (merchant, "wizshop", "Demo Shop Ltd")
    assert (connection.status, connection.sync_interval_minutes, connection.import_statuses) == (
        Connection.Status.CONNECTED,
        60,
        ["placed"],
    )
    assert connection.platform_options == {"estimated_dispatch_days": 2, "estimated_delivery_days": 4}
    assert connection.credential.values() == {"token": SANDBOX_TOKEN}
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("The first download starts automatically" in message for message in said), said


def test_sync_settings_ask_nothing_that_depends_on_the_platform(member_client):
    """Symptom 1: step 3 showed NOTHS's sync settings before any platform was chosen."""
    walk = WizardWalk(member_client).through({"name": "x"}, {})
    assert walk.step == "sync"
    sync = step_section(walk.html, "sync")
    assert "How often" in sync and "Import orders placed from" in sync
    assert "states to import" not in sync and "Accept new orders automatically" not in sync
    assert shown_platform_groups(walk.html) == []  # no platform chosen: none of their settings show
    walk.press(SYNC)
    assert 'value="" selected>Choose a platform' in walk.html and shown_platform_groups(walk.html) == []


def test_the_platforms_settings_show_with_it_on_store_setup(member_client):
    walk = walk_to_store(member_client)
    walk.press({"platform": "nuorder"}, go="back")
    walk.press()
    assert shown_platform_groups(walk.html) == ["nuorder"]
    assert "NuORDER sync settings" in walk.html and "NuORDER states to import" in walk.html


def test_back_after_choosing_a_platform_keeps_it_and_every_credential(member_client):
    """Symptoms 2 and 3: Back showed NOTHS's settings; forward again blanked NuORDER's four credentials."""
    walk = walk_to_store(member_client)
    typed = {"application_type": "retail", **{name: f"typed-{name}-0123456789" for name in NUORDER_SECRETS}}
    walk.press({"platform": "nuorder", "store_name": "Kept Name", **nuorder_typed(typed)}, go="back")
    assert walk.step == "sync" and "NOTHS" not in step_section(walk.html, "sync")
    assert 'value="60" selected' in walk.html
    walk.press()
    assert walk.step == "store" and shown_platform_groups(walk.html) == ["nuorder"]
    held = walk.fields()
    assert held["platform"] == ["nuorder"] and held["store_name"] == ["Kept Name"]
    assert {name: held[f"nuorder-{name}"] for name in typed} == {name: [value] for name, value in typed.items()}
    assert "This field is required" not in walk.html and 'class="alert' not in walk.html
    assert not any(value in sessions_text() for value in typed.values())


def test_switching_platform_and_back_keeps_each_platforms_values(member_client):
    walk = walk_to_store(member_client)
    walk.press({"platform": "noths", "noths-token": "noths-typed-0123456789", "noths-auto_accept": "on"}, go="back")
    walk.press()
    walk.press({"platform": "nuorder", "nuorder-consumer_key": "nuorder-typed-key"}, go="back")
    walk.press()
    held = walk.fields()
    assert held["noths-token"] == ["noths-typed-0123456789"] and held["noths-auto_accept"] == ["on"]
    assert held["nuorder-consumer_key"] == ["nuorder-typed-key"]


def test_add_connection_after_a_platform_change_saves_without_a_bounce(member_client, nuorder_hosts, nuorder_app):
    """Symptom 4: Add connection bounced to Sync Settings, blanked the credentials and reset Every hour."""
    credentials = nuorder_credentials(nuorder_app)
    walk = walk_to_store(member_client)
    walk.press({"platform": "noths", "noths-token": "not-this-one-0123456789"}, go="back")
    walk.press()
    walk.press({"platform": "nuorder", "store_name": "Brand Co", **nuorder_typed(credentials)})
    connection = Connection.objects.get()
    assert walk.response.url == f"/connections/{connection.pk}/"
    assert (connection.platform, connection.status) == ("nuorder", Connection.Status.CONNECTED)
    assert (connection.sync_interval_minutes, connection.import_statuses) == (60, ["approved"])
    assert connection.credential.values() == credentials


def test_a_platforms_option_problem_shows_beside_it_on_store_setup(member_client):
    walk = walk_to_store(member_client)
    typed = nuorder_typed({"application_type": "retail", "consumer_key": "ck", "consumer_secret": "cs"})
    walk.press({"platform": "nuorder", **typed, "nuorder-auto_accept": "on"})
    assert walk.response.status_code == 200 and walk.step == "store"
    assert "A Retail (buyer) application can only read orders on NuORDER" in walk.html
    assert not Connection.objects.exists()


def test_store_setup_asks_for_the_platform(member_client):
    walk = walk_to_store(member_client)
    walk.press({"store_choice": "new"})
    assert walk.step == "store" and "Choose the platform." in walk.html


def test_a_platform_link_chooses_it_from_the_start(member_client):
    walk = walk_to_store(member_client, query="?platform=nuorder")
    assert walk.fields()["platform"] == ["nuorder"] and shown_platform_groups(walk.html) == ["nuorder"]


def test_no_secret_is_stored_or_cached_between_steps(member_client, sandbox_account):
    walk = walk_to_store(member_client)
    walk.press(store("typed-secret-1234567890"), go="back")
    assert "no-store" in walk.response["Cache-Control"]
    walk.press({"name": "changed"}, go="back")
    assert walk.step == "merchant" and "typed-secret-1234567890" in walk.html  # carried in the form only
    assert "typed-secret-1234567890" not in sessions_text()
    assert not Connection.objects.exists()


def test_labels_are_worded_as_the_seeds_without_a_colon(member_client):
    html = WizardWalk(member_client).html
    assert ">Connection Name</label>" in html and "Connection Name:" not in html


def test_a_steps_errors_show_beside_its_fields_and_no_others(member_client):
    walk = WizardWalk(member_client)
    walk.press({"name": ""})
    assert walk.step == "basic" and walk.html.count("This field is required") == 1
    walk = walk_to_store(member_client)
    walk.press({"store_choice": "new", "platform": "noths"})
    assert walk.step == "store" and "This field is required" in walk.html
    assert not Connection.objects.exists()


def test_a_refused_token_is_said_in_words_and_kept_to_correct(member_client, sandbox_account):
    walk = walk_to_store(member_client)
    walk.press({**store("wrong-token-0987654321"), **NOTHS})
    assert walk.response.status_code == 400
    assert "NOTHS rejected the credentials (HTTP 401): Invalid or expired token" in walk.html
    assert "Nothing was saved" in walk.html and walk.fields()["noths-token"] == ["wrong-token-0987654321"]
    assert not Connection.objects.exists()
    assert "wrong-token-0987654321" not in sessions_text()
    walk.press({"noths-token": SANDBOX_TOKEN})
    assert Connection.objects.get().status == Connection.Status.CONNECTED
    assert SANDBOX_TOKEN not in sessions_text()


def test_a_taken_name_sends_the_merchant_to_basic_information_with_it_said(member_client, merchant, sandbox_account):
    ConnectionFactory(merchant=merchant, name="wizshop")
    walk = walk_to_store(member_client)
    walk.press({**store(SANDBOX_TOKEN), **NOTHS})
    assert walk.step == "basic" and "You already have a NOTHS connection named \u201cwizshop\u201d." in walk.html
    walk.press({"name": "wizshop two"})
    assert walk.step == "merchant" and walk.fields()["noths-token"] == [SANDBOX_TOKEN]


def test_staff_create_a_new_merchant_only_when_the_connection_is_made(admin_client, sandbox_account):
    walk = WizardWalk(admin_client)
    walk.through({"name": "forthem"}, {"merchant_choice": "new", "new_merchant_name": "Brand New Ltd"}, SYNC)
    walk.press({**store("wrong-token-0987654321"), **NOTHS})
    assert not Merchant.objects.filter(name="Brand New Ltd").exists()  # nothing half-made
    walk.press({"noths-token": SANDBOX_TOKEN})
    assert Connection.objects.get().merchant.name == "Brand New Ltd"


def test_staff_pick_an_existing_merchant(admin_client, other_merchant, sandbox_account):
    walk = WizardWalk(admin_client)
    walk.through({"name": "forthem"}, {"merchant_choice": "existing"})
    assert walk.step == "merchant" and "Pick the merchant." in walk.html
    walk.through({"merchant": str(other_merchant.pk)}, SYNC, {**store(SANDBOX_TOKEN), **NOTHS})
    assert Connection.objects.get().merchant == other_merchant


def test_an_existing_store_is_updated_keeps_its_secret_and_never_shows_it(
    member_client, merchant, sandbox_account, noths_url
):
    existing = ConnectionFactory(merchant=merchant, name="old", token=SANDBOX_TOKEN, base_url_override=noths_url)
    walk = walk_to_store(member_client, name="renamed")
    pages = []
    for go in ("back", "next"):
        walk.press({"store_choice": "existing", "existing": str(existing.pk), "platform": "noths"}, go=go)
        pages.append(walk.html)
    walk.press({"store_name": "Now Named", **NOTHS})
    existing.refresh_from_db()
    assert (existing.name, existing.store_name, existing.sync_interval_minutes) == ("renamed", "Now Named", 60)
    assert existing.credential.values() == {"token": SANDBOX_TOKEN}
    assert Connection.objects.count() == 1
    assert not any(SANDBOX_TOKEN in html for html in pages)


def test_use_an_existing_store_is_offered_only_when_there_is_one(member_client, merchant):
    assert "Use an existing store" not in walk_to_store(member_client).html
    ConnectionFactory(merchant=merchant)
    assert "Use an existing store" in walk_to_store(member_client).html


def test_another_merchants_store_cannot_be_chosen(member_client, other_merchant):
    theirs = ConnectionFactory(merchant=other_merchant)
    walk = walk_to_store(member_client)
    walk.press({"store_choice": "existing", "existing": str(theirs.pk), "platform": "noths"})
    assert "Select a valid choice" in walk.html


def test_the_wizard_is_for_members_and_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner", password="x"))
    assert WizardWalk(client).response.status_code == 403
