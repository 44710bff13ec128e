"""The Add Connection wizard: four steps, Back and forward, no secret kept, errors in words."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from connections.models import Connection
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from portal.models import Merchant
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

SYNC = {
    "auto_sync": "on",
    "sync_interval_minutes": "60",
    "import_statuses": ["placed"],
    "import_from": "2026-10-01",
    "estimated_dispatch_days": "2",
    "estimated_delivery_days": "4",
    "push_tracking": "on",
}


@pytest.fixture(autouse=True)
def point_at_the_sandbox(settings, noths_url):
    settings.NOTHS_BASE_URL = noths_url
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def step(name):
    return reverse("connections:wizard_step", args=[name])


def post(client, name, data=None, go="next"):
    return client.post(step(name), {**(data or {}), "go": go})


def store(token, **extra):
    return {"store_choice": "new", "store_name": "Demo Shop Ltd", "platform": "noths", "noths-token": token, **extra}


def sessions_text() -> str:
    return " ".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())


def walk_to_store(client, name="wizshop"):
    assert client.get(reverse("connections:wizard")).url == step("basic")
    assert post(client, "basic", {"name": name}).url == step("merchant")
    assert post(client, "merchant").url == step("sync")
    assert post(client, "sync", SYNC).url == step("store")


def test_a_member_walks_the_four_steps(member_client, merchant, sandbox_account):
    walk_to_store(member_client)
    page = member_client.get(step("store")).content.decode()
    for words in (
        "Store Setup",
        "Create new store",
        "Platform",
        "Application Type",
        "Consumer Secret",
        "Token Secret",
        "Add connection",
    ):
        assert words in page
    response = post(member_client, "store", store(f" {SANDBOX_TOKEN}\n"))
    connection = Connection.objects.get()
    assert response.url == reverse("connections:detail", args=[connection.pk])
    assert (connection.merchant, connection.name, connection.store_name) == (merchant, "wizshop", "Demo Shop Ltd")
    assert (connection.status, connection.sync_interval_minutes, connection.import_statuses) == (
        Connection.Status.CONNECTED,
        60,
        ["placed"],
    )
    assert connection.platform_options == {"estimated_dispatch_days": 2, "estimated_delivery_days": 4}
    assert connection.credential.values() == {"token": SANDBOX_TOKEN}
    assert "add_connection_wizard" not in member_client.session


def test_the_merchant_step_shows_a_member_their_own_merchant(member_client, merchant):
    post(member_client, "basic", {"name": "x"})
    assert (
        f"This connection is for <strong>{merchant.name}</strong>"
        in member_client.get(step("merchant")).content.decode()
    )


def test_back_and_forward_keep_what_was_typed_but_never_a_secret(member_client, sandbox_account):
    walk_to_store(member_client)
    response = post(member_client, "store", store("typed-secret-1234567890", store_name="Kept Name"), go="back")
    assert response.url == step("sync")
    assert 'value="60" selected' in member_client.get(step("sync")).content.decode()
    assert 'value="wizshop"' in member_client.get(step("basic")).content.decode()
    page = member_client.get(step("store")).content.decode()
    assert 'value="Kept Name"' in page
    assert "typed-secret-1234567890" not in page
    assert "typed-secret-1234567890" not in sessions_text()


def test_labels_are_worded_as_the_seeds_without_a_colon(member_client):
    page = member_client.get(step("basic")).content.decode()
    assert ">Connection Name</label>" in page and "Connection Name:" not in page


def test_a_steps_errors_show_beside_its_fields(member_client):
    response = post(member_client, "basic", {"name": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    walk_to_store(member_client)
    page = post(member_client, "store", {"store_choice": "new", "platform": "noths"}).content.decode()
    assert "This field is required" in page and not Connection.objects.exists()


def test_a_refused_token_is_said_in_words_then_fixed(member_client, sandbox_account):
    walk_to_store(member_client)
    response = post(member_client, "store", store("wrong-token-0987654321"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "NOTHS rejected the credentials (HTTP 401): Invalid or expired token" in body
    assert "Nothing was saved" in body and "wrong-token-0987654321" not in body
    assert not Connection.objects.exists()
    assert "wrong-token-0987654321" not in sessions_text()
    post(member_client, "store", store(SANDBOX_TOKEN))
    assert Connection.objects.get().status == Connection.Status.CONNECTED
    assert SANDBOX_TOKEN not in sessions_text()


def test_staff_create_a_new_merchant_only_when_the_connection_is_made(admin_client, sandbox_account):
    admin_client.get(reverse("connections:wizard"))
    post(admin_client, "basic", {"name": "forthem"})
    post(admin_client, "merchant", {"merchant_choice": "new", "new_merchant_name": "Brand New Ltd"})
    post(admin_client, "sync", SYNC)
    post(admin_client, "store", store("wrong-token-0987654321"))
    assert not Merchant.objects.filter(name="Brand New Ltd").exists()  # nothing half-made
    post(admin_client, "store", store(SANDBOX_TOKEN))
    assert Connection.objects.get().merchant.name == "Brand New Ltd"


def test_staff_pick_an_existing_merchant(admin_client, other_merchant, sandbox_account):
    admin_client.get(reverse("connections:wizard"))
    post(admin_client, "basic", {"name": "forthem"})
    assert post(admin_client, "merchant", {"merchant_choice": "existing"}).status_code == 200  # must pick one
    post(admin_client, "merchant", {"merchant_choice": "existing", "merchant": other_merchant.pk})
    post(admin_client, "sync", SYNC)
    post(admin_client, "store", store(SANDBOX_TOKEN))
    assert Connection.objects.get().merchant == other_merchant


def test_an_existing_store_is_updated_and_keeps_its_secret(member_client, merchant, sandbox_account, noths_url):
    existing = ConnectionFactory(merchant=merchant, name="old", token=SANDBOX_TOKEN, base_url_override=noths_url)
    walk_to_store(member_client, name="renamed")
    post(
        member_client,
        "store",
        {"store_choice": "existing", "existing": existing.pk, "platform": "noths", "store_name": "Now Named"},
    )
    existing.refresh_from_db()
    assert (existing.name, existing.store_name, existing.sync_interval_minutes) == ("renamed", "Now Named", 60)
    assert existing.credential.values() == {"token": SANDBOX_TOKEN}
    assert Connection.objects.count() == 1


def test_use_an_existing_store_is_offered_only_when_there_is_one(member_client, merchant):
    walk_to_store(member_client)
    assert "Use an existing store" not in member_client.get(step("store")).content.decode()
    ConnectionFactory(merchant=merchant)
    assert "Use an existing store" in member_client.get(step("store")).content.decode()


def test_another_merchants_store_cannot_be_chosen(member_client, other_merchant):
    theirs = ConnectionFactory(merchant=other_merchant)
    walk_to_store(member_client)
    page = post(member_client, "store", {"store_choice": "existing", "existing": theirs.pk, "platform": "noths"})
    assert "Select a valid choice" in page.content.decode()


def test_choosing_another_platform_brings_its_sync_settings_back(member_client):
    walk_to_store(member_client)
    response = post(
        member_client,
        "store",
        {
            "store_choice": "new",
            "platform": "nuorder",
            "nuorder-application_type": "wholesale",
            "nuorder-consumer_key": "ck",
            "nuorder-consumer_secret": "cs",
        },
    )
    assert response.url == step("sync")
    page = member_client.get(step("sync")).content.decode()
    assert "NuORDER states to import" in page and "Mark imported orders as processed on NuORDER" in page


def test_switching_platform_with_nothing_typed_goes_to_sync_settings_not_to_errors(member_client):
    walk_to_store(member_client)
    response = post(
        member_client, "store", {"store_choice": "new", "platform": "nuorder", "nuorder-token_secret": "ts"}
    )
    assert response.status_code == 302 and response.url == step("sync")
    follow = member_client.get(step("sync")).content.decode()
    assert "You will enter the credentials on Store Setup" in follow
    assert "nuorder-token_secret" not in sessions_text()
    nuorder_sync = {**SYNC, "import_statuses": ["approved"]}
    assert post(member_client, "sync", nuorder_sync).url == step("store")
    store_page = member_client.get(step("store")).content.decode()
    assert 'value="nuorder" selected' in store_page and "This field is required" not in store_page


def test_the_wizard_is_for_members_and_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner", password="x"))
    assert client.get(reverse("connections:wizard")).status_code == 403
