"""A sync whose worker is lost is said so within SYNC_LOST_SECONDS and handed over once; a live
worker keeps its run's heartbeat whatever it waits on. (A real qcluster killed with SIGKILL, and
one waiting on a slow platform: tests/e2e/test_lost_worker.py.)"""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.db.backends.signals import connection_created
from django.urls import reverse
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


def said_at(run: SyncRun) -> str:
    return f"{timezone.localtime(run.heartbeat_at):%H:%M}"


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return unescape(response.content.decode())


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
            assert during.lost_at is None and during.status_words == "Running"
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


# -- what the pages say ---------------------------------------------------------------------


def test_a_silent_run_is_shown_lost_on_every_page_once_its_heartbeat_is_a_minute_old(member_client, sandbox_connection):
    counts = {"pages": 15, "orders_seen": 1500, "total_expected": 5000}
    run = silent_run(sandbox_connection, silent_for=58, **counts)
    progress = member_client.get(reverse("connections:progress", args=[sandbox_connection.pk])).json()["run"]
    assert (progress["status_label"], progress["lost"], progress["lost_at"]) == ("Running", "", None)
    assert "Worker lost" not in page(member_client, "connections:detail", sandbox_connection.pk)

    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    run.refresh_from_db()
    words = f"Worker lost at {said_at(run)} (its last sign of life); resuming from the last saved page…"
    progress = member_client.get(reverse("connections:progress", args=[sandbox_connection.pk])).json()["run"]
    assert progress["status"] == "running" and progress["active"] and progress["percent"] == 30
    assert (progress["status_label"], progress["lost"]) == ("Worker lost", words)
    assert progress["lost_at"] == run.heartbeat_at.isoformat()
    detail = page(member_client, "connections:detail", sandbox_connection.pk)
    assert '<span class="run-status">Worker lost</span>:' in detail and words in detail
    assert "1500 of 5000 orders read" in detail
    assert words in page(member_client, "connections:downloads")
    assert words in page(member_client, "connections:run", sandbox_connection.pk, run.pk)


def test_a_run_lost_too_often_is_not_promised_a_resumption(member_client, sandbox_connection):
    run = silent_run(sandbox_connection, silent_for=61, claims=SyncRun.MAX_CLAIMS)
    progress = member_client.get(reverse("connections:progress", args=[sandbox_connection.pk])).json()["run"]
    assert progress["lost"] == (
        f"Worker lost at {said_at(run)} (its last sign of life), the 5th time in this fetch: "
        "it is not resumed again and stops at the next tick."
    )
    tick()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "stopped 5 times" in run.error


def test_fetch_orders_on_a_lost_run_says_so_and_hands_it_over_once(member_client, sandbox_connection, monkeypatch):
    handed = []
    monkeypatch.setattr(sync_module, "enqueue_run", handed.append)
    run = silent_run(sandbox_connection, silent_for=61)
    since = f"{timezone.localtime(run.started_at):%H:%M}"

    response = member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]), follow=True)
    said = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert said == [
        (
            "warning",
            f"A fetch of {sandbox_connection} is already under way (since {since}). "
            f"Worker lost at {said_at(run)} (its last sign of life); resuming from the last saved page…",
        )
    ]
    assert handed == [run.pk]  # handed to the broker at once, not at the next tick
    # Until a worker takes it, the run is not handed over again (a busy queue gets no copies) ...
    member_client.post(reverse("connections:fetch", args=[sandbox_connection.pk]))
    tick()
    assert handed == [run.pk]
    assert SyncRun.objects.filter(connection=sandbox_connection).count() == 1
    # ... unless none took it within SYNC_LEASE_SECONDS (the queue lost it).
    SyncRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timedelta(seconds=301))
    tick()
    assert handed == [run.pk, run.pk]


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
