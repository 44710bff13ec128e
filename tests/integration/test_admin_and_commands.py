"""Staff in Django admin, and the operator commands, against the sandbox NOTHS."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django_q.models import Schedule

from connections.models import Connection, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from orders.models import Order, OutboundAction
from portal.schedules import TICK_NAME, ensure_schedules
from sandbox.models import SandboxAccount
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def admin_action(admin_client, model, action, pks):
    url = reverse(f"admin:{model}_changelist")
    # post=yes: past the confirmation page every action shows first (tests/admin covers that page).
    return admin_client.post(url, {"action": action, "_selected_action": pks, "post": "yes"}, follow=True)


def test_staff_see_every_merchants_connections_runs_and_orders(
    admin_client, merchant, other_merchant, sandbox_connection, sandbox_account
):
    theirs = ConnectionFactory(merchant=other_merchant, name="elsewhere")
    generate_orders(sandbox_account, 3)
    call_command("fetch_orders", sandbox_connection.pk, stdout=io.StringIO())
    connections = admin_client.get(reverse("admin:connections_connection_changelist")).content.decode()
    assert "itest" in connections and "elsewhere" in connections
    assert (
        admin_client.get(reverse("admin:connections_connection_changelist"), {"q": "elsewhere"})
        .context["cl"]
        .result_count
        == 1
    )
    assert admin_client.get(reverse("admin:connections_syncrun_changelist")).context["cl"].result_count == 1
    orders = admin_client.get(reverse("admin:orders_order_changelist"), {"status__exact": "pending"})
    assert orders.context["cl"].result_count == Order.objects.filter(status="pending").count()
    order = Order.objects.first()
    detail = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "Raw platform payload" in detail and order.number in detail
    assert theirs.pk  # both merchants' rows, one admin


def test_admin_actions_test_sync_pause_and_resume(admin_client, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 4)
    pk = [sandbox_connection.pk]
    page = admin_action(admin_client, "connections_connection", "test_selected", pk).content.decode()
    assert "test passed" in page and "4 orders" in page
    admin_action(admin_client, "connections_connection", "sync_selected", pk)
    run = SyncRun.objects.get(connection=sandbox_connection)
    assert run.trigger == SyncRun.Trigger.ADMIN and run.status == SyncRun.Status.SUCCEEDED and run.created == 4
    admin_action(admin_client, "connections_connection", "pause_selected", pk)
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.PAUSED
    page = admin_action(admin_client, "connections_connection", "sync_selected", pk).content.decode()
    assert "paused" in page
    admin_action(admin_client, "connections_connection", "resume_selected", pk)
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.CONNECTED
    from django.contrib.admin.models import LogEntry

    assert {e.change_message for e in LogEntry.objects.all()} >= {"Tested: passed", "Paused", "Resumed"}


def test_admin_test_action_reports_a_bad_token(admin_client, sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token="revoked-revoked-revoked")
    page = admin_action(admin_client, "connections_connection", "test_selected", [sandbox_connection.pk])
    assert "test failed" in page.content.decode() and "Invalid or expired token" in page.content.decode()
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.NEEDS_ATTENTION


def test_admin_retries_a_refused_push(admin_client, merchant, sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 1, states=("placed",))
    call_command("fetch_orders", sandbox_connection.pk, stdout=io.StringIO())
    order = Order.objects.get()
    action = OutboundAction.objects.create(
        order=order,
        kind="accept",
        state="rejected",
        payload={"estimated_dispatch_date": "2026-12-01", "estimated_delivery_date": "2026-12-03"},
    )
    admin_action(admin_client, "orders_outboundaction", "retry_selected", [action.pk])
    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE
    assert sandbox_account.noths_orders.get().state == "accepted"


def test_fetch_orders_command_prints_the_summary(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 7, states=("placed", "dispatched"), seed=3)
    out = io.StringIO()
    call_command("fetch_orders", sandbox_connection.pk, stdout=out)
    text = out.getvalue()
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.COMMAND
    assert f"Run #{run.pk}: Succeeded" in text
    assert f"created {run.created}, updated 0, unchanged 0, skipped {run.skipped}" in text
    if run.skipped:
        assert "is not selected for import" in text


def test_fetch_orders_command_fails_loudly(sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
    with pytest.raises(CommandError, match="server error"):
        call_command("fetch_orders", sandbox_connection.pk, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No connection with id 999"):
        call_command("fetch_orders", 999)


def test_the_tick_schedule_is_created_once(db):
    ensure_schedules()
    ensure_schedules()
    assert Schedule.objects.filter(name=TICK_NAME).count() == 1
    schedule = Schedule.objects.get(name=TICK_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == ("portal.tasks.tick", Schedule.MINUTES, 1)


def test_the_tick_starts_due_syncs_and_notes_its_heartbeat(sandbox_connection, sandbox_account):
    from django.utils import timezone

    from portal.models import Heartbeat
    from portal.tasks import tick

    generate_orders(sandbox_account, 2)
    Connection.objects.filter(pk=sandbox_connection.pk).update(next_sync_at=timezone.now())
    assert "1 syncs started" in tick()
    assert SyncRun.objects.get().trigger == SyncRun.Trigger.SCHEDULED
    assert Heartbeat.objects.get(name=Heartbeat.TICK).at is not None
    assert "0 syncs started" in tick()  # not due again until its interval has passed


def test_seed_demo_is_idempotent(settings):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out, verbosity=2)
    from django.contrib.auth import authenticate

    signing_in = RequestFactory().post("/signin/")  # django-axes checks every sign-in's request
    user = authenticate(signing_in, username="demo", password="demo-portal-pass")
    assert user.membership.merchant.name == "Demo Gifts Ltd"
    assert "noths-demo-7f3a9c2e5b8d4f1a" in out.getvalue()
    assert SandboxAccount.objects.filter(token="noths-demo-7f3a9c2e5b8d4f1a").count() == 1
