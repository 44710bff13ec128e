"""Retries on the record: a run keeps the passing faults its retries absorbed, and says so.

The syncs run against the sandbox NOTHS over real HTTP, its fault switches making it answer
429 and 500 before it serves the orders; the run, the connection's pages and the admin show
what was absorbed. A connection whose runs keep needing retries carries a notice, not a problem.
A push's attempt keeps the retries it absorbed the same way.
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connections import health
from connections.models import Connection, Problem, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import execute, request_sync
from orders.actions import queue_accept
from orders.models import Order, OutboundAction
from portal.models import Heartbeat
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def retrying_platform(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 4  # a 429 and two 500s, then the answer
    settings.SYNC_SETTLE_SECONDS = 0
    settings.NOTHS_PAGE_SIZE = 50


def faults(account, **switches):
    SandboxAccount.objects.filter(pk=account.pk).update(**switches)


def sync(connection) -> SyncRun:
    run, created = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    assert created
    execute(run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def flaky_run(sandbox_connection, sandbox_account):
    """A sync through a 429 (Retry-After 1) and two 500s, all absorbed."""
    generate_orders(sandbox_account, 12, states=("placed",), seed=5)
    faults(sandbox_account, fault_rate_limit=1, retry_after_seconds=1, fault_server_error=2)
    return sync(sandbox_connection)


def test_a_429_then_two_500s_absorbed_leave_a_succeeded_run_that_says_so(flaky_run, sandbox_account):
    run = flaky_run
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.created == 12 and run.error == ""
    assert Order.objects.filter(connection=run.connection).count() == 12
    assert set(run.retries) == {"HTTP 429", "HTTP 500"}
    assert run.retries["HTTP 429"] == {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 1.0}
    assert run.retries["HTTP 500"]["kind"] == "server_error" and run.retries["HTTP 500"]["count"] == 2
    # The backoffs after the second and third attempts: 1 s and 2 s, stretched by up to a fifth.
    assert 2.0 <= run.retries["HTTP 500"]["longest_wait"] <= 2.4
    assert run.retries_summary == "3 retries absorbed (1 rate limit, 2 server errors)"
    sandbox_account.refresh_from_db()
    assert (sandbox_account.fault_rate_limit, sandbox_account.fault_server_error) == (0, 0)  # all fired


def test_the_run_and_the_connection_page_show_the_retries(flaky_run, sandbox_connection, member_client):
    page = member_client.get(reverse("connections:run", args=[sandbox_connection.pk, flaky_run.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "3 retries absorbed (1 rate limit, 2 server errors)" in body
    assert "Retries absorbed" in body and "HTTP 429" in body and "HTTP 500" in body
    assert "rate limit" in body and "server error" in body and ">1 s<" in body

    listing = member_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).content.decode()
    assert 'Succeeded</span> <span class="retries small muted">&middot; 3 retries absorbed' in listing


def test_a_run_without_faults_says_nothing_of_retries(sandbox_connection, sandbox_account, member_client):
    generate_orders(sandbox_account, 3, states=("placed",), seed=6)
    run = sync(sandbox_connection)
    assert run.status == SyncRun.Status.SUCCEEDED and run.retries == {}
    page = member_client.get(reverse("connections:run", args=[sandbox_connection.pk, run.pk])).content.decode()
    assert "absorbed" not in page


def test_the_admin_shows_the_retries_in_the_list_the_inline_and_the_run(flaky_run, sandbox_connection, admin_client):
    runs = admin_client.get(reverse("admin:connections_syncrun_changelist")).content.decode()
    assert "3 retries absorbed (1 rate limit, 2 server errors)" in runs
    retried = admin_client.get(reverse("admin:connections_syncrun_changelist") + "?retried=yes")
    assert list(retried.context["cl"].result_list) == [flaky_run]
    calm = admin_client.get(reverse("admin:connections_syncrun_changelist") + "?retried=no")
    assert list(calm.context["cl"].result_list) == []

    detail = admin_client.get(reverse("admin:connections_syncrun_change", args=[flaky_run.pk])).content.decode()
    assert "HTTP 500 (server error): 2 time(s), longest wait" in detail
    assert "HTTP 429 (rate limit): 1 time(s), longest wait 1.0 s" in detail
    assert "&quot;kind&quot;" not in detail and '"kind"' not in detail  # words, not the JSON

    connection = admin_client.get(reverse("admin:connections_connection_change", args=[sandbox_connection.pk]))
    cell = re.search(r'class="field-retries_absorbed">\s*<p>([^<]*)</p>', connection.content.decode())
    assert cell and cell.group(1) == "3 retries absorbed (1 rate limit, 2 server errors)"  # the runs inline
    (synced,) = [item for item in connection.context["timeline"] if item.kind == "sync"]
    assert synced.what.endswith("; 3 retries absorbed (1 rate limit, 2 server errors)")


def test_the_command_line_fetch_prints_the_retries(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 2, states=("placed",), seed=4)
    faults(sandbox_account, fault_server_error=1)
    out = io.StringIO()
    call_command("fetch_orders", str(sandbox_connection.pk), stdout=out)
    assert "  1 retry absorbed (1 server error)" in out.getvalue().splitlines()


def test_a_run_that_fails_keeps_the_retries_it_absorbed_before(sandbox_connection, sandbox_account, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 3
    generate_orders(sandbox_account, 3, states=("placed",), seed=8)
    faults(sandbox_account, fault_server_error=-1)
    run = sync(sandbox_connection)
    assert run.status == SyncRun.Status.FAILED and "server error (HTTP 500)" in run.error
    # Three attempts: two absorbed, the third is the run's failure.
    assert run.retries["HTTP 500"]["count"] == 2
    assert run.retries_summary == "2 retries absorbed (2 server errors)"


def test_a_resumed_run_goes_on_from_what_its_earlier_worker_kept(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 3, states=("placed",), seed=9)
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    earlier = {"timeout": {"kind": "timeout", "status": None, "count": 2, "longest_wait": 1.1}}
    SyncRun.objects.filter(pk=run.pk).update(retries=earlier)
    faults(sandbox_account, fault_server_error=1)
    execute(run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.retries["timeout"] == earlier["timeout"]
    assert run.retries["HTTP 500"]["count"] == 1
    assert run.retries_summary == "3 retries absorbed (1 server error, 2 timeouts)"


# -- the connection's health ----------------------------------------------------------------------


def finished_runs(connection, retried: list[bool]) -> None:
    """Finished runs, oldest first, each with or without an absorbed 503."""
    now = timezone.now()
    for age, needed in enumerate(reversed(retried)):
        at = now - timezone.timedelta(minutes=30 * (age + 1))
        SyncRun.objects.create(
            connection=connection,
            status=SyncRun.Status.SUCCEEDED,
            queued_at=at,
            started_at=at,
            finished_at=at,
            retries={"HTTP 503": {"kind": "server_error", "status": 503, "count": 2, "longest_wait": 1.0}}
            if needed
            else {},
        )


def test_a_connection_whose_runs_keep_needing_retries_shows_a_notice(
    sandbox_connection, member_client, settings, mailoutbox
):
    settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS = 5, 3
    Heartbeat.objects.create(name=Heartbeat.TICK, at=timezone.now())  # the scheduler runs: nothing else to say
    finished_runs(sandbox_connection, [True, False, True, True, False, True])  # newest last: 3 of the last 5

    notice = health.retry_notice(sandbox_connection)
    assert notice.startswith("NOTHS has needed retries in 3 of the last 5 runs (6 server errors): it may be struggling")

    page = member_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).content.decode()
    assert 'data-notice="retries">NOTHS has needed retries in 3 of the last 5 runs' in page
    downloads = member_client.get(reverse("connections:downloads"))
    (shown,) = downloads.context["connections"]
    assert shown.health.state == "connected" and shown.health.notice == notice
    assert 'data-notice="retries">NOTHS has needed retries' in downloads.content.decode()

    # A notice, not a problem: the health stays connected, nothing opens, nobody is mailed.
    assert not Problem.objects.exists() and mailoutbox == []
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.CONNECTED


def test_the_runs_a_page_holds_give_the_notice_without_asking_again(
    sandbox_connection, settings, django_assert_num_queries
):
    settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS = 5, 3
    finished_runs(sandbox_connection, [True, True, False, True, False, True])  # newest last: 3 of the last 5
    SyncRun.objects.create(connection=sandbox_connection, status=SyncRun.Status.RUNNING, started_at=timezone.now())
    latest = list(sandbox_connection.sync_runs.all()[:10])  # as its page reads them, newest first
    asked = health.retry_notice(sandbox_connection)
    assert "3 of the last 5 runs" in asked
    with django_assert_num_queries(0):
        assert health.retry_notice(sandbox_connection, latest) == asked
    with django_assert_num_queries(1):  # four finished runs held: too few to judge, so it asks
        assert health.retry_notice(sandbox_connection, latest[:5]) == asked


def test_no_notice_below_the_threshold_or_for_a_paused_connection(sandbox_connection, settings):
    settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS = 5, 3
    finished_runs(sandbox_connection, [True, True, True, False, False, False, True, True])  # 2 of the last 5
    assert health.retry_notice(sandbox_connection) == ""

    finished_runs(sandbox_connection, [True])  # now 3 of the last 5
    assert "3 of the last 5 runs" in health.retry_notice(sandbox_connection)

    Connection.objects.filter(pk=sandbox_connection.pk).update(status=Connection.Status.PAUSED)
    assert health.retry_notice(Connection.objects.get(pk=sandbox_connection.pk)) == ""


def test_the_notice_counts_each_connections_own_runs(sandbox_connection, connection_factory, merchant, settings):
    settings.RETRY_NOTICE_RUNS, settings.RETRY_NOTICE_MIN_RUNS = 3, 2
    calm = connection_factory(merchant=merchant, name="calm")
    finished_runs(sandbox_connection, [True, True, False])
    finished_runs(calm, [False, False, True])
    notices = health.retry_notices([sandbox_connection, calm])
    assert set(notices) == {sandbox_connection.pk}
    assert "2 of the last 3 runs" in notices[sandbox_connection.pk]
    assert len(mail.outbox) == 0


# -- pushes ---------------------------------------------------------------------------------------


def test_a_push_attempt_keeps_the_retries_it_absorbed(sandbox_connection, sandbox_account, admin_client):
    generate_orders(sandbox_account, 1, states=("placed",), seed=10)
    sync(sandbox_connection)
    order = Order.objects.get()
    faults(sandbox_account, fault_rate_limit=1, retry_after_seconds=1)

    action, _ = queue_accept(order)  # the worker runs it at once (Q_SYNC)

    action.refresh_from_db()
    assert action.state == OutboundAction.State.DONE
    assert sandbox_account.noths_orders.get().state == "accepted"
    (attempt,) = action.attempt_log.all()
    assert attempt.retries == {"HTTP 429": {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 1.0}}
    page = admin_client.get(reverse("admin:orders_outboundaction_change", args=[action.pk])).content.decode()
    assert re.search(r'class="field-retries_absorbed">\s*<p>1 retry absorbed \(1 rate limit\)</p>', page)
