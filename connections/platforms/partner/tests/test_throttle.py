"""A Partner backfill through the real per-host budget (connections.throttle) and the sandbox API.

The window is shortened from 10 s to 1 s, and the inline wait from 5 s to 0.2 s (shorter than
a window, as in production), so a run that needs more requests than a window holds takes
seconds, not minutes.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

import connections.context as context_module
import connections.throttle as throttle_module
from connections.models import Connection, HostBudget, SyncRun
from connections.platforms.partner.sandbox.data import create_chain, generate_orders
from connections.platforms.partner.sandbox.models import LOGISTICS_DELIVERY
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID, make_partner_connection
from connections.reconcile import execute as execute_reconcile
from connections.reconcile import request_reconcile
from connections.sync import execute, request_sync
from connections.throttle import HostThrottle, window_budget, window_start
from orders.models import Order
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)

SLOTS = 3  # per 1-second window
STORES = ("v-1", "v-2", "v-3")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def short_windows(settings, monkeypatch):
    """A 1 s window of SLOTS slots; every throttle made for a run records when it handed out slots."""
    monkeypatch.setattr(throttle_module, "WINDOW", 1)
    settings.PARTNER_REQUESTS_PER_MINUTE = SLOTS * 61  # 61 one-second windows overlap a minute
    settings.PLATFORM_MAX_INLINE_WAIT = 0.2
    assert window_budget(settings.PARTNER_REQUESTS_PER_MINUTE, 1) == SLOTS
    record = {"slots": [], "sleeps": []}

    class Recording(HostThrottle):
        def __init__(self, per_minute, *, inline=False, share=1.0):
            super().__init__(
                per_minute, sleep=self.recorded_sleep, clock=self.recorded_clock, inline=inline, share=share
            )

        def recorded_clock(self):
            self.last_now = timezone.now()
            return self.last_now

        def recorded_sleep(self, seconds):
            record["sleeps"].append(seconds)
            throttle_module.time.sleep(seconds)

        def acquire(self, host):
            super().acquire(host)
            record["slots"].append(self.last_now)  # the time the slot was taken at

    monkeypatch.setattr(context_module, "HostThrottle", Recording)
    return record


def sandbox_chain(**fields):
    return create_chain("Throttled Grocer", chain_id=PARTNER_CHAIN_ID, token="partner-static-token-0001", **fields)


def test_a_backfill_needing_more_requests_than_a_window_holds_waits_and_succeeds(
    live_server, merchant, settings, short_windows
):
    settings.PARTNER_PAGE_SIZE = 3
    connection = make_partner_connection(
        merchant, base_url=f"{live_server.url}/sandbox/partner", vendor_ids=",".join(STORES)
    )
    chain = sandbox_chain(vendor_ids=STORES)
    generate_orders(chain, 30, days=1, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=5)

    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(run.pk)

    run.refresh_from_db()
    connection.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.created == 30 and run.pages >= 10  # 30 orders, 3 a page, over 3 stores
    expected = {str(i) for i in chain.orders.values_list("order_id", flat=True)}
    assert set(Order.objects.filter(connection=connection).values_list("external_id", flat=True)) == expected
    assert connection.consecutive_failures == 0 and connection.status == Connection.Status.CONNECTED
    slots = short_windows["slots"]
    assert len(slots) == run.pages > window_budget(60)  # more than the production window's 8 slots
    per_window = {}
    for at in slots:
        per_window[window_start(at, 1)] = per_window.get(window_start(at, 1), 0) + 1
    assert max(per_window.values()) <= SLOTS  # the budget held ...
    sleeps = short_windows["sleeps"]
    assert sleeps and all(s <= 1 for s in sleeps)  # ... by waiting for the next window, not failing


def test_a_retry_after_longer_than_the_inline_wait_ends_the_run_and_blocks_the_host(
    live_server, merchant, short_windows
):
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    chain = sandbox_chain(vendor_ids=("v-1",))
    SandboxAccount.objects.filter(pk=chain.account_id).update(fault_rate_limit=-1, retry_after_seconds=40)

    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(run.pk)

    run.refresh_from_db()
    connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and run.error_kind == "rate_limited"
    assert "40 seconds" in run.error
    assert run.retry_at >= timezone.now() + timedelta(seconds=35)
    assert connection.consecutive_failures == 1 and connection.status == Connection.Status.CONNECTED
    (budget,) = HostBudget.objects.all()
    assert timedelta(seconds=35) < budget.blocked_until - timezone.now() <= timedelta(seconds=40)

    # The platform would answer now, but the host stays blocked for everybody until Retry-After.
    SandboxAccount.objects.filter(pk=chain.account_id).update(fault_rate_limit=0)
    slots_before = len(short_windows["slots"])
    again, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(again.pk)
    again.refresh_from_db()
    assert again.status == SyncRun.Status.FAILED and again.error_kind == "rate_limited"
    assert len(short_windows["slots"]) == slots_before  # no request went out


def per_window(slots) -> dict:
    counts = {}
    for at in slots:
        counts[window_start(at, 1)] = counts.get(window_start(at, 1), 0) + 1
    return counts


def test_a_reconciliation_leaves_the_syncs_their_share_of_the_budget(live_server, merchant, settings, short_windows):
    """RECONCILE_BUDGET_SHARE: a reconciliation takes a slot only while the window keeps the rest."""
    settings.PARTNER_PAGE_SIZE = 3
    settings.RECONCILE_BUDGET_SHARE = 0.5
    connection = make_partner_connection(merchant, base_url=f"{live_server.url}/sandbox/partner")
    chain = sandbox_chain(vendor_ids=("v-1",))
    generate_orders(chain, 15, days=1, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=6)
    run, _ = request_sync(connection, trigger="manual", enqueue=False)
    execute(run.pk)
    assert max(per_window(short_windows["slots"]).values()) == SLOTS  # the sync uses every slot

    short_windows["slots"].clear()
    check, _ = request_reconcile(Connection.objects.get(pk=connection.pk), trigger="manual", enqueue=False)
    execute_reconcile(check.pk)
    check.refresh_from_db()
    assert check.status == SyncRun.Status.SUCCEEDED and check.checked == 15, check.error
    assert len(short_windows["slots"]) == check.pages == 5
    assert max(per_window(short_windows["slots"]).values()) == int(SLOTS * 0.5)  # one of three a window
