"""Retention (portal.retention): what the daily prune deletes, what it always keeps, and how."""

import io
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from audit.models import AuditEntry
from connections.models import Problem, SyncRun, WebhookEvent
from orders.models import Order
from portal import retention
from portal.models import PruneRun
from portal.schedules import PRUNE_NAME, ensure_schedules, next_prune_at
from portal.tasks import prune as prune_task
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days):
    return NOW - timedelta(days=days)


def run(connection, days, status=SyncRun.Status.SUCCEEDED, kind=SyncRun.Kind.SYNC):
    return SyncRun.objects.create(connection=connection, kind=kind, status=status, queued_at=days_ago(days))


def event(connection, days, state=WebhookEvent.State.PROCESSED):
    n = WebhookEvent.objects.count()
    return WebhookEvent.objects.create(
        connection=connection, body="{}", dedupe_key=f"k{n}", state=state, received_at=days_ago(days)
    )


def problem(connection, closed_days, cause=Problem.Cause.REPEATED_FAILURES):
    closed_at = None if closed_days is None else days_ago(closed_days)
    return Problem.objects.create(connection=connection, cause=cause, message="m", closed_at=closed_at)


def audit(days):
    return AuditEntry.objects.create(action=AuditEntry.Action.TESTED, at=days_ago(days))


def exists(row):
    return type(row).objects.filter(pk=row.pk).exists()


@pytest.fixture
def connection(db):
    return ConnectionFactory()


def test_each_kind_is_pruned_past_its_age_and_kept_within_it(connection, settings):
    old_run, young_run = run(connection, 91), run(connection, 89)
    run(connection, 1)  # the latest, kept anyway
    old_event, young_event = event(connection, 46), event(connection, 44)
    old_problem, young_problem = problem(connection, 181), problem(connection, 179)
    old_audit, young_audit = audit(731), audit(729)

    outcome = retention.prune(now=NOW)

    assert outcome.removed == {"sync_runs": 1, "webhook_events": 1, "problems": 1, "audit_entries": 1}
    assert not any(exists(row) for row in (old_run, old_event, old_problem, old_audit))
    assert all(exists(row) for row in (young_run, young_event, young_problem, young_audit))


def test_the_settings_decide_the_ages(connection, settings):
    settings.KEEP_SYNC_RUNS_DAYS, settings.KEEP_AUDIT_DAYS = 10, 1000
    ten_days, latest = run(connection, 11), run(connection, 1)
    two_years = audit(800)
    retention.prune(now=NOW)
    assert not exists(ten_days) and exists(latest) and exists(two_years)


def test_keep_rules(connection):
    other = ConnectionFactory()
    last_success = run(connection, 300, SyncRun.Status.SUCCEEDED)
    failed_later = run(connection, 200, SyncRun.Status.FAILED)
    latest = run(connection, 100, SyncRun.Status.FAILED)
    old_success = run(other, 400, SyncRun.Status.SUCCEEDED)
    waiting_check = run(other, 300, SyncRun.Status.WAITING, kind=SyncRun.Kind.RECONCILE)
    queued = run(other, 200, SyncRun.Status.QUEUED)
    other_latest = run(other, 100, SyncRun.Status.SUCCEEDED)
    check_success = run(other, 350, SyncRun.Status.SUCCEEDED, kind=SyncRun.Kind.RECONCILE)
    unapplied = [event(connection, 400, state) for state in WebhookEvent.State.values if state != "processed"]
    open_problem = problem(connection, None)

    outcome = retention.prune(now=NOW)

    # Each connection's latest and last successful run of each kind stay, and any unfinished run.
    kept = (last_success, latest, waiting_check, queued, other_latest, check_success)
    assert all(exists(row) for row in kept)
    assert not exists(failed_later) and not exists(old_success)
    assert outcome.removed["sync_runs"] == 2
    assert all(exists(row) for row in unapplied) and exists(open_problem)


def test_deletes_in_batches_each_its_own(connection, settings):
    settings.PRUNE_BATCH_SIZE = 3
    for _ in range(8):
        event(connection, 100)
    young = event(connection, 1)
    outcome = retention.prune(now=NOW)
    assert outcome.removed["webhook_events"] == 8
    assert outcome.batches == 3  # 3 + 3 + 2
    assert list(WebhookEvent.objects.all()) == [young]


def test_batches_cost_the_same_queries_whatever_the_rows(connection, settings, django_assert_max_num_queries):
    """A batch is one read of ids and one delete: queries grow with batches, not with rows."""
    settings.PRUNE_BATCH_SIZE = 100
    for _ in range(30):
        event(connection, 100)
        audit(1000)
    # Per kind: one read of ids and one DELETE for each (partial) batch; the prune's own row, and
    # the DELETE of prune records past their keeping.
    with django_assert_max_num_queries(4 * 2 + 2 * 2 + 2):
        outcome = retention.prune(now=NOW)
    assert outcome.removed["webhook_events"] == outcome.removed["audit_entries"] == 30


def test_dry_run_deletes_nothing_and_the_command_prints_the_counts(connection):
    old = event(connection, 100), audit(1000), run(connection, 100), run(connection, 99)
    out = io.StringIO()
    call_command("prune", "--dry-run", stdout=out)
    assert "would remove 1 sync runs, 1 webhook events, 0 problems, 1 audit entries" in out.getvalue()
    assert all(exists(row) for row in old) and not PruneRun.objects.exists()

    out = io.StringIO()
    call_command("prune", stdout=out)
    assert "removed 1 sync runs, 1 webhook events, 0 problems, 1 audit entries" in out.getvalue()
    assert PruneRun.objects.get().removed == {"sync_runs": 1, "webhook_events": 1, "problems": 0, "audit_entries": 1}


def test_prune_records_are_kept_as_long_as_audit_entries(connection, settings):
    settings.KEEP_AUDIT_DAYS = 400

    def record(days):
        return PruneRun.objects.create(started_at=days_ago(days), finished_at=days_ago(days))

    old, kept = record(401), record(399)
    retention.prune(now=NOW)
    assert not exists(old) and exists(kept)
    assert PruneRun.objects.count() == 2  # the one kept and this prune's own


def test_the_task_logs_its_counts(connection, caplog):
    event(connection, 100)
    with caplog.at_level("INFO", logger="portal.retention"):
        result = prune_task()
    assert result.startswith("prune: removed 0 sync runs, 1 webhook events")
    assert result in caplog.text


def test_pruning_never_reaches_orders(connection):
    order = Order.objects.create(connection=connection, merchant=connection.merchant, external_id="1", number="1")
    run(connection, 100), run(connection, 99), event(connection, 100), problem(connection, 200), audit(1000)
    outcome = retention.prune(now=NOW)
    assert sum(outcome.removed.values()) == 4
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("model", [SyncRun, WebhookEvent, Problem, AuditEntry])
def test_no_row_references_what_is_pruned(model):
    """A foreign key to a pruned model would either cascade or block its deletes: there is none."""
    references = [f"{rel.related_model.__name__}.{rel.field.name}" for rel in model._meta.related_objects]
    assert references == []
    # And the pruned rows' own keys never cascade back into what they point at.
    assert all(
        f.remote_field.on_delete is not models.CASCADE or f.name == "connection"
        for f in model._meta.fields
        if f.is_relation
    )


def test_the_daily_schedule_is_registered_once():
    ensure_schedules()
    ensure_schedules()
    schedule = Schedule.objects.get(name=PRUNE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == ("portal.tasks.prune", Schedule.DAILY, -1)
    assert (schedule.next_run.hour, schedule.next_run.minute) == (3, 0)


def test_next_prune_is_the_next_three_oclock():
    at = timezone.now().replace(hour=2, minute=59)
    assert next_prune_at(at) == at.replace(hour=3, minute=0, second=0, microsecond=0)
    three = at.replace(hour=3, minute=0, second=0, microsecond=0)
    assert next_prune_at(three) == three + timedelta(days=1)
    later = at.replace(hour=4)
    assert next_prune_at(later) - later < timedelta(days=1) and next_prune_at(later).hour == 3


def test_fleet_health_says_when_the_last_prune_ran(admin_client, connection):
    response = admin_client.get(reverse("fleet_health"))
    assert "No prune has run yet" in response.text
    event(connection, 100)
    retention.prune(now=NOW)
    response = admin_client.get(reverse("fleet_health"))
    assert "removed 0 sync runs, 1 webhook events, 0 problems, 0 audit entries" in response.text


def test_checks_warn_of_unsafe_retention(settings):
    assert not [w for w in run_checks() if w.id.startswith("portal.W01")]
    settings.KEEP_WEBHOOK_EVENTS_DAYS = 1
    settings.KEEP_AUDIT_DAYS = 400
    settings.KEEP_PROBLEMS_DAYS = 500
    settings.PRUNE_BATCH_SIZE = 0
    ids = sorted(w.id for w in run_checks() if w.id.startswith("portal.W01"))
    assert ids == ["portal.W010", "portal.W011", "portal.W012"]
