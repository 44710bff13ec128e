"""A sync whose worker is lost is handed over within SYNC_LOST_SECONDS, once; a live worker keeps
its run's heartbeat whatever it waits on. (A real qcluster killed with SIGKILL, and
one waiting on a slow platform: tests/e2e/test_lost_worker.py.)"""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.backends.signals import connection_created
from django.utils import timezone

import connections.sync as sync_module
from connections import heartbeat
from connections.models import Connection, SyncRun
from connections.sync import claim, request_sync, stale_runs
from portal.tasks import tick

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def claimed_run(connection, token=None) -> tuple[SyncRun, uuid.UUID]:
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    token = token or uuid.uuid4()
    assert claim(run.pk, token)
    return SyncRun.objects.get(pk=run.pk), token


def silent_run(connection, *, silent_for: float, **fields) -> SyncRun:
    """A run a worker took on a while ago, whose last sign of life was `silent_for` seconds ago."""
    run, _ = claimed_run(connection)
    last = timezone.now() - timedelta(seconds=silent_for)
    SyncRun.objects.filter(pk=run.pk).update(
        enqueued_at=last - timedelta(seconds=30), started_at=last - timedelta(seconds=20), heartbeat_at=last, **fields
    )
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.SYNCING)
    return SyncRun.objects.get(pk=run.pk)


# -- the worker's heartbeat thread ------------------------------------------------------------


def test_the_worker_beats_while_its_run_lasts_and_stops_with_it(sandbox_connection, settings):
    settings.SYNC_LOST_SECONDS = 1  # a beat every 0.25 s
    run, token = claimed_run(sandbox_connection)
    opened = []

    def remember(sender, connection, **kwargs):
        opened.append((threading.current_thread().name, connection))

    connection_created.connect(remember)
    try:
        with heartbeat.kept(run.pk, token) as beating:
            time.sleep(1.5)  # longer than SYNC_LOST_SECONDS, and no page committed meanwhile
            during = SyncRun.objects.get(pk=run.pk)
            assert during.heartbeat_at > run.heartbeat_at and beating.beats >= 4
            assert not claim(run.pk, uuid.uuid4())  # nobody takes over a run whose worker beats
            assert run not in stale_runs()
            tick()
            assert SyncRun.objects.get(pk=run.pk).enqueued_at == run.enqueued_at  # nor hands it over
    finally:
        connection_created.disconnect(remember)
    assert not beating.is_alive()
    last = SyncRun.objects.get(pk=run.pk).heartbeat_at
    time.sleep(1.2)
    assert SyncRun.objects.get(pk=run.pk).heartbeat_at == last  # the beats stopped with the block
    assert run in stale_runs()
    threads_own = [db for name, db in opened if name == beating.name]
    assert threads_own and all(db.connection is None for db in threads_own)  # it closed its connection


def test_a_beat_never_revives_a_run_another_worker_took_over(sandbox_connection, settings):
    settings.SYNC_LOST_SECONDS = 1
    run, slow_token = claimed_run(sandbox_connection)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=2))
    assert claim(run.pk, uuid.uuid4())  # lost: the next worker takes it over
    taken_over = SyncRun.objects.get(pk=run.pk)

    assert heartbeat.beat(run.pk, slow_token) is False
    with heartbeat.kept(run.pk, slow_token) as beating:
        beating.join(2)
        assert not beating.is_alive() and beating.lease_lost and beating.beats == 0
    after = SyncRun.objects.get(pk=run.pk)
    assert (after.heartbeat_at, after.lease_token, after.claims) == (taken_over.heartbeat_at, taken_over.lease_token, 2)


def test_the_tick_hands_over_a_lost_run_started_a_minute_ago(sandbox_connection, monkeypatch):
    """Not after SYNC_LEASE_SECONDS (300 s) as before: the heartbeat alone says the worker is gone."""
    handed = []
    monkeypatch.setattr(sync_module, "enqueue_run", handed.append)
    fresh = silent_run(sandbox_connection, silent_for=59)
    tick()
    assert handed == [] and not claim(fresh.pk, uuid.uuid4())
    SyncRun.objects.filter(pk=fresh.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert "1 runs resumed" in tick()
    assert handed == [fresh.pk]
    assert claim(fresh.pk, uuid.uuid4())  # the next worker takes it over


def test_settings_refuse_a_lost_threshold_under_a_second(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "SYNC_LOST_SECONDS": "0"}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SYNC_LOST_SECONDS must be a whole number of seconds, 1 or more" in result.stderr
