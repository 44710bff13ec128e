"""NuORDER over real HTTP to the sandbox, whose OAuth verification is oauthlib's own."""

import json

import pytest
from django.urls import reverse

from connections import services
from connections.context import platform_context
from connections.models import Connection, SyncRun
from connections.platforms.errors import AuthError
from connections.platforms.nuorder.sandbox.data import approve_pending, generate_orders, touch_orders
from connections.platforms.nuorder.sandbox.models import SandboxNuorderPending
from connections.platforms.nuorder.tests.fixtures import nuorder_credentials
from orders.models import Order, OutboundAction
from sandbox.models import SandboxAccount
from tests.integration.test_sync_engine import fetch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def check(connection, **changes):
    credentials = {**connection.stored_credentials(), **changes}
    return connection.adapter.check(platform_context(connection, credentials))


# -- signing, against the sandbox's real verification ----------------------------------------------


def test_requests_signed_by_requests_oauthlib_are_accepted(nuorder_connection, nuorder_app):
    generate_orders(nuorder_app.account, 3, statuses=("approved",))
    facts = check(nuorder_connection)
    assert facts.details == {"approved_orders": 3, "application_type": "wholesale"}


@pytest.mark.parametrize("secret", ["consumer_secret", "token_secret"])
def test_a_wrong_secret_is_refused_with_the_way_out(nuorder_connection, secret):
    with pytest.raises(AuthError) as caught:
        check(nuorder_connection, **{secret: "x" * 64})
    assert "Invalid OAuth signature" in str(caught.value)
    advice = nuorder_connection.adapter.explain(caught.value)
    assert advice == "NuORDER rejected the OAuth signature: check the Consumer Secret and Token Secret."


def test_the_wrong_application_type_is_refused(nuorder_connection):
    with pytest.raises(AuthError) as caught:
        check(nuorder_connection, application_type="retail")  # a brand's keys on the buyer host
    assert "Application Type" in nuorder_connection.adapter.explain(caught.value)


def test_no_secret_appears_in_an_error(nuorder_connection):
    with pytest.raises(AuthError) as caught:
        check(nuorder_connection, token_secret="y" * 64)
    text = str(caught.value)
    for value in nuorder_connection.stored_credentials().values():
        if value not in ("wholesale", "retail"):
            assert value not in text


# -- fetching ---------------------------------------------------------------------------------------


def test_a_sync_imports_the_approved_bucket_one_item_per_size(nuorder_connection, nuorder_app):
    generate_orders(nuorder_app.account, 30, statuses=("approved",), lines=2, sizes=3, seed=1)
    generate_orders(nuorder_app.account, 5, statuses=("draft",), seed=2)
    run = fetch(nuorder_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.created == 30 and Order.objects.count() == 30
    order = Order.objects.first()
    document = json.loads(nuorder_app.account.nuorder_orders.get(nuorder_id=order.external_id).document)
    sizes = [s for line in document["line_items"] for s in line["sizes"]]
    assert order.items.count() == len(sizes)
    assert {i.barcode for i in order.items.all()} == {s["upc"] for s in sizes}
    assert order.currency == document["currency_code"] and order.status == "pending"
    again = fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert (again.created, again.unchanged) == (0, 30)  # a whole bucket again, nothing doubled


def test_orders_moving_between_chosen_buckets_are_updated(nuorder_connection, nuorder_app):
    Connection.objects.filter(pk=nuorder_connection.pk).update(import_statuses=["approved", "processed"])
    generate_orders(nuorder_app.account, 10, statuses=("approved",), seed=3)
    fetch(Connection.objects.get(pk=nuorder_connection.pk))
    touch_orders(nuorder_app.account, count=4, new_status="processed")
    run = fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert (run.updated, run.unchanged) == (4, 6)
    assert Order.objects.filter(status="accepted").count() == 4


@pytest.mark.parametrize(
    ("switch", "words"),
    [
        ({"fault_server_error": -1}, "NuORDER had a server error (HTTP 500)"),
        ({"fault_rate_limit": -1, "retry_after_seconds": 45}, "it asked us to wait 45 seconds"),
        ({"fault_malformed_json": -1}, "with JSON cut short"),
    ],
    ids=["500-plain-text", "429", "malformed"],
)
def test_faults_fail_the_run_in_words_and_lose_nothing(nuorder_connection, nuorder_app, switch, words):
    generate_orders(nuorder_app.account, 5, statuses=("approved",))
    fetch(nuorder_connection)
    SandboxAccount.objects.filter(pk=nuorder_app.account.pk).update(**switch)
    run = fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert run.status == SyncRun.Status.FAILED and words in run.error
    assert Order.objects.count() == 5


def test_an_empty_body_is_not_an_empty_bucket_the_run_fails_and_the_next_brings_every_order(
    nuorder_connection, nuorder_app
):
    """Issue 16: NuORDER documents an empty bucket as `[]`. An empty body used to be taken as one: the
    pass skipped the bucket and said succeeded, and its orders came a pass late with nothing said."""
    Connection.objects.filter(pk=nuorder_connection.pk).update(import_statuses=["pending", "approved"])
    generate_orders(nuorder_app.account, 3, statuses=("approved",), seed=1)
    fetch(Connection.objects.get(pk=nuorder_connection.pk))
    before = Connection.objects.get(pk=nuorder_connection.pk).cursor
    generate_orders(nuorder_app.account, 18, statuses=("pending",), seed=2)
    SandboxAccount.objects.filter(pk=nuorder_app.account.pk).update(fault_empty_body=-1)
    run = fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert run.status == SyncRun.Status.FAILED and run.orders_seen == 0
    assert run.error.startswith(
        "NuORDER answered the pending orders (GET /api/orders/pending/detail) with an empty body"
    )
    assert Connection.objects.get(pk=nuorder_connection.pk).cursor == before
    SandboxAccount.objects.filter(pk=nuorder_app.account.pk).update(fault_empty_body=0)
    run = fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert run.status == SyncRun.Status.SUCCEEDED and Order.objects.count() == 21


# -- writing back -----------------------------------------------------------------------------------


def test_imported_orders_are_marked_processed_once(nuorder_connection, nuorder_app):
    Connection.objects.filter(pk=nuorder_connection.pk).update(auto_accept=True)
    generate_orders(nuorder_app.account, 4, statuses=("approved",))
    fetch(Connection.objects.get(pk=nuorder_connection.pk))
    assert set(nuorder_app.account.nuorder_orders.values_list("status", flat=True)) == {"processed"}
    assert OutboundAction.objects.filter(kind="accept", state="done").count() == 4
    assert set(Order.objects.values_list("status", flat=True)) == {"accepted"}  # read back after the push
    fetch(Connection.objects.get(pk=nuorder_connection.pk), full=True)
    assert OutboundAction.objects.filter(kind="accept").count() == 4


def test_a_shipment_goes_to_nuorder_with_tracking(member_client, nuorder_connection, nuorder_app):
    generate_orders(nuorder_app.account, 1, statuses=("approved",))
    fetch(nuorder_connection)
    order = Order.objects.get()
    member_client.post(reverse("orders:dispatch", args=[order.pk]), {"tracking_number": "1Z 999 AA1", "carrier": "UPS"})
    action = OutboundAction.objects.get(kind="shipment")
    assert action.state == OutboundAction.State.DONE, action.last_error
    document = json.loads(nuorder_app.account.nuorder_orders.get().document)
    assert document["status"] == "shipped"
    assert document["shipments"][-1]["tracking_numbers"] == ["1Z999AA1"]
    assert document["shipments"][-1]["carrier"] == "UPS"
    order.refresh_from_db()
    assert order.status == "shipped"


def test_a_retail_token_trying_to_ship_is_refused_in_words(member_client, merchant, nuorder_hosts, nuorder_retail_app):
    generate_orders(nuorder_retail_app.account, 1, statuses=("approved",))
    connection = services.create_connection(
        merchant,
        "nuorder",
        "buyer",
        nuorder_credentials(nuorder_retail_app),
        {"import_statuses": ["approved"], "push_tracking": True},
    )
    fetch(connection)
    order = Order.objects.get()
    member_client.post(reverse("orders:dispatch", args=[order.pk]), {"tracking_number": "T1"})
    action = OutboundAction.objects.get()
    assert action.state == OutboundAction.State.REJECTED
    assert "a Retail (buyer) application may only read" in action.help_text
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.CONNECTED  # not a credential problem


def test_the_add_account_form_refuses_pushes_for_a_retail_application(member_client, nuorder_hosts, nuorder_retail_app):
    data = {
        "name": "buyer",
        "auto_sync": "on",
        "sync_interval_minutes": "30",
        "import_statuses": ["approved"],
        "import_from": "2026-01-01",
        "push_tracking": "on",
        **nuorder_credentials(nuorder_retail_app),
    }
    body = member_client.post(reverse("connections:add", args=["nuorder"]), data).content.decode()
    assert "A Retail (buyer) application can only read orders on NuORDER" in body
    assert not Connection.objects.exists()


# -- the initiate handshake, self-serve ------------------------------------------------------------


def test_the_handshake_from_initiate_to_connected(client, merchant, nuorder_hosts, nuorder_app):
    from tests.factories import MembershipFactory

    nuorder_app.tokens.all().delete()
    keys = {k: v for k, v in nuorder_credentials(nuorder_app).items() if k not in ("token", "token_secret")}
    connection = services.create_connection(merchant, "nuorder", "brand", keys, {"import_statuses": ["approved"]})
    assert connection.status == Connection.Status.PENDING

    staff = MembershipFactory(merchant=merchant).user
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "Start the NuORDER authorization (staff)" in page
    client.post(reverse("connections:start_authorization", args=[connection.pk]))
    pending = SandboxNuorderPending.objects.get()
    assert pending.application_name == "PB_DEV"
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "approve PB_DEV" in page and "Verification code" in page
    assert pending.request_token_secret not in page
    assert "pending_token" not in json.dumps(Connection.objects.get(pk=connection.pk).credential.hints)

    wrong = client.post(
        reverse("connections:finish_authorization", args=[connection.pk]), {"code": "nope"}, follow=True
    )
    assert "The code was not accepted" in wrong.content.decode()
    code = approve_pending(pending)
    client.post(reverse("connections:finish_authorization", args=[connection.pk]), {"code": f" {code} "})
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED
    stored = connection.stored_credentials()
    assert stored["token"] == nuorder_app.tokens.get().token and "pending_token" not in stored
    assert set(connection.credential.hints) == {
        "application_type",
        "consumer_key",
        "consumer_secret",
        "token",
        "token_secret",
    }


def test_only_staff_start_the_handshake(member_client, nuorder_connection):
    response = member_client.post(reverse("connections:start_authorization", args=[nuorder_connection.pk]))
    assert response.status_code == 403


def test_editing_keeps_the_stored_secrets(member_client, nuorder_connection, nuorder_app):
    url = reverse("connections:edit", args=[nuorder_connection.pk])
    page = member_client.get(url).content.decode()
    stored = nuorder_connection.stored_credentials()
    for name in ("consumer_secret", "token_secret", "token", "consumer_key"):
        assert stored[name] not in page
    data = {
        "name": "brand2",
        "application_type": "wholesale",
        "auto_sync": "on",
        "sync_interval_minutes": "30",
        "import_statuses": ["approved"],
        "import_from": "2026-01-01",
        "push_tracking": "on",
    }
    assert member_client.post(url, data).status_code == 302
    connection = Connection.objects.get(pk=nuorder_connection.pk)
    assert connection.name == "brand2" and connection.stored_credentials() == stored
