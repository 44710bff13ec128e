"""Pauses, disconnects, edits, double clicks and ticks while work is under way."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import connections.sync as sync_module
import orders.actions as actions_module
from connections import services
from connections.models import Connection, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import request_sync
from orders.actions import record_shipment
from orders.ingest import ingest_page
from orders.models import Order, OutboundAction
from portal.tasks import tick
from tests.admin.conftest import change_form_data
from tests.integration.test_sync_engine import fetch, on_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.NOTHS_PAGE_SIZE = 20
    settings.SYNC_SETTLE_SECONDS = 0
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def fresh(connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


@pytest.mark.parametrize("stop", [services.pause, services.disconnect], ids=["pause", "disconnect"])
def test_a_pause_or_disconnect_stops_a_running_sync_at_its_next_page(
    sandbox_connection, sandbox_account, monkeypatch, stop
):
    generate_orders(sandbox_account, 100, states=("placed",), seed=31)
    on_page(monkeypatch, 2, lambda: stop(fresh(sandbox_connection)))
    run = fetch(sandbox_connection)
    assert run.status == SyncRun.Status.CANCELLED and run.get_status_display() == "Stopped"
    assert run.pages == 2 and "paused or disconnected" in run.error
    connection = fresh(sandbox_connection)
    assert connection.status in (Connection.Status.PAUSED, Connection.Status.DISCONNECTED)
    assert connection.last_error == "" and connection.next_sync_at is None
    if connection.status == Connection.Status.DISCONNECTED:
        assert connection.cursor is None  # the run did not write back what disconnect cleared
    assert Order.objects.filter(connection=connection).count() == 40  # what was saved stays


def test_a_push_waits_while_its_connection_is_paused_and_goes_on_resume(
    member_client, sandbox_connection, sandbox_account
):
    generate_orders(sandbox_account, 1, states=("accepted",))
    sandbox_account.noths_orders.update(dispatch_note_viewed=True)
    for order in sandbox_account.noths_orders.all():
        order.write_document()
        order.save()
    fetch(sandbox_connection)
    order = Order.objects.get()
    action = OutboundAction.objects.create(
        order=order, kind="shipment", shipment=order.shipments.create(tracking_number="T1")
    )
    services.pause(fresh(sandbox_connection))
    assert actions_module.run_action(action.pk) is None
    action.refresh_from_db()
    assert (action.state, action.attempts, action.attempt_log.count()) == ("queued", 0, 0)
    assert actions_module.due_actions().count() == 0  # the tick leaves a paused connection's work alone
    services.resume(fresh(sandbox_connection))  # the test broker runs the waiting push at once
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE
    assert sandbox_account.noths_orders.get().state == "dispatched"


def test_an_edit_never_undoes_a_pause_made_meanwhile(sandbox_connection):
    stale_copy = fresh(sandbox_connection)
    services.pause(fresh(sandbox_connection))
    services.update_connection(stale_copy, "renamed", {"token": ""}, {"sync_interval_minutes": 60})
    connection = fresh(sandbox_connection)
    assert (connection.name, connection.sync_interval_minutes) == ("renamed", 60)
    assert connection.status == Connection.Status.PAUSED and connection.next_sync_at is None


def test_a_new_token_on_a_paused_connection_keeps_it_paused(sandbox_connection, sandbox_account):
    services.pause(fresh(sandbox_connection))
    sandbox_account.token = "a-brand-new-token-0123456789"
    sandbox_account.save()
    services.update_connection(fresh(sandbox_connection), "itest", {"token": sandbox_account.token}, {})
    assert fresh(sandbox_connection).stored_credentials() == {"token": sandbox_account.token}
    assert fresh(sandbox_connection).status == Connection.Status.PAUSED


def test_an_admin_save_changes_only_what_staff_may_edit(admin_client, sandbox_connection, other_merchant):
    url = reverse("admin:connections_connection_change", args=[sandbox_connection.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="merchant"' not in page  # a connection never moves to another merchant
    _, data = change_form_data(
        admin_client,
        sandbox_connection,
        name="renamed",
        sync_interval_minutes=60,
        import_statuses=["placed"],
        merchant=other_merchant.pk,
    )
    Connection.objects.filter(pk=sandbox_connection.pk).update(status=Connection.Status.SYNCING)
    assert admin_client.post(url, data).status_code == 302
    connection = fresh(sandbox_connection)
    assert connection.name == "renamed"
    assert connection.merchant_id == sandbox_connection.merchant_id
    assert connection.status == Connection.Status.SYNCING  # the running sync's state survives the save


def test_a_second_dispatch_is_refused(member_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 1, states=("accepted",))
    fetch(sandbox_connection)
    order = Order.objects.get()
    Connection.objects.filter(pk=sandbox_connection.pk).update(push_tracking=False)
    url = reverse("orders:dispatch", args=[order.pk])
    member_client.post(url, {"tracking_number": "A1"})
    second = member_client.post(url, {"tracking_number": "B2"})
    assert second.status_code == 400 and "already has a dispatch recorded" in second.content.decode()
    assert order.shipments.count() == 1


def test_closed_orders_are_neither_dispatched_nor_accepted(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 1, states=("accepted",))
    fetch(sandbox_connection)
    order = Order.objects.get()
    with pytest.raises(actions_module.ActionRefused, match="only new orders can be accepted"):
        actions_module.queue_accept(order)
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    with pytest.raises(actions_module.ActionRefused, match="cannot be dispatched"):
        record_shipment(Order.objects.get(pk=order.pk), tracking_number="X")


def test_a_queued_run_is_handed_to_the_broker_once_per_lease(sandbox_connection, monkeypatch, settings):
    settings.SYNC_LEASE_SECONDS = 60
    handed = []
    monkeypatch.setattr(sync_module, "enqueue_run", handed.append)
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    assert fresh(sandbox_connection).next_sync_at is None  # the tick will not try to start another
    tick()
    assert handed == []  # handed over just now: not lost yet
    SyncRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timezone.timedelta(seconds=61))
    tick()
    tick()
    assert handed == [run.pk]


def test_a_run_that_kills_its_worker_again_and_again_is_given_up(sandbox_connection, settings):
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING, claims=sync_module.MAX_CLAIMS, heartbeat_at=long_ago, enqueued_at=long_ago
    )
    Connection.objects.filter(pk=sandbox_connection.pk).update(status=Connection.Status.SYNCING)
    tick()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "stopped 5 times" in run.error
    connection = fresh(sandbox_connection)
    assert (
        connection.status == Connection.Status.NEEDS_ATTENTION and "Fetch Orders tries again" in connection.last_error
    )


def test_a_connection_left_syncing_without_a_run_is_repaired_by_the_tick(sandbox_connection):
    Connection.objects.filter(pk=sandbox_connection.pk).update(status=Connection.Status.SYNCING)
    assert "1 connections repaired" in tick()
    assert fresh(sandbox_connection).status == Connection.Status.CONNECTED


def test_a_failed_read_back_does_not_undo_a_done_push(sandbox_connection, sandbox_account, monkeypatch):
    from connections.platforms.base import UnreadableRecord

    generate_orders(sandbox_account, 1, states=("placed",))
    fetch(sandbox_connection)

    def unreadable(*args, **kwargs):
        raise UnreadableRecord("unreadable NOTHS order: garbage")

    monkeypatch.setattr(type(sandbox_connection.adapter), "fetch_order", unreadable)
    action, _ = actions_module.queue_accept(Order.objects.get())
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE


def test_a_nul_character_in_customer_text_is_dropped_not_fatal(sandbox_connection):
    from connections.platforms.base import OrderRecord
    from connections.platforms.noths.orders import normalize_order
    from connections.platforms.noths.tests.test_adapter import order as noths_document

    document = noths_document(1, gift_message="Happy\x00 birthday")
    result = ingest_page(sandbox_connection, [OrderRecord("1", document, normalize_order)])
    assert result.created == 1
    order = Order.objects.get()
    assert order.raw["gift_message"] == "Happy birthday"
    assert ["Gift message", "Happy birthday"] in order.notes


def test_the_same_name_twice_at_once_is_a_form_error_not_a_crash(sandbox_connection, sandbox_account):
    with pytest.raises(services.NameTaken):
        services.create_connection(
            sandbox_connection.merchant,
            "noths",
            "ITEST",
            {"token": sandbox_account.token},
            {"import_statuses": ["placed"], "base_url_override": sandbox_connection.base_url_override},
        )


def test_the_downloads_page_costs_the_same_with_many_runs(
    member_client, sandbox_connection, django_assert_max_num_queries
):
    SyncRun.objects.bulk_create(
        [SyncRun(connection=sandbox_connection, status=SyncRun.Status.SUCCEEDED) for _ in range(300)]
    )
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("connections:downloads")).status_code == 200


def test_fetch_orders_command_refuses_a_disconnected_connection_in_words(sandbox_connection):
    from django.core.management import CommandError

    services.disconnect(fresh(sandbox_connection))
    with pytest.raises(CommandError, match="Edit it and enter its credentials"):
        call_command("fetch_orders", sandbox_connection.pk, stdout=io.StringIO())
