"""Syncing NOTHS over real HTTP to the sandbox: nothing lost, nothing doubled, faults in plain words."""

import threading
import time

import pytest

import connections.sync as sync_module
from connections import health
from connections.models import Connection, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders, touch_orders
from connections.sync import claim, request_sync, stale_runs
from orders.models import Order
from portal.tasks import tick
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sync_settings(settings):
    settings.NOTHS_PAGE_SIZE = 50
    settings.SYNC_SETTLE_SECONDS = 0
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def sandbox_ids(account, states=("placed", "accepted")):
    return set(str(i) for i in account.noths_orders.filter(state__in=states).values_list("noths_id", flat=True))


def imported_ids(connection):
    return set(Order.objects.filter(connection=connection).values_list("external_id", flat=True))


def let_a_second_pass():
    """Windows end on a whole second: let changes made just now fall inside the next one."""
    time.sleep(1.05)


def fetch(connection, **kwargs) -> SyncRun:
    """Fetch Orders as the button does; in tests django-q2 runs the task synchronously."""
    run, created = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, **kwargs)
    assert created
    run.refresh_from_db()
    return run


def on_page(monkeypatch, page_number, action, engine=sync_module):
    """Call `action()` after the ingest of the given page (1-based), inside the run (a sync, or what
    `engine` runs)."""
    real = engine.ingest_page
    seen = {"pages": 0}

    def wrapped(*args, **kwargs):
        result = real(*args, **kwargs)
        seen["pages"] += 1
        if seen["pages"] == page_number:
            action()
        return result

    monkeypatch.setattr(engine, "ingest_page", wrapped)


def test_a_full_sync_imports_every_wanted_order_exactly_once(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 230, states=("placed", "accepted", "dispatched"), seed=1)
    run = fetch(sandbox_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    wanted = sandbox_ids(sandbox_account)
    assert imported_ids(sandbox_connection) == wanted
    assert run.pages == 5 and run.orders_seen == 230 and run.total_expected == 230
    assert run.created == len(wanted) and run.skipped == 230 - len(wanted)
    assert list(run.skipped_reasons) == ["status \u201cdispatched\u201d is not selected for import"]
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.status == Connection.Status.CONNECTED
    assert connection.last_success_at is not None and connection.next_sync_at > connection.last_success_at
    newest = max(sandbox_account.noths_orders.values_list("updated_at", flat=True))
    assert connection.cursor["newest"] == newest.isoformat()  # NOTHS's time, not the portal's
    order = Order.objects.filter(connection=connection).first()
    assert order.items.count() == 3 and order.total > 0 and order.currency == "GBP"


def test_the_next_sync_brings_changes_and_new_orders(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 120, states=("placed", "accepted"), seed=2)
    fetch(sandbox_connection)
    changed = list(sandbox_account.noths_orders.filter(state="accepted").values_list("noths_id", flat=True)[:7])
    touch_orders(sandbox_account, changed, new_state="dispatched")
    generate_orders(sandbox_account, 5, states=("placed",), seed=3, start=None)
    touch_orders(
        sandbox_account, sandbox_account.noths_orders.order_by("-noths_id").values_list("noths_id", flat=True)[:5]
    )
    let_a_second_pass()
    run = fetch(Connection.objects.get(pk=sandbox_connection.pk))
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.created, run.updated) == (5, 7)
    # Only what changed since the last sync, plus what the overlap re-reads (harmlessly).
    assert run.orders_seen - run.unchanged == 12 and run.skipped == 0
    assert run.orders_seen < 120
    shipped = Order.objects.filter(connection=sandbox_connection, external_id__in=[str(i) for i in changed])
    assert set(shipped.values_list("status", flat=True)) == {"shipped"}


def test_orders_changing_between_pages_are_neither_lost_nor_doubled(sandbox_connection, sandbox_account, monkeypatch):
    generate_orders(sandbox_account, 300, states=("placed",), seed=4)
    ids = sorted(sandbox_account.noths_orders.values_list("noths_id", flat=True))
    already_read, not_yet_read = ids[:30], ids[200:210]

    # After page 2, NOTHS updates 30 orders we have read and 10 we have not: all 40 leave
    # the window, and the 270 left shift left under our offset.
    def noths_activity():
        let_a_second_pass()  # NOTHS times are whole seconds: change them after the window's end
        touch_orders(sandbox_account, already_read + not_yet_read)

    on_page(monkeypatch, 2, noths_activity)
    run = fetch(sandbox_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.pages > 6  # the scan stepped back when the window shrank
    assert imported_ids(sandbox_connection) == {str(i) for i in ids} - {str(i) for i in not_yet_read}
    assert Order.objects.filter(connection=sandbox_connection).count() == len(imported_ids(sandbox_connection))
    monkeypatch.undo()
    let_a_second_pass()
    follow_up = fetch(Connection.objects.get(pk=sandbox_connection.pk))
    assert imported_ids(sandbox_connection) == {str(i) for i in ids}
    assert follow_up.orders_seen - follow_up.unchanged == 40  # the changed ones come with the next window
    assert Order.objects.filter(connection=sandbox_connection).count() == 300


def test_fetching_again_duplicates_nothing(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 120, states=("placed",), seed=5)
    fetch(sandbox_connection)
    again = fetch(Connection.objects.get(pk=sandbox_connection.pk), full=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 120)
    assert Order.objects.filter(connection=sandbox_connection).count() == 120


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no handler of ours runs."""


def killed_on_page(monkeypatch, page_number, run, engine=sync_module) -> None:
    """The worker running `run` dies in the given page (1-based), before the page commits."""

    def die():
        raise WorkerKilled

    on_page(monkeypatch, page_number, die, engine)
    with pytest.raises(WorkerKilled):
        engine.execute(run.pk)
    monkeypatch.undo()
    run.refresh_from_db()


def resumed_after_its_lease(settings, run) -> None:
    """While its lease is fresh nobody may take the run over, and the tick leaves it alone; once the
    lease is over, the tick re-queues it (the test broker runs it at once)."""
    assert not claim(run.pk, __import__("uuid").uuid4())
    assert run not in stale_runs()
    settings.SYNC_LOST_SECONDS = 1
    time.sleep(1.1)
    assert list(stale_runs()) == [run]
    tick()
    run.refresh_from_db()


def test_a_worker_killed_mid_sync_is_resumed_from_its_last_page(
    sandbox_connection, sandbox_account, monkeypatch, settings
):
    generate_orders(sandbox_account, 260, states=("placed",), seed=6)
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    killed_on_page(monkeypatch, 3, run)
    # Page 3 was ingested but its transaction never committed: two pages are in.
    assert (run.status, run.pages, run.created) == (SyncRun.Status.RUNNING, 2, 100)
    assert Order.objects.filter(connection=sandbox_connection).count() == 100
    assert run.cursor["window"]["offset"] == 100
    resumed_after_its_lease(settings, run)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.claims == 2 and run.pages == 6 and run.created == 260
    assert Order.objects.filter(connection=sandbox_connection).count() == 260


@pytest.mark.parametrize(
    ("switch", "words", "kind"),
    [
        ({"fault_rate_limit": -1, "retry_after_seconds": 90}, "it asked us to wait 90 seconds", "rate_limited"),
        ({"fault_server_error": -1}, "NOTHS had a server error (HTTP 500)", "transient"),
        (
            {"fault_malformed_json": -1},
            "NOTHS answered the order list (GET /api/v1/orders) with JSON cut short",
            "transient",
        ),
        ({"slow_ms": 1300}, "NOTHS did not answer within 1 seconds", "transient"),
    ],
    ids=["429", "500", "malformed-json", "timeout"],
)
def test_a_fault_mid_sync_keeps_what_was_saved_and_the_retry_finishes(
    sandbox_connection, sandbox_account, monkeypatch, settings, switch, words, kind
):
    settings.PLATFORM_READ_TIMEOUT = 1
    generate_orders(sandbox_account, 150, states=("placed",), seed=7)
    on_page(monkeypatch, 1, lambda: SandboxAccount.objects.filter(pk=sandbox_account.pk).update(**switch))
    run = fetch(sandbox_connection)
    monkeypatch.undo()

    assert run.status == SyncRun.Status.FAILED
    assert words in run.error and run.error_kind == kind
    assert "resumes by itself from the last saved page" in run.error
    assert run.pages == 1 and Order.objects.filter(connection=sandbox_connection).count() == 50
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.last_error == run.error
    assert connection.cursor["window"]["offset"] == 50  # no further than what was committed
    assert connection.next_sync_at is not None  # a retry is scheduled
    if kind == "rate_limited":
        assert (connection.next_sync_at - run.finished_at).total_seconds() >= 90
    assert connection.status == Connection.Status.CONNECTED  # one passing fault is not yet "attention"

    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(
        fault_rate_limit=0, fault_server_error=0, fault_malformed_json=0, slow_ms=0
    )
    Connection.objects.filter(pk=connection.pk).update(next_sync_at=run.finished_at)
    tick()  # the due retry
    retry = connection.sync_runs.order_by("-id").first()
    assert retry.trigger == SyncRun.Trigger.RETRY
    assert retry.status == SyncRun.Status.SUCCEEDED, retry.error
    assert retry.created == 100 and retry.pages == 2  # resumed at order 51
    assert Order.objects.filter(connection=sandbox_connection).count() == 150
    assert Connection.objects.get(pk=connection.pk).last_error == ""


def test_repeated_passing_faults_turn_into_needs_attention(sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
    for _ in range(health.FAILURES_BEFORE_ATTENTION):
        fetch(Connection.objects.get(pk=sandbox_connection.pk))
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.consecutive_failures == health.FAILURES_BEFORE_ATTENTION
    assert connection.next_sync_at is not None  # still retried, with a longer wait


def test_a_rejected_token_stops_the_schedule_and_says_how_to_fix_it(sandbox_connection, sandbox_account):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(token="rotated-elsewhere-0000000000")
    run = fetch(sandbox_connection)
    assert run.status == SyncRun.Status.FAILED and run.error_kind == "auth"
    assert "NOTHS rejected the credentials (HTTP 401)" in run.error
    assert "Settings \u2192 API Tokens" in run.error
    assert sandbox_account.token not in run.error
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.next_sync_at is None
    tick()
    assert connection.sync_runs.count() == 1  # the schedule does not hammer NOTHS


def test_one_sync_per_connection_however_many_requests(sandbox_connection):
    first, created = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    second, created_again = request_sync(sandbox_connection, trigger=SyncRun.Trigger.SCHEDULED, enqueue=False)
    assert created and not created_again and first.pk == second.pk
    token_a, token_b = __import__("uuid").uuid4(), __import__("uuid").uuid4()
    assert claim(first.pk, token_a) and not claim(first.pk, token_b)


def test_concurrent_requests_create_one_run(sandbox_connection):
    results, errors = [], []
    barrier = threading.Barrier(4)

    def ask():
        from django.db import connection as db

        try:
            barrier.wait()
            results.append(
                request_sync(
                    Connection.objects.get(pk=sandbox_connection.pk), trigger=SyncRun.Trigger.MANUAL, enqueue=False
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(created for _, created in results) == 1
    assert len({run.pk for run, _ in results}) == 1
    assert SyncRun.objects.filter(connection=sandbox_connection).count() == 1


def test_a_paused_connection_does_not_sync(sandbox_connection):
    from connections import services

    services.pause(sandbox_connection)
    with pytest.raises(sync_module.SyncRefused, match="paused"):
        request_sync(Connection.objects.get(pk=sandbox_connection.pk), trigger=SyncRun.Trigger.MANUAL)


def test_no_log_line_shows_the_token_even_at_debug(sandbox_connection, sandbox_account):
    """What the configured console handler writes, with urllib3 chattering at DEBUG."""
    import io
    import logging

    from connections.platforms.scrub import ScrubSecretsFilter

    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, ScrubSecretsFilter) for f in h.filters))
    stream, previous = io.StringIO(), handler.stream
    handler.setStream(stream)
    urllib3_logger = logging.getLogger("urllib3")
    levels = (logging.getLogger().level, urllib3_logger.level)
    logging.getLogger().setLevel(logging.DEBUG)
    urllib3_logger.setLevel(logging.DEBUG)
    try:
        generate_orders(sandbox_account, 60, seed=8)
        fetch(sandbox_connection)
        SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
        fetch(Connection.objects.get(pk=sandbox_connection.pk))
    finally:
        handler.setStream(previous)
        logging.getLogger().setLevel(levels[0])
        urllib3_logger.setLevel(levels[1])
    written = stream.getvalue()
    assert "GET /sandbox/noths/api/v1/orders?token=[redacted]" in written  # urllib3's own line, scrubbed
    assert sandbox_account.token not in written
