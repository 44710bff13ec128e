"""A real qcluster worker killed with SIGKILL mid-sync: the pages say "Worker lost" within
SYNC_LOST_SECONDS, the next tick resumes the run on a new worker, and every order is there once.
A worker merely waiting on a slow platform keeps its run.

The tests run scaled down: SYNC_LOST_SECONDS is E2E_SYNC_LOST_SECONDS (4 unless set; the worker
beats every quarter of it) and the scheduler's tick comes every that many seconds, as production's
comes every minute for its 60 s. `E2E_SYNC_LOST_SECONDS=60 pytest -s tests/e2e/test_lost_worker.py`
measures production's figures (about five minutes); `-s` shows each test's figures either way.
"""

import os
import time
import uuid
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from connections.models import SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import claim, request_sync
from orders.models import Order
from portal.schedules import TICK_NAME
from portal.tasks import tick
from sandbox.models import SandboxAccount
from tests.support.workers import running_worker, wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]

LOST = int(os.environ.get("E2E_SYNC_LOST_SECONDS", "4"))
PAGE = 20


class Ticker:
    """The scheduler's tick, every LOST seconds from the test's start, whenever the test looks."""

    def __init__(self, period: float):
        self.period = period
        self.next_at = time.monotonic() + period
        self.count = 0

    def due(self) -> None:
        if time.monotonic() >= self.next_at:
            tick()
            self.count += 1
            self.next_at += self.period


@pytest.fixture
def lost_after(settings, transactional_db):
    """The portal's side (pages, tick, claims) and the workers' environment with the same threshold.

    The workers' own scheduler would run the minute tick too; the Ticker is the only tick here."""
    settings.SYNC_LOST_SECONDS = LOST
    Schedule.objects.filter(name=TICK_NAME).delete()
    return {"NOTHS_PAGE_SIZE": str(PAGE), "SYNC_LOST_SECONDS": str(LOST)}


def progress(client, connection) -> dict:
    return client.get(reverse("connections:progress", args=[connection.pk])).json()["run"]


def detail(client, connection) -> str:
    return unescape(client.get(reverse("connections:detail", args=[connection.pk])).content.decode())


def sandbox_ids(account) -> set[str]:
    return {str(i) for i in account.noths_orders.values_list("noths_id", flat=True)}


def test_a_killed_worker_is_shown_lost_then_resumed_by_the_next_tick_without_loss(
    member_client, sandbox_connection, sandbox_account, tmp_path, lost_after
):
    generate_orders(sandbox_account, 600, states=("placed",), seed=22)
    # Each answer takes 0.25 s: 30 pages of 20, so the sync is well under way when it is killed.
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(slow_ms=250)
    ticks = Ticker(LOST)
    with running_worker(tmp_path, **lost_after) as first:
        run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL)
        wait_for(lambda: SyncRun.objects.get(pk=run.pk).pages >= 3, what=f"three committed pages\n{first.output()}")
        first.kill()
        killed = time.monotonic()
        at_kill = SyncRun.objects.get(pk=run.pk)
        assert at_kill.status == SyncRun.Status.RUNNING and 3 <= at_kill.pages < 30
        assert Order.objects.filter(connection=sandbox_connection).count() == at_kill.pages * PAGE
        assert progress(member_client, sandbox_connection)["status_label"] == "Running"  # its last beat is recent

        def lost_shown():
            ticks.due()
            shown = progress(member_client, sandbox_connection)
            return (shown, timezone.now()) if shown["lost"] else None

        shown, seen_at = wait_for(lost_shown, timeout=2 * LOST + 10, interval=0.1, what="the page to say 'lost'")
        to_lost = time.monotonic() - killed
        silent = SyncRun.objects.get(pk=run.pk)
        assert silent.status == SyncRun.Status.RUNNING and silent.claims == 1
        assert (seen_at - silent.heartbeat_at).total_seconds() >= LOST  # not before its heartbeat is that old
        assert to_lost <= LOST + 1
        at = f"{timezone.localtime(silent.heartbeat_at):%H:%M}"
        words = f"Worker lost at {at} (its last sign of life); resuming from the last saved page…"
        assert (shown["status"], shown["status_label"], shown["lost"]) == ("running", "Worker lost", words)
        page = detail(member_client, sandbox_connection)
        assert '<span class="run-status">Worker lost</span>:' in page and words in page

        # A new worker, as the service manager would start one; the next tick hands the run to it.
        SandboxAccount.objects.filter(pk=sandbox_account.pk).update(slow_ms=0)
        with running_worker(tmp_path, **lost_after) as second:
            second_up = time.monotonic()

            def resumed():
                ticks.due()
                return SyncRun.objects.filter(pk=run.pk, claims=2).first()

            wait_for(resumed, timeout=2 * LOST + 30, interval=0.1, what=f"the run resumed\n{second.output()}")
            resumed_at = time.monotonic()
            assert not progress(member_client, sandbox_connection)["lost"]
            finished = wait_for(
                lambda: SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).first(),
                timeout=60,
                what=f"the resumed sync to finish\n{second.output()}",
            )
            ended = time.monotonic()
    assert "Worker lost" not in detail(member_client, sandbox_connection)
    assert (finished.claims, finished.created, finished.orders_seen) == (2, 600, 600)
    imported = list(Order.objects.filter(connection=sandbox_connection).values_list("external_id", flat=True))
    assert len(imported) == 600 and set(imported) == sandbox_ids(sandbox_account)
    assert SyncRun.objects.filter(connection=sandbox_connection).count() == 1
    print(
        f"\nSYNC_LOST_SECONDS={LOST}, a tick every {LOST} s: killed after {at_kill.pages} pages; "
        f"kill -> 'Worker lost' shown {to_lost:.1f} s; second worker up {second_up - killed:.1f} s after the kill; "
        f"'Worker lost' -> resumed {resumed_at - killed - to_lost:.1f} s; kill -> resumed {resumed_at - killed:.1f} s; "
        f"kill -> run finished {ended - killed:.1f} s"
    )


def test_a_worker_waiting_on_a_slow_platform_keeps_its_run(
    member_client, sandbox_connection, sandbox_account, tmp_path, lost_after
):
    generate_orders(sandbox_account, PAGE, states=("placed",), seed=23)
    wait_seconds = 1.5 * LOST  # 90 s at the default 60
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(slow_ms=int(wait_seconds * 1000))
    ticks = Ticker(LOST)
    env = {**lost_after, "PLATFORM_READ_TIMEOUT": str(int(2 * wait_seconds) + 5)}
    with running_worker(tmp_path, **env) as worker:
        run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL)
        claimed = wait_for(lambda: SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).first())
        beats, labels = set(), set()

        def done():
            ticks.due()
            shown = progress(member_client, sandbox_connection)
            labels.add(shown["status_label"])
            now = SyncRun.objects.get(pk=run.pk)
            age = f"heartbeat {(timezone.now() - now.heartbeat_at).total_seconds():.1f} s old\n{worker.output()}"
            assert not shown["lost"], age
            assert not claim(run.pk, uuid.uuid4()), f"another worker could take the run over: {age}"
            beats.add(now.heartbeat_at)
            return now if now.status == SyncRun.Status.SUCCEEDED else None

        finished = wait_for(done, timeout=2 * wait_seconds + 30, interval=0.2, what=f"the sync\n{worker.output()}")
    waited = (finished.finished_at - claimed.started_at).total_seconds()
    assert waited >= wait_seconds and finished.pages == 1  # one page, no commit while it waited
    assert "Worker lost" not in labels and ticks.count >= 1
    assert len(beats) >= 3  # the worker's heartbeat moved while it waited
    assert (finished.claims, finished.created) == (1, PAGE)
    assert "taken over" not in worker.output()
    assert Order.objects.filter(connection=sandbox_connection).count() == PAGE
    print(
        f"\nSYNC_LOST_SECONDS={LOST}: waited {waited:.1f} s on one page with {ticks.count} ticks and "
        f"{len(beats)} heartbeats seen; never shown lost, never taken over"
    )
