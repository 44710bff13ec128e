"""The reconciliation engine, over real HTTP to the NOTHS sandbox: what the syncs missed is repaired,
once, without holding up the syncs, and what it found is said."""

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

import connections.reconcile as reconcile_module
from connections import services, sync
from connections.models import Connection, Problem, SyncRun
from connections.platforms.noths.sandbox.actions import open_enquiry
from connections.platforms.noths.sandbox.data import generate_orders, touch_orders
from connections.platforms.values import utc_datetime
from connections.reconcile import execute, request_reconcile
from connections.sync import request_sync
from orders.models import Order
from portal.tasks import tick
from sandbox.models import SandboxAccount
from tests.integration import test_sync_engine as sync_engine_tests
from tests.integration.test_merchant_pages import account_form
from tests.integration.test_sync_engine import fetch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def engine_settings(settings):
    settings.NOTHS_PAGE_SIZE = 50
    settings.SYNC_SETTLE_SECONDS = 0
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.RECONCILE_SLICE_SECONDS = 600
    settings.SYNC_OVERLAP_SECONDS = 60


def reconcile(connection) -> SyncRun:
    run, created = request_reconcile(fresh(connection), trigger=SyncRun.Trigger.COMMAND, enqueue=False)
    assert created
    execute(run.pk)
    run.refresh_from_db()
    return run


def fresh(connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def on_page(monkeypatch, page_number, action):
    """Call `action()` after the given reconciliation page's ingest (1-based), inside its transaction."""
    sync_engine_tests.on_page(monkeypatch, page_number, action, engine=reconcile_module)


def portal_states(connection) -> dict[str, str]:
    return dict(Order.objects.filter(connection=connection).values_list("external_id", "platform_status"))


def sandbox_states(account) -> dict[str, str]:
    return {str(i): state for i, state in account.noths_orders.values_list("noths_id", "state")}


def synced(connection, account, count=120, seed=1) -> Connection:
    generate_orders(account, count, states=("placed", "accepted"), seed=seed)
    assert fetch(connection).status == SyncRun.Status.SUCCEEDED
    time.sleep(1.05)  # NOTHS times are whole seconds: later changes fall after the sync's window
    return fresh(connection)


def change_behind_the_syncs_back(connection, account) -> dict[str, list[str]]:
    """What NOTHS's updated_at windows miss: a customer enquiry (it does not move updated_at), two
    dispatches written late (an updated_at before the window the sync has read) and two orders
    written late. Returns the ids of each."""
    # Before the overlap the next sync re-reads, after the copy the portal holds (an older one would not count).
    behind = utc_datetime(connection.cursor["newest"]) - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS + 60)
    enquiries = [o for o in account.noths_orders.filter(state="placed").order_by("noths_id")[:3]]
    for order in enquiries:
        open_enquiry(order, "Could it come before Friday?")
    accepted = account.noths_orders.filter(state="accepted", updated_at__lt=behind).order_by("noths_id")
    dispatched = list(accepted.values_list("noths_id", flat=True)[:2])
    touch_orders(account, dispatched, new_state="dispatched", at=behind)
    highest = max(account.noths_orders.values_list("noths_id", flat=True))
    generate_orders(account, 2, states=("placed",), start=behind, seed=9)
    late = account.noths_orders.filter(noths_id__gt=highest).values_list("noths_id", flat=True)
    return {
        "enquiries": [str(o.noths_id) for o in enquiries],
        "dispatched": [str(i) for i in dispatched],
        "late": [str(i) for i in late],
    }


def test_a_reconciliation_repairs_orders_changed_behind_the_syncs_back(sandbox_connection, sandbox_account):
    connection = synced(sandbox_connection, sandbox_account)
    changed = change_behind_the_syncs_back(connection, sandbox_account)

    missed = fetch(connection)  # the incremental sync does not see any of it
    assert missed.status == SyncRun.Status.SUCCEEDED and (missed.created, missed.updated) == (0, 0)
    assert portal_states(connection) != sandbox_states(sandbox_account)

    run = reconcile(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.created, run.updated, run.gone) == (2, 5, 0)
    assert run.checked == 122  # the 120 held open, and the 2 it added, each once
    assert run.findings == "repaired 5 stale, 2 missing, of 122 checked"
    assert portal_states(connection) == sandbox_states(sandbox_account)
    assert Order.objects.filter(connection=connection).count() == 122  # nothing twice
    assert set(
        Order.objects.filter(connection=connection, external_id__in=changed["dispatched"]).values_list(
            "status", flat=True
        )
    ) == {"shipped"}
    for order in Order.objects.filter(connection=connection, external_id__in=changed["enquiries"]):
        assert order.flags["unresolved_enquiry"] and order.raw["enquiry"]["state"] == "opened"
    late_numbers = set(Order.objects.filter(external_id__in=changed["late"]).values_list("number", flat=True))
    assert late_numbers <= set(run.repaired_examples) and len(run.repaired_examples) == 7

    again = reconcile(connection)
    assert (again.created, again.updated) == (0, 0)
    # The 120 open, and the two dispatched since (no longer open, but placed in the last days).
    assert again.findings == "checked 122 orders, 0 missing, 0 stale"
    connection = fresh(connection)
    assert connection.status == Connection.Status.CONNECTED
    assert connection.next_reconcile_at - again.finished_at == timedelta(minutes=connection.reconcile_interval_minutes)


def test_many_repairs_open_a_problem_and_a_clean_pass_closes_it(sandbox_connection, sandbox_account, member, settings):
    settings.RECONCILE_PROBLEM_THRESHOLD = 4
    connection = synced(sandbox_connection, sandbox_account, count=40)
    change_behind_the_syncs_back(connection, sandbox_account)
    run = reconcile(connection)
    assert run.repaired == 7
    problem = Problem.objects.get(connection=connection, closed_at=None)
    assert problem.cause == Problem.Cause.SYNC_MISSES_CHANGES
    assert "repaired 7 that the regular sync had missed (5 out of date, 2 missing)" in problem.message
    assert "NOTHS is not reporting every change" in problem.message
    assert [m.subject for m in mail.outbox] == ["itest needs attention: syncs missing changes"]

    open_enquiry(sandbox_account.noths_orders.filter(state="placed").first(), "And the gift wrap?")
    one_repair = reconcile(connection)  # under the threshold: neither opens nor closes
    assert one_repair.repaired == 1 and Problem.objects.get(pk=problem.pk).is_open

    clean = reconcile(connection)
    assert clean.repaired == 0 and not Problem.objects.get(pk=problem.pk).is_open
    assert mail.outbox[-1].subject == "itest is working again"


def test_a_killed_reconciliation_resumes_from_its_last_page_and_checks_each_order_once(
    sandbox_connection, sandbox_account, monkeypatch, settings
):
    connection = synced(sandbox_connection, sandbox_account, count=260, seed=6)
    for order in sandbox_account.noths_orders.order_by("-noths_id")[:4]:  # read on the last open pages
        open_enquiry(order, "Is it on its way?")
    run, _ = request_reconcile(connection, trigger=SyncRun.Trigger.SCHEDULED, enqueue=False)
    sync_engine_tests.killed_on_page(monkeypatch, 3, run, engine=reconcile_module)
    assert (run.status, run.pages, run.checked) == (SyncRun.Status.RUNNING, 2, 100)
    sync_engine_tests.resumed_after_its_lease(settings, run)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    # Resumed at page 3: the six pages of open orders and the (empty) page of closed ones, once each.
    assert (run.claims, run.pages, run.checked, run.updated, run.created) == (2, 7, 260, 4, 0)
    assert Order.objects.filter(connection=connection).count() == 260


def test_a_due_sync_goes_first_and_the_reconciliation_goes_on_after_it(
    sandbox_connection, sandbox_account, monkeypatch
):
    connection = synced(sandbox_connection, sandbox_account, count=160, seed=3)
    generate_orders(sandbox_account, 3, states=("placed",), seed=4)
    new = sandbox_account.noths_orders.order_by("-noths_id").values_list("noths_id", flat=True)[:3]
    touch_orders(sandbox_account, list(new))  # changed now: the sync's to bring
    asked = {}

    def merchant_clicks_fetch_orders():
        asked["run"], asked["created"] = request_sync(fresh(connection), trigger=SyncRun.Trigger.MANUAL)

    on_page(monkeypatch, 1, merchant_clicks_fetch_orders)
    run = reconcile(connection)

    assert asked["run"].kind == SyncRun.Kind.RECONCILE and not asked["created"]  # refused while it runs...
    sync = connection.sync_runs.filter(kind=SyncRun.Kind.SYNC).order_by("-id").first()
    assert sync.status == SyncRun.Status.SUCCEEDED and sync.created == 3  # ...and run after its first page
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.started_at < sync.started_at and sync.finished_at < run.finished_at
    # It went on from its second page, not from the start: four pages of open orders, one of closed.
    assert (run.pages, run.claims, run.checked, run.created) == (5, 1, 163, 0)
    assert Order.objects.filter(connection=connection).count() == 163


def test_a_long_reconciliation_hands_its_worker_back_between_pages(
    sandbox_connection, sandbox_account, monkeypatch, settings
):
    connection = synced(sandbox_connection, sandbox_account, count=160, seed=5)
    settings.RECONCILE_SLICE_SECONDS = 0
    queued = []
    real = reconcile_module.enqueue_run
    monkeypatch.setattr(reconcile_module, "enqueue_run", lambda pk: (queued.append(pk), real(pk)))
    run = reconcile(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert len(queued) == run.pages == 5 and set(queued) == {run.pk}  # back to the queue after every page
    assert (run.claims, run.checked) == (1, 160)


def test_a_long_rate_limit_makes_it_wait_then_go_on_from_its_page(sandbox_connection, sandbox_account, monkeypatch):
    connection = synced(sandbox_connection, sandbox_account, count=160, seed=8)
    limited = {"fault_rate_limit": 1, "retry_after_seconds": 120}
    on_page(monkeypatch, 2, lambda: SandboxAccount.objects.filter(pk=sandbox_account.pk).update(**limited))
    run = reconcile(connection)
    monkeypatch.undo()
    assert (run.status, run.pages) == (SyncRun.Status.WAITING, 2)
    assert timedelta(seconds=110) < run.retry_at - timezone.now() <= timedelta(seconds=120)
    assert "asked us to wait 120 seconds" in run.error
    assert fresh(connection).status == Connection.Status.CONNECTED

    tick()  # still waiting: neither woken nor started again
    assert connection.sync_runs.filter(kind=SyncRun.Kind.RECONCILE).count() == 1
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.WAITING
    SyncRun.objects.filter(pk=run.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    tick()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.error == ""
    assert (run.pages, run.checked) == (5, 160)


def test_the_tick_starts_reconciliations_after_the_syncs(sandbox_connection, sandbox_account, monkeypatch):
    connection = synced(sandbox_connection, sandbox_account, count=30)
    assert connection.next_reconcile_at is None
    tick()  # a time within the interval, spread by the connection's id
    connection = fresh(connection)
    assert timezone.now() <= connection.next_reconcile_at <= timezone.now() + timedelta(days=1)

    past = timezone.now() - timedelta(minutes=1)
    Connection.objects.filter(pk=connection.pk).update(next_reconcile_at=past, next_sync_at=past)
    queued = []
    monkeypatch.setattr(sync, "enqueue_run", queued.append)  # a real broker: queued, not yet run
    tick()  # both due: the sync goes first, and nothing else starts while it is queued
    monkeypatch.undo()
    runs = list(connection.sync_runs.order_by("id"))
    assert [(r.kind, r.status) for r in runs] == [("sync", "succeeded"), ("sync", "queued")] and queued == [runs[1].pk]
    tick()
    assert not connection.sync_runs.filter(kind=SyncRun.Kind.RECONCILE).exists()

    sync.execute(runs[1].pk)  # a worker takes the sync
    tick()  # the sync is no longer due: now the reconciliation
    check = connection.sync_runs.filter(kind=SyncRun.Kind.RECONCILE).get()
    assert check.trigger == SyncRun.Trigger.SCHEDULED and check.status == SyncRun.Status.SUCCEEDED
    assert fresh(connection).next_reconcile_at > timezone.now() + timedelta(hours=23)

    services.update_connection(fresh(connection), "itest", {"token": ""}, {"reconcile": False})
    Connection.objects.filter(pk=connection.pk).update(next_reconcile_at=past)
    tick()
    assert connection.sync_runs.filter(kind=SyncRun.Kind.RECONCILE).count() == 1  # off: not again


def test_a_pause_stops_a_reconciliation_at_its_next_page(sandbox_connection, sandbox_account, monkeypatch):
    connection = synced(sandbox_connection, sandbox_account, count=160, seed=2)
    part = connection.adapter.reconciliation
    real = part.pages

    def paused_after_the_first_page(*args):
        pages = real(*args)
        yield next(pages)
        services.pause(fresh(connection))  # the merchant pauses while the next page is read
        yield from pages

    monkeypatch.setattr(part, "pages", paused_after_the_first_page)
    run = reconcile(connection)
    assert (run.status, run.pages, run.checked) == (SyncRun.Status.CANCELLED, 1, 50)  # the next page undone
    assert "paused or disconnected" in run.error
    assert fresh(connection).status == Connection.Status.PAUSED


def test_the_connection_page_shows_what_the_last_check_found(sandbox_connection, sandbox_account, member_client):
    connection = synced(sandbox_connection, sandbox_account, count=40)
    page = reverse("connections:detail", args=[connection.pk])
    assert 'Open orders checked</dt><dd class="order-check">not yet' in member_client.get(page).content.decode()
    change_behind_the_syncs_back(connection, sandbox_account)
    first = reconcile(connection)
    body = member_client.get(page).content.decode()
    when = timezone.localtime(first.finished_at).strftime("%-d %b %H:%M")
    assert f"Last checked {when}: repaired 5 stale, 2 missing, of 42 checked" in body
    assert "Check open orders again</dt><dd>yes, once a day" in body
    reconcile(connection)
    body = member_client.get(page).content.decode()
    assert "checked 42 orders, 0 missing, 0 stale" in body  # the 40 open, 2 of them dispatched since


def test_the_check_is_an_option_of_the_connection(sandbox_connection, sandbox_account, member_client):
    """Edit offers it (on, with the platform's usual interval); a new interval gives the next check a new time."""
    connection = synced(sandbox_connection, sandbox_account, count=5)
    url = reverse("connections:edit", args=[connection.pk])
    form = member_client.get(url).content.decode()
    assert "Check open orders again" in form and "How often to check" in form
    Connection.objects.filter(pk=connection.pk).update(next_reconcile_at=timezone.now() + timedelta(hours=20))
    edit = {**account_form(""), "reconcile": "on", "reconcile_interval_minutes": "360"}
    assert member_client.post(url, edit).status_code == 302
    connection = fresh(connection)
    assert (connection.reconcile, connection.reconcile_interval_minutes, connection.next_reconcile_at) == (
        True,
        360,
        None,
    )
    tick()  # within the new interval
    assert fresh(connection).next_reconcile_at <= timezone.now() + timedelta(hours=6)
    assert member_client.post(url, account_form("")).status_code == 302  # the box left unticked
    assert not fresh(connection).reconcile


def test_the_command_runs_a_check_in_the_foreground_and_says_what_it_found(sandbox_connection, sandbox_account):
    connection = synced(sandbox_connection, sandbox_account, count=30)
    out = io.StringIO()
    call_command("fetch_orders", str(connection.pk), "--reconcile", stdout=out)
    said = out.getvalue()
    assert f"Checking the open orders of {connection}" in said
    assert "found: checked 30 orders, 0 missing, 0 stale" in said
    with pytest.raises(CommandError, match="two different runs"):
        call_command("fetch_orders", str(connection.pk), "--reconcile", "--full")
