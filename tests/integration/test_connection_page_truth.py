"""The connection's page tells the truth in every state: the "Next scheduled sync" line says what is
happening and when the next fetch is due, durations are in useful units, the counts of orders not
imported use one noun, and the first automatic download is announced where the merchant looks."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection, SyncRun
from connections.schedule_words import first_fetches, moment, next_sync_words
from portal.models import Heartbeat
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
Status = Connection.Status


@pytest.fixture
def connection(merchant):
    Heartbeat.objects.update_or_create(name=Heartbeat.TICK, defaults={"at": timezone.now()})
    return ConnectionFactory(merchant=merchant, name="itest", sync_interval_minutes=30)


def text(response) -> str:
    """The page's words, tags gone and spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def next_sync_on_page(client, connection) -> str:
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    found = re.search(r'<dd id="next-sync">(.*?)</dd>', page, flags=re.S)
    return html.unescape(found.group(1))


def run(connection, **fields) -> SyncRun:
    now = timezone.now()
    defaults = {"status": SyncRun.Status.RUNNING, "started_at": now, "heartbeat_at": now}
    return SyncRun.objects.create(connection=connection, **{**defaults, **fields})


def set_fields(connection, **fields) -> Connection:
    Connection.objects.filter(pk=connection.pk).update(**fields)
    connection.refresh_from_db()
    return connection


# -- the "Next scheduled sync" line, state by state ---------------------------------------------


def test_while_a_fetch_runs_the_page_says_so_and_when_the_next_is_due(member_client, connection):
    started = run(connection, trigger=SyncRun.Trigger.MANUAL)
    said = next_sync_on_page(member_client, set_fields(connection, next_sync_at=None))
    running = f"a fetch is running now (started {moment(started.started_at)})"
    assert said == f"{running}; then every 30 minutes, counted from when it ends"
    page = text(member_client.get(reverse("connections:detail", args=[connection.pk])))
    assert "none (connection" not in page and "Fetching…" in page  # and no Fetch Orders to click twice


def test_a_queued_fetch_is_said_to_wait_for_a_worker(member_client, connection):
    queued = run(connection, status=SyncRun.Status.QUEUED, started_at=None, heartbeat_at=None)
    said = next_sync_on_page(member_client, set_fields(connection, next_sync_at=None))
    assert said.startswith(f"a fetch is queued (since {moment(queued.queued_at)}) and starts when a worker is free")


def test_a_lost_worker_is_said_with_what_happens_next(member_client, connection, settings):
    lost_at = timezone.now() - timedelta(seconds=settings.SYNC_LOST_SECONDS + 60)
    run(connection, started_at=lost_at, heartbeat_at=lost_at)
    said = next_sync_on_page(member_client, set_fields(connection, next_sync_at=None))
    assert "Worker lost at" in said and "resuming from the last saved page" in said


def test_a_check_of_open_orders_under_way_says_when_the_next_fetch_is_due(member_client, connection):
    due = timezone.now() + timedelta(minutes=20)
    run(connection, kind=SyncRun.Kind.RECONCILE, trigger=SyncRun.Trigger.SCHEDULED)
    said = next_sync_on_page(member_client, set_fields(connection, next_sync_at=due))
    assert said.startswith("checking the open orders now (since ")
    assert said.endswith(f"the next fetch is due {moment(due)}")


def test_a_check_waiting_for_a_sync_leaves_the_next_fetch_time(member_client, connection):
    due = timezone.now() + timedelta(minutes=20)
    run(connection, kind=SyncRun.Kind.RECONCILE, status=SyncRun.Status.WAITING)
    assert next_sync_on_page(member_client, set_fields(connection, next_sync_at=due)) == moment(due)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"status": Status.PAUSED, "next_sync_at": None}, "none while paused: Resume starts automatic imports again"),
        ({"status": Status.NEEDS_ATTENTION, "next_sync_at": None}, "stopped until the credentials are fixed"),
        ({"status": Status.DISCONNECTED, "next_sync_at": None}, "none: the connection is disconnected"),
        ({"status": Status.PENDING, "next_sync_at": None}, "none until the authorization is finished"),
        ({"auto_sync": False, "next_sync_at": None}, "automatic import is off"),
    ],
)
def test_each_quiet_state_says_why_nothing_is_scheduled(connection, fields, said):
    assert next_sync_words(set_fields(connection, **fields), None) == said


def test_a_due_sync_is_due_now_or_waits_for_the_scheduler(connection):
    due = timezone.now() - timedelta(minutes=2)
    connection = set_fields(connection, next_sync_at=due)
    assert next_sync_words(connection, None) == "due now: it starts within a minute"
    assert next_sync_words(connection, None, scheduler_running=False) == (
        f"due since {moment(due)}, waiting for the scheduler"
    )


def test_a_retry_after_a_failure_is_said_as_one(connection):
    due = timezone.now() + timedelta(minutes=5)
    connection = set_fields(connection, next_sync_at=due, consecutive_failures=1)
    assert next_sync_words(connection, None) == f"{moment(due)} (a retry after the last failure)"


# -- durations and counts -----------------------------------------------------------------------


def test_run_durations_are_in_useful_units(member_client, connection):
    now = timezone.now()
    for took in (timedelta(milliseconds=30), timedelta(minutes=2, seconds=5)):
        run(connection, status=SyncRun.Status.SUCCEEDED, started_at=now - took, finished_at=now, queued_at=now - took)
    page = text(member_client.get(reverse("connections:detail", args=[connection.pk])))
    assert "under a second" in page and "2 min 5 s" in page
    assert "0.0 s" not in page and "125.0 s" not in page


def test_orders_not_imported_have_one_noun_and_one_link(member_client, connection):
    reasons = {"status \u201cdispatched\u201d is not selected for import": {"count": 15, "examples": ["R1"]}}
    run(connection, status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now(), skipped=15, skipped_reasons=reasons)
    page = text(member_client.get(reverse("connections:detail", args=[connection.pk])))
    assert "Why 15 orders of the latest fetch were not imported" in page
    assert "15 not imported" in page  # the progress line
    assert "skipped" not in page.lower()


def test_the_account_line_is_dated_and_the_orders_held_are_counted_now(member_client, connection):
    checked = timezone.now() - timedelta(days=2)
    set_fields(connection, account_facts={"summary": "The account has 120 orders."}, last_checked_at=checked)
    page = text(member_client.get(reverse("connections:detail", args=[connection.pk])))
    assert f"The account has 120 orders. (as of {moment(checked)}, when the credentials were last checked)" in page
    assert "Orders in the portal 0 imported from this account" in page


# -- the first automatic download ---------------------------------------------------------------


def test_before_the_first_download_the_page_says_it_starts_by_itself(member_client, connection):
    set_fields(connection, next_sync_at=timezone.now())
    for name in ("detail", "manage", "downloads"):
        args = [connection.pk] if name == "detail" else []
        page = text(member_client.get(reverse(f"connections:{name}", args=args)))
        assert "The first download starts automatically within a minute: there is no need to click Fetch Orders" in page


def test_the_first_automatic_download_is_announced_with_its_progress(member_client, connection):
    first = run(connection, trigger=SyncRun.Trigger.SCHEDULED, orders_seen=40, total_expected=120)
    said = f"The first download started automatically at {moment(first.started_at)} and is running now"
    detail = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert said in html.unescape(detail) and 'id="first-download"' in detail
    assert 'aria-valuenow="33"' in detail  # its progress bar, right there
    assert said in text(member_client.get(reverse("connections:manage")))
    assert said in text(member_client.get(reverse("connections:downloads")))


def test_once_the_first_download_is_done_it_says_what_came_in_then_steps_aside(member_client, connection):
    now = timezone.now()
    run(connection, trigger=SyncRun.Trigger.SCHEDULED, status=SyncRun.Status.SUCCEEDED, finished_at=now, created=120)
    assert f"and finished at {moment(now)}: 120 new orders" in text(
        member_client.get(reverse("connections:detail", args=[connection.pk]))
    )
    run(connection, trigger=SyncRun.Trigger.SCHEDULED, queued_at=now + timedelta(minutes=30))
    assert "first download" not in text(member_client.get(reverse("connections:detail", args=[connection.pk])))


def test_a_first_fetch_the_merchant_started_is_not_called_automatic(member_client, connection):
    run(connection, trigger=SyncRun.Trigger.MANUAL)
    assert "first download" not in text(member_client.get(reverse("connections:detail", args=[connection.pk])))


def test_the_runs_already_loaded_answer_whether_the_first_download_is_past(connection, django_assert_num_queries):
    now = timezone.now()
    first = run(connection, trigger=SyncRun.Trigger.SCHEDULED, status=SyncRun.Status.SUCCEEDED, finished_at=now)
    with django_assert_num_queries(2):  # one fetch seen: is there a second anywhere, and which is the first
        assert first_fetches([connection], seen=[first]) == {connection.pk: first}
    second = run(connection, trigger=SyncRun.Trigger.SCHEDULED, queued_at=now + timedelta(minutes=30))
    with django_assert_num_queries(0):
        assert first_fetches([connection], seen=[second, first]) == {}
    with django_assert_num_queries(1):  # the same answer, asked of the database
        assert first_fetches([connection]) == {}
    checks = [run(connection, kind=SyncRun.Kind.RECONCILE, status=SyncRun.Status.SUCCEEDED) for _ in range(2)]
    with django_assert_num_queries(1):  # checks of open orders are not fetches
        assert first_fetches([connection], seen=checks) == {}
