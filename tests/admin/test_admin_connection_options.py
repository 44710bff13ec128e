"""A connection's sync options on its admin page: the merchant's fields, checked and saved as the merchant's are."""

import pytest
from django.urls import reverse

from connections.models import Connection, Credential
from connections.platforms import registry
from connections.platforms.partner.tests.fixtures import make_partner_connection
from tests.admin.conftest import change_form_data
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
NOTHS_OPTIONS = {"estimated_dispatch_days": 1, "estimated_delivery_days": 3}


@pytest.fixture
def noths(merchant):
    options = {**NOTHS_OPTIONS, "kept_by_an_older_portal": "x"}
    return ConnectionFactory(merchant=merchant, name="shop", platform_options=options)


def form_of(admin_client, connection):
    return (
        admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk])).context["adminform"].form
    )


def fresh(connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def test_the_states_are_checkboxes_in_the_platforms_words_and_its_options_are_numbers(admin_client, noths):
    form = form_of(admin_client, noths)
    adapter = registry.get("noths")
    assert "platform_options" not in form.fields
    states = form["import_statuses"]
    assert list(states.field.choices) == list(adapter.statuses)
    assert states.field.label == "NOTHS states to import"
    html = str(states)
    assert html.count('type="checkbox"') == len(adapter.statuses)
    assert sorted(states.value()) == ["accepted", "placed"]
    for option in adapter.option_fields:
        widget = str(form[option.name])
        assert 'type="number"' in widget
        assert f'min="{option.min_value}"' in widget and f'max="{option.max_value}"' in widget
        assert form[option.name].value() == NOTHS_OPTIONS[option.name]
        assert form[option.name].label == option.label
    assert "<select" in str(form["sync_interval_minutes"])


def test_the_admin_shows_no_json_box_for_the_options(admin_client, noths):
    body = admin_client.get(reverse("admin:connections_connection_change", args=[noths.pk])).content.decode()
    assert 'name="platform_options"' not in body
    assert '<textarea name="import_statuses"' not in body
    assert "Placed (new, waiting for you to accept)" in body
    assert "Estimated dispatch (working days after accepting)" in body


def test_the_options_round_trip_into_the_connections_json(admin_client, noths):
    url, data = change_form_data(
        admin_client, noths, import_statuses=["placed", "dispatched"], estimated_dispatch_days=5, auto_sync=""
    )
    assert admin_client.post(url, data).status_code == 302
    saved = fresh(noths)
    assert saved.import_statuses == ["placed", "dispatched"]
    assert saved.platform_options == {
        "estimated_dispatch_days": 5,
        "estimated_delivery_days": 3,
        "kept_by_an_older_portal": "x",
    }
    assert saved.auto_sync is False
    form = form_of(admin_client, noths)
    assert sorted(form["import_statuses"].value()) == ["dispatched", "placed"]
    assert form["estimated_dispatch_days"].value() == 5


@pytest.mark.parametrize(
    ("typed", "field", "error"),
    [
        ({"estimated_dispatch_days": 31}, "estimated_dispatch_days", "less than or equal to 30"),
        ({"estimated_delivery_days": -1}, "estimated_delivery_days", "greater than or equal to 0"),
        ({"estimated_delivery_days": "soon"}, "estimated_delivery_days", "Enter a whole number"),
        ({"import_statuses": ["placed", "lost"]}, "import_statuses", "Select a valid choice"),
        ({"sync_interval_minutes": 7}, "sync_interval_minutes", "Select a valid choice"),
    ],
)
def test_a_value_the_merchants_form_refuses_is_refused_and_nothing_is_saved(admin_client, noths, typed, field, error):
    url, data = change_form_data(admin_client, noths, **typed)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors[field])
    assert fresh(noths).platform_options["estimated_dispatch_days"] == 1
    assert fresh(noths).import_statuses == ["placed", "accepted"]


def test_an_option_the_account_cannot_have_is_refused_in_the_platforms_words(admin_client, merchant):
    adapter = registry.get("nuorder")
    connection = Connection.objects.create(
        merchant=merchant, platform="nuorder", name="buyer", import_statuses=["approved"], push_tracking=False
    )
    credential = Credential(connection=connection)
    values = {"application_type": "retail", "consumer_key": "k", "consumer_secret": "s", "token": "t"}
    credential.set_values(values, adapter.credential_fields)
    credential.save()
    url, data = change_form_data(admin_client, connection, push_tracking="on")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    problem = adapter.option_problems(values, {"push_tracking": True})["push_tracking"]
    assert response.context["adminform"].form.errors["push_tracking"] == [problem]
    assert fresh(connection).push_tracking is False


def test_a_platform_without_options_of_its_own_shows_none_and_keeps_its_json(admin_client, merchant):
    chain = make_partner_connection(merchant)
    Connection.objects.filter(pk=chain.pk).update(platform_options={"kept": 1})
    form = form_of(admin_client, chain)
    adapter = registry.get("partner")
    assert adapter.option_fields == ()
    assert list(form["import_statuses"].field.choices) == list(adapter.statuses)
    url, data = change_form_data(admin_client, chain, import_statuses=[adapter.statuses[0][0]])
    assert admin_client.post(url, data).status_code == 302
    assert fresh(chain).platform_options == {"kept": 1}
    assert fresh(chain).import_statuses == [adapter.statuses[0][0]]
