"""The merchant's pages, with the adapter talking real HTTP to the sandbox NOTHS."""

import json
import re

import pytest
from django.urls import reverse

from connections import views as connection_views
from connections.models import Connection, Credential, SyncRun
from connections.platforms import registry
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.noths.tests.fixtures import SANDBOX_TOKEN
from orders.models import Order, OutboundAction
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def point_noths_at_the_sandbox(settings, noths_url):
    settings.NOTHS_BASE_URL = noths_url
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def account_form(token, name="itest", **extra) -> dict:
    """What a merchant submits in the Add Account dialog or on Edit."""
    return {
        "name": name,
        "token": token,
        "auto_sync": "on",
        "sync_interval_minutes": "30",
        "import_statuses": ["placed", "accepted"],
        "import_from": "2026-01-01",
        "estimated_dispatch_days": "1",
        "estimated_delivery_days": "3",
        "push_tracking": "on",
        **extra,
    }


def add_account(client, token, name="itest", **extra):
    return client.post(reverse("connections:add", args=["noths"]), account_form(token, name, **extra))


# -- Add Account --------------------------------------------------------------------------------


def test_manage_connection_lists_noths_with_add_account(member_client):
    body = member_client.get(reverse("connections:manage")).content.decode()
    assert "Add Account" in body and "NOTHS" in body
    for label in (
        "Connection Name",
        "Consumer Key",
        "Import orders automatically",
        "NOTHS states to import",
        "Accept new orders automatically",
        "Push dispatch tracking back to NOTHS",
    ):
        assert label in body


def test_manage_connection_renders_each_blank_add_account_form_once_per_process(member_client, monkeypatch):
    monkeypatch.setattr(connection_views, "_BLANK_ACCOUNT_FIELDS", {})
    first, second = (member_client.get(reverse("connections:manage")) for _ in range(2))
    rendered = [[t.name for t in page.templates].count("connections/_account_fields.html") for page in (first, second)]
    assert rendered == [len(registry.all_platforms()), 0]
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew on each page
    dialogs = [token.sub("TOKEN", page.content.decode().split("<dialog", 1)[1]) for page in (first, second)]
    assert dialogs[0] == dialogs[1] and dialogs[1].count("TOKEN") == len(registry.all_platforms())


def test_a_good_token_with_pasted_spaces_lands_connected(member_client, merchant, sandbox_account):
    response = add_account(member_client, f"  {SANDBOX_TOKEN}\n\u200b ")
    connection = Connection.objects.get(merchant=merchant)
    assert response.status_code == 302 and response.url == reverse("connections:detail", args=[connection.pk])
    assert connection.status == Connection.Status.CONNECTED
    assert connection.credential.values() == {"token": SANDBOX_TOKEN}
    assert connection.import_statuses == ["placed", "accepted"]
    assert connection.next_sync_at is not None  # the first import starts at the next tick
    page = member_client.get(response.url).content.decode()
    assert "Connected" in page and "NOTHS accepted the token" in page
    assert SANDBOX_TOKEN not in page


def test_add_account_says_the_first_download_starts_by_itself(member_client, sandbox_account):
    page = add_account(member_client, SANDBOX_TOKEN)
    landed = member_client.get(page.url).content.decode()
    said = "The first download starts automatically within a minute: there is no need to click Fetch Orders."
    assert landed.count(said) >= 2  # the message, and the page's own notice that stays until it starts
    off = add_account(member_client, SANDBOX_TOKEN, name="manual", auto_sync="")
    assert "first download" not in member_client.get(off.url).content.decode()


def test_a_wrong_token_says_what_noths_said_and_saves_nothing(member_client, sandbox_account):
    response = add_account(member_client, "not-the-right-token-123456")
    body = response.content.decode()
    assert response.status_code == 400
    assert "NOTHS rejected the credentials (HTTP 401): Invalid or expired token" in body
    assert "Settings \u2192 API Tokens" in body and "Nothing was saved" in body
    assert 'data-open-on-load="1"' in body  # the dialog is open again, ready to correct
    assert "not-the-right-token-123456" not in body  # the secret is not rendered back
    assert 'value="itest"' in body  # the rest of what was typed is kept
    assert not Connection.objects.exists() and not Credential.objects.exists()


def test_noths_being_down_is_said_plainly_and_saves_nothing(member_client, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
    body = add_account(member_client, SANDBOX_TOKEN).content.decode()
    assert "NOTHS had a server error (HTTP 500)" in body
    assert not Connection.objects.exists()


def test_a_missing_token_and_a_duplicate_name_are_form_errors(member_client, sandbox_account):
    assert "This field is required" in add_account(member_client, "   ").content.decode()
    add_account(member_client, SANDBOX_TOKEN, name="itest")
    body = add_account(member_client, SANDBOX_TOKEN, name="ITEST").content.decode()
    assert "You already have a NOTHS connection named" in body
    assert Connection.objects.count() == 1


# -- Edit, Test, Pause, Disconnect -----------------------------------------------------------------


def test_edit_keeps_the_stored_token_unless_a_new_one_is_typed(member_client, sandbox_connection):
    url = reverse("connections:edit", args=[sandbox_connection.pk])
    form = member_client.get(url).content.decode()
    assert "Stored: \u2026" in form and SANDBOX_TOKEN not in form
    data = account_form(
        "",
        name="renamed",
        sync_interval_minutes="60",
        import_statuses=["placed"],
        estimated_dispatch_days="2",
        estimated_delivery_days="4",
    )
    assert member_client.post(url, data).status_code == 302
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert (connection.name, connection.sync_interval_minutes, connection.import_statuses) == (
        "renamed",
        60,
        ["placed"],
    )
    assert connection.platform_options == {"estimated_dispatch_days": 2, "estimated_delivery_days": 4}
    assert connection.credential.values() == {"token": SANDBOX_TOKEN}

    response = member_client.post(url, {**data, "token": "wrong-token-wrong-token"})
    assert response.status_code == 400 and "Invalid or expired token" in response.content.decode()
    assert Connection.objects.get(pk=sandbox_connection.pk).credential.values() == {"token": SANDBOX_TOKEN}


def test_fixing_a_rejected_token_through_edit_reconnects(member_client, sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token="the-new-token-abcdef123456")
    member_client.post(reverse("connections:test", args=[sandbox_connection.pk]))
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "Invalid or expired token" in page and "Edit" in page

    data = account_form(" the-new-token-abcdef123456 ")
    member_client.post(reverse("connections:edit", args=[connection.pk]), data)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED and connection.last_error == ""


def test_test_connection_reports_success(member_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 3)
    response = member_client.post(reverse("connections:test", args=[sandbox_connection.pk]), follow=True)
    assert "Test passed. NOTHS accepted the token; the account has 3 orders." in response.content.decode()


def test_pause_resume_and_disconnect(member_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 5)
    member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]))
    member_client.post(reverse("connections:pause", args=[sandbox_connection.pk]))
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.status == Connection.Status.PAUSED and connection.next_sync_at is None
    response = member_client.post(reverse("connections:fetch", args=[connection.pk]), follow=True)
    assert "resume it first" in response.content.decode()
    member_client.post(reverse("connections:resume", args=[connection.pk]))
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.CONNECTED

    assert (
        "deletes its stored credentials"
        in member_client.get(reverse("connections:disconnect", args=[connection.pk])).content.decode()
    )
    member_client.post(reverse("connections:disconnect", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.status == Connection.Status.DISCONNECTED
    assert not Credential.objects.filter(connection=connection).exists()
    assert Order.objects.filter(connection=connection).count() == 5  # orders stay


# -- Fetch Orders and the order pages -------------------------------------------------------------


def test_fetch_orders_from_the_downloads_page_and_see_them(member_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 60, states=("placed", "accepted"), seed=11)
    downloads = reverse("connections:downloads")
    assert "Fetch Orders" in member_client.get(downloads).content.decode()
    response = member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]), {"next": downloads})
    assert response.url == downloads
    run = SyncRun.objects.get(connection=sandbox_connection)
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 60
    progress = member_client.get(reverse("connections:progress", args=[sandbox_connection.pk])).json()
    assert progress["run"]["status"] == "succeeded" and progress["run"]["percent"] == 100
    assert progress["run"]["created"] == 60

    listing = member_client.get(reverse("orders:list")).content.decode()
    assert "60 orders" in listing
    order = Order.objects.filter(connection=sandbox_connection).order_by("-placed_at").first()
    assert order.number in listing
    page = member_client.get(reverse("orders:list"), {"q": order.customer_name.split()[0], "status": order.status})
    assert order.number in page.content.decode()
    detail = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    item = order.items.first()
    assert item.title in detail and str(order.total) in detail and "GBP" in detail
    assert "Imported from NOTHS" in detail
    assert "Raw NOTHS payload" not in detail  # staff only


def test_order_list_pages_and_filters(member_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 120, states=("placed", "accepted"), seed=12)
    member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]))
    first = member_client.get(reverse("orders:list")).context
    assert first["count"].value == 120 and len(first["page"].object_list) == 50
    accepted = member_client.get(reverse("orders:list"), {"status": "accepted"}).context["count"]
    assert accepted.value == Order.objects.filter(status="accepted").count() > 0
    mine = member_client.get(reverse("orders:list"), {"connection": sandbox_connection.pk}).context["count"]
    assert mine.value == 120


def test_staff_members_see_the_raw_payload(client, merchant, sandbox_connection, sandbox_account):
    from tests.factories import MembershipFactory

    staff = MembershipFactory(merchant=merchant).user
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    generate_orders(sandbox_account, 1)
    client.post(reverse("connections:fetch", args=[sandbox_connection.pk]))
    order = Order.objects.get()
    assert "Raw NOTHS payload" in client.get(reverse("orders:detail", args=[order.pk])).content.decode()


# -- Accept and dispatch ---------------------------------------------------------------------------


def imported(member_client, connection, account, **columns):
    """One sandbox order with these columns, fetched into the portal."""
    generate_orders(account, 1, states=(columns.pop("state", "accepted"),))
    sandbox_order = account.noths_orders.order_by("-noths_id").first()
    for name, value in columns.items():
        setattr(sandbox_order, name, value)
    sandbox_order.write_document()
    sandbox_order.save()
    member_client.post(reverse("connections:fetch", args=[connection.pk]), {"full": "1"})
    return Order.objects.get(connection=connection, external_id=str(sandbox_order.noths_id)), sandbox_order


def dispatch(member_client, order, **fields):
    data = {
        "tracking_number": "RM 1234 5678 GB",
        "tracking_url": "https://track.example/RM12345678GB",
        "carrier": "Royal Mail",
        "estimated_delivery_date": "2026-12-01",
        **fields,
    }
    return member_client.post(reverse("orders:dispatch", args=[order.pk]), data)


def test_marking_dispatched_pushes_tracking_to_noths(member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=True)
    response = dispatch(member_client, order)
    assert response.status_code == 302
    action = OutboundAction.objects.get(order=order, kind="shipment")
    assert action.state == OutboundAction.State.DONE and action.attempts == 1
    assert action.attempt_log.get().outcome == "done"
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "dispatched"
    assert json.loads(sandbox_order.document)["order_detail"]["tracking_number"] == "RM12345678GB"
    order.refresh_from_db()
    assert order.status == "shipped"  # read back from NOTHS after the push
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "NOTHS marked the order dispatched with tracking RM12345678GB" in page


def test_a_dispatch_note_not_printed_is_refused_with_the_way_out(member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=False)
    dispatch(member_client, order)
    action = OutboundAction.objects.get(order=order)
    assert action.state == OutboundAction.State.REJECTED
    assert "The dispatch note must be printed before dispatch" in action.last_error
    assert "Download dispatch note" in action.help_text
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "The dispatch note must be printed before dispatch" in page and "Retry" in page

    pdf = member_client.get(reverse("orders:dispatch_note", args=[order.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    member_client.post(reverse("orders:retry", args=[order.pk, action.pk]))
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE
    # A retry the merchant asks for gets a fresh budget; the log keeps every attempt.
    assert action.attempts == 1 and list(action.attempt_log.values_list("number", "outcome")) == [
        (1, "refused"),
        (2, "done"),
    ]
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "dispatched"


def test_an_unaccepted_order_is_accepted_before_it_is_dispatched(member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(
        member_client, sandbox_connection, sandbox_account, state="placed", dispatch_note_viewed=True
    )
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Accept order</button>" in page and "Mark dispatched" not in page and 'class="dispatch-form"' not in page
    response = dispatch(member_client, order)  # a page loaded before: the order still awaits acceptance
    assert response.status_code == 400 and "awaits acceptance: Accept order first" in response.content.decode()
    assert not OutboundAction.objects.filter(order=order).exists()

    member_client.post(reverse("orders:accept", args=[order.pk]))
    accept = OutboundAction.objects.get(order=order, kind="accept")
    assert accept.state == OutboundAction.State.DONE
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "accepted"
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Accept order</button>" not in page and "Mark dispatched</button>" in page
    dispatch(member_client, order)
    assert OutboundAction.objects.get(order=order, kind="shipment").state == OutboundAction.State.DONE


def test_an_unresolved_enquiry_is_refused_until_resolve_is_ticked(member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(
        member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=True, enquiry_state="opened"
    )
    dispatch(member_client, order)
    first = OutboundAction.objects.get(order=order)
    assert first.state == OutboundAction.State.REJECTED and "Resolve the customer's enquiry" in first.help_text
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'value="RM12345678GB"' in page  # the form comes back filled in
    dispatch(member_client, order, resolve_enquiry="on")
    second = OutboundAction.objects.filter(order=order).order_by("-id").first()
    assert second.state == OutboundAction.State.DONE
    sandbox_order.refresh_from_db()
    assert (sandbox_order.state, sandbox_order.enquiry_state) == ("dispatched", "resolved")


def test_a_passing_failure_is_retried_by_the_scheduler(member_client, sandbox_connection, sandbox_account, settings):
    from django.utils import timezone

    from portal.tasks import tick

    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=True)
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=1)
    dispatch(member_client, order)
    action = OutboundAction.objects.get(order=order)
    assert action.state == OutboundAction.State.RETRYING and action.next_attempt_at > timezone.now()
    assert "server error (HTTP 500)" in action.last_error
    OutboundAction.objects.filter(pk=action.pk).update(next_attempt_at=timezone.now())
    tick()
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE and action.attempts == 2
    assert list(action.attempt_log.values_list("outcome", flat=True)) == ["transient", "done"]
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "dispatched"  # and only once: the retry looked before acting


def test_with_push_tracking_off_the_dispatch_stays_here(member_client, sandbox_connection, sandbox_account):
    Connection.objects.filter(pk=sandbox_connection.pk).update(push_tracking=False)
    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=True)
    dispatch(member_client, order)
    assert order.shipments.count() == 1 and not OutboundAction.objects.exists()
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "accepted"
    assert "Push tracking is off" in member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def test_auto_accept_accepts_new_placed_orders_once(member_client, sandbox_connection, sandbox_account):
    Connection.objects.filter(pk=sandbox_connection.pk).update(auto_accept=True)
    generate_orders(sandbox_account, 4, states=("placed",))
    member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]))
    assert set(sandbox_account.noths_orders.values_list("state", flat=True)) == {"accepted"}
    assert OutboundAction.objects.filter(kind="accept", state="done").count() == 4
    member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]), {"full": "1"})
    assert OutboundAction.objects.filter(kind="accept").count() == 4  # never twice
