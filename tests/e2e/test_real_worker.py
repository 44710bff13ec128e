"""A real qcluster worker runs Fetch Orders (a killed one is resumed: test_lost_worker.py)."""

import pytest

from connections.models import SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import request_sync
from orders.models import Order
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
