"""A real qcluster worker runs Fetch Orders; a worker killed mid-sync is resumed by another."""

import pytest

from connections.models import SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import request_sync
from orders.models import Order
from portal.tasks import tick
from sandbox.models import SandboxAccount
from tests.support.workers import running_worker, wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def test_fetch_orders_is_done_by_a_real_worker(sandbox_connection, sandbox_account, tmp_path):
    generate_orders(sandbox_account, 80, states=("placed",), seed=21)
    with running_worker(tmp_path, NOTHS_PAGE_SIZE="25") as worker:
        run, created = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL)
        assert created
        done = wait_for(
            lambda: SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).first(),
            what=f"the worker to finish the sync\n{worker.output()}",
        )
    assert (done.pages, done.created) == (4, 80)
    assert Order.objects.filter(connection=sandbox_connection).count() == 80


def test_a_killed_worker_is_resumed_by_a_new_one_without_loss(sandbox_connection, sandbox_account, tmp_path, settings):
    generate_orders(sandbox_account, 200, states=("placed",), seed=22)
    # Each sandbox answer takes 0.4 s, so the sync is mid-way when we pull the plug.
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(slow_ms=400)
    env = {"NOTHS_PAGE_SIZE": "20", "SYNC_LOST_SECONDS": "2"}
    with running_worker(tmp_path, **env) as worker:
        run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL)
        wait_for(lambda: SyncRun.objects.get(pk=run.pk).pages >= 2, what="two committed pages")
        worker.kill()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING and 2 <= run.pages < 10
    committed = Order.objects.filter(connection=sandbox_connection).count()
    assert committed == run.pages * 20

    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(slow_ms=0)
    settings.SYNC_LOST_SECONDS = 2
    with running_worker(tmp_path, **env) as worker:
        wait_for(lambda: run.__class__.objects.get(pk=run.pk).heartbeat_at is not None, what="heartbeat")
        import time

        time.sleep(2.2)  # the dead worker's lease runs out
        tick()  # the scheduler's tick finds the silent run and queues it again
        finished = wait_for(
            lambda: SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).first(),
            what=f"the resumed sync\n{worker.output()}",
        )
    assert finished.claims == 2
    assert finished.created == 200
    assert Order.objects.filter(connection=sandbox_connection).count() == 200
    assert SyncRun.objects.filter(connection=sandbox_connection).count() == 1
