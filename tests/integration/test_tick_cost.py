"""The scheduler's tick costs what is due, not what exists (issue 15; bench/tick.py has the timings)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage

import connections.sync as sync_module
from connections import reconcile
from connections.models import RECONCILE_INTERVAL_CHOICES, Connection, SyncRun
from portal import queueing
from portal.tasks import tick
from tests.factories import MerchantFactory
from tests.support.fleet import make_fleet
from tests.support.races import run_together

# Committed, so the runs are handed to the broker after commit as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def make_connections(count: int, *, start: int = 0, due: bool = False) -> list[int]:
    """`count` connected connections over every platform, idle (or all due); each webhook one with a rhythm."""
    now = timezone.now()
    next_sync_at = now - timedelta(seconds=1) if due else now + timedelta(minutes=10)
    return make_fleet([MerchantFactory()], count, next_sync_at, start=start)


def queries_of_a_tick() -> int:
    with CaptureQueriesContext(db) as queries:
        tick()
    return len(queries)


@pytest.fixture
def handed(monkeypatch):
    """The runs handed to the broker (a real broker: queued, not run here)."""
    runs: list[int] = []
    monkeypatch.setattr(sync_module, "enqueue_run", runs.append)
    return runs


def test_an_idle_tick_makes_as_many_queries_at_50_connections_as_at_5(handed):
    make_connections(5)
    tick()  # the first look at each webhook connection's rhythm
    at_5 = queries_of_a_tick()
    make_connections(45, start=5)
    tick()
    at_50 = queries_of_a_tick()
    assert at_50 == at_5
    assert handed == [] and not SyncRun.objects.exists()


def queries_of_all_due_ticks_at_3_and_at_30(handed, schedule: str) -> tuple[int, int]:
    """The queries of a tick with every connection's `schedule` field just past and nothing queued,
    at 3 connections and then at 30."""

    def all_due_tick() -> int:
        SyncRun.objects.all().delete()
        handed.clear()
        Connection.objects.update(**{schedule: timezone.now() - timedelta(seconds=1)})
        return queries_of_a_tick()

    make_connections(3)
    tick()  # the first look at each webhook connection's rhythm
    at_3 = all_due_tick()
    make_connections(27, start=3)
    tick()
    return at_3, all_due_tick()


def test_a_tick_queues_every_due_sync_in_as_many_queries_at_30_as_at_3(handed):
    at_3, at_30 = queries_of_all_due_ticks_at_3_and_at_30(handed, "next_sync_at")
    assert at_30 == at_3
    runs = SyncRun.objects.order_by("pk")
    assert sorted(runs.values_list("connection_id", flat=True)) == sorted(
        Connection.objects.values_list("pk", flat=True)
    )
    assert handed == list(runs.values_list("pk", flat=True))  # one push each, in order
    assert {r.status for r in runs} == {SyncRun.Status.QUEUED}
    assert {r.trigger for r in runs} == {SyncRun.Trigger.SCHEDULED}
    assert not Connection.objects.exclude(next_sync_at=None).exists()


def test_a_tick_queues_every_due_reconciliation_in_as_many_queries_at_30_as_at_3(handed):
    at_3, at_30 = queries_of_all_due_ticks_at_3_and_at_30(handed, "next_reconcile_at")
    assert at_30 == at_3
    checking = Connection.objects.filter(platform__in=reconcile.reconciling_platforms())
    runs = SyncRun.objects.order_by("pk")
    assert checking.count() >= 10 and runs.count() == checking.count()
    assert sorted(runs.values_list("connection_id", flat=True)) == sorted(checking.values_list("pk", flat=True))
    assert handed == list(runs.values_list("pk", flat=True))  # one push each, in order
    assert {(r.kind, r.status, r.trigger) for r in runs} == {
        (SyncRun.Kind.RECONCILE, SyncRun.Status.QUEUED, SyncRun.Trigger.SCHEDULED)
    }
    assert not checking.exclude(next_reconcile_at=None).exists()  # set again when each run ends
    assert "0 reconciliations started" in tick()  # nothing queued twice


def test_a_tick_gives_every_connection_without_a_check_time_its_own_in_as_many_queries_at_30_as_at_3(handed):
    """Each gets the tick's time plus its own spread within its interval: (id x 37) mod the interval's
    minutes. A spread of 0 is due at once, so that connection's check is queued by the same tick; the
    first connection checks every minute, so its spread is always 0 and both sizes queue something."""
    intervals = [minutes for minutes, _ in RECONCILE_INTERVAL_CHOICES]

    def unscheduled_tick() -> tuple[int, object, object]:
        SyncRun.objects.all().delete()
        handed.clear()
        for n, pk in enumerate(Connection.objects.order_by("pk").values_list("pk", flat=True)):
            minutes = 1 if n == 0 else intervals[n % len(intervals)]
            Connection.objects.filter(pk=pk).update(next_reconcile_at=None, reconcile_interval_minutes=minutes)
        before = timezone.now()
        count = queries_of_a_tick()
        return count, before, timezone.now()

    make_connections(3)
    tick()
    at_3, _, _ = unscheduled_tick()
    make_connections(27, start=3)
    tick()
    at_30, before, after = unscheduled_tick()
    assert at_30 == at_3
    checking = Connection.objects.filter(platform__in=reconcile.reconciling_platforms())
    rows = list(checking.values_list("pk", "reconcile_interval_minutes", "next_reconcile_at"))
    assert len(rows) >= 10 and {minutes for _, minutes, _ in rows} == {1, *intervals}
    queued = SyncRun.objects.filter(kind=SyncRun.Kind.RECONCILE, status=SyncRun.Status.QUEUED)
    checked_now = {pk for pk, _, at in rows if at is None}
    assert checked_now == set(queued.values_list("connection_id", flat=True))
    assert min(pk for pk, _, _ in rows) in checked_now  # the one checked every minute
    assert all((pk * 37) % minutes == 0 for pk, minutes, _ in rows if pk in checked_now)
    # One tick's time for all the others, plus each one's own spread.
    ticks_at = {at - timedelta(minutes=(pk * 37) % minutes) for pk, minutes, at in rows if at is not None}
    assert len(ticks_at) == 1 and before <= ticks_at.pop() <= after


def test_a_due_connection_after_a_failure_is_queued_as_a_retry_and_a_busy_one_is_not_queued_twice(handed):
    retry, busy, plain = make_connections(3, due=True)
    Connection.objects.filter(pk=retry).update(consecutive_failures=2)
    running = SyncRun.objects.create(connection_id=busy, status=SyncRun.Status.RUNNING, heartbeat_at=timezone.now())
    assert "2 syncs started" in tick()
    assert dict(SyncRun.objects.exclude(pk=running.pk).values_list("connection_id", "trigger")) == {
        retry: SyncRun.Trigger.RETRY,
        plain: SyncRun.Trigger.SCHEDULED,
    }
    assert SyncRun.objects.filter(connection_id=busy).count() == 1


def test_two_ticks_at_once_queue_one_run_per_due_connection(handed):
    ids = make_connections(30, due=True)
    run_together(tick, tick)
    assert sorted(SyncRun.objects.values_list("connection_id", flat=True)) == sorted(ids)
    assert sorted(handed) == sorted(SyncRun.objects.values_list("pk", flat=True))  # each handed over once


def pushed(tasks) -> list[tuple]:
    return [(t["func"], t["args"], t["name"], t["group"]) for t in tasks]


EXPECTED = [("connections.tasks.run_sync", (n,), f"sync-run-{n}", "sync") for n in (7, 8, 9)]


def test_the_bulk_push_hands_the_orm_broker_one_task_per_run(monkeypatch):
    monkeypatch.setattr(queueing.Conf, "SYNC", False)
    monkeypatch.setattr(queueing.Conf, "ORM", "default")
    with CaptureQueriesContext(db) as queries:
        sync_module.enqueue_runs([7, 8, 9])
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # one round trip for them all (SQLite adds its BEGIN and COMMIT)
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("pk")]
    assert pushed(tasks) == EXPECTED and len({t["id"] for t in tasks}) == 3


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis broker: run with REDIS_URL")
def test_the_bulk_push_hands_redis_one_task_per_run(monkeypatch):
    monkeypatch.setattr(queueing.Conf, "SYNC", False)
    monkeypatch.setattr(queueing.Conf, "ORM", None)
    monkeypatch.setattr(queueing.Conf, "REDIS", os.environ["REDIS_URL"])
    broker = get_broker()
    broker.delete_queue()
    try:
        sync_module.enqueue_runs([7, 8, 9])
        tasks = [SignedPackage.loads(item) for item in broker.connection.lrange(broker.list_key, 0, -1)]
    finally:
        broker.delete_queue()
    assert pushed(tasks) == EXPECTED
