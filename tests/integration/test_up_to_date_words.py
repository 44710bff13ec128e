"""A run that found every order already up to date says so, and never reads like loss.

A copy older than the order the portal holds (a backfill reading a platform's older copy after a
newer one came in) is up to date, not skipped. The syncs read the sandbox NOTHS over real HTTP;
real skips (states not imported, the import-from date, invalid records) keep their words.
"""

import importlib
import io
import pkgutil
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

import connections.migrations
from audit.timeline import connection_timeline
from connections.models import SyncRun
from connections.platforms.noths.sandbox.data import generate_orders
from connections.sync import execute, request_sync
from orders.models import Order, SkippedOrder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def sync(connection, *, full=False) -> SyncRun:
    run, created = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, full=full, enqueue=False)
    assert created
    execute(run.pk)
    run.refresh_from_db()
    return run


def newer_copies_held(connection) -> None:
    """The portal holds a newer copy of every order than the platform's list shows (as when a
    webhook or another read brought it after the list was last read)."""
    Order.objects.filter(connection=connection).update(
        platform_updated_at=F("platform_updated_at") + timedelta(hours=1), content_hash="a newer copy"
    )


def test_a_backfill_that_finds_every_order_current_says_so_plainly(sandbox_connection, sandbox_account, member_client):
    generate_orders(sandbox_account, 18, states=("placed",), seed=21)
    assert sync(sandbox_connection).created == 18
    newer_copies_held(sandbox_connection)

    run = sync(sandbox_connection, full=True)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.created, run.updated, run.unchanged, run.skipped, run.skipped_reasons) == (0, 0, 18, 0, {})
    assert run.outcome_words == "All 18 orders were already up to date."
    assert not SkippedOrder.objects.exists()  # nothing on "Not imported" either
    assert Order.objects.filter(connection=sandbox_connection, content_hash="a newer copy").count() == 18

    page = member_client.get(reverse("connections:run", args=[sandbox_connection.pk, run.pk])).content.decode()
    assert "All 18 orders were already up to date." in page
    assert "older than the copy" not in page and "Why orders were not imported" not in page

    detail = member_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).content.decode()
    assert '<span class="run-counts">All 18 orders were already up to date.</span>' in detail
    assert "older than the copy" not in detail and "not imported</summary>" not in detail

    out = io.StringIO()
    call_command("fetch_orders", str(sandbox_connection.pk), "--full", stdout=out)
    printed = out.getvalue()
    assert "  All 18 orders were already up to date." in printed.splitlines()
    assert "skipped 18" not in printed and "older than the copy" not in printed

    latest = next(item for item in connection_timeline(sandbox_connection) if item.kind == "sync")
    assert latest.what.endswith(": succeeded; all 18 orders were already up to date")


def test_a_resync_with_nothing_changed_says_the_same(sandbox_connection, sandbox_account):
    generate_orders(sandbox_account, 1, states=("placed",), seed=22)
    sync(sandbox_connection)
    run = sync(sandbox_connection, full=True)
    assert (run.unchanged, run.orders_seen) == (1, 1)
    assert run.outcome_words == "The 1 order read was already up to date."


def test_real_skips_keep_their_words_beside_orders_already_up_to_date(
    sandbox_connection, sandbox_account, member_client
):
    generate_orders(sandbox_account, 10, states=("placed",), seed=23)
    sync(sandbox_connection)
    newer_copies_held(sandbox_connection)
    generate_orders(sandbox_account, 4, states=("dispatched",), seed=24)  # a state not imported

    run = sync(sandbox_connection, full=True)

    assert (run.created, run.unchanged, run.skipped) == (0, 10, 4)
    reason = "status \u201cdispatched\u201d is not selected for import"
    assert list(run.skipped_reasons) == [reason] and run.skipped_reasons[reason]["count"] == 4
    assert run.outcome_words == ""  # not everything was up to date: the counts tell it
    page = member_client.get(reverse("connections:run", args=[sandbox_connection.pk, run.pk])).content.decode()
    assert "Why orders were not imported" in page and "is not selected for import" in page
    assert "older than the copy" not in page and "already up to date" not in page


def test_a_failed_run_never_claims_all_were_up_to_date(sandbox_connection):
    run = SyncRun.objects.create(
        connection=sandbox_connection, status=SyncRun.Status.FAILED, orders_seen=50, unchanged=50
    )
    assert run.outcome_words == ""


def test_runs_recorded_before_are_told_the_same_way(sandbox_connection):
    """The migration moves the older-than-held skips of earlier runs to unchanged."""
    old = "older than the copy already imported"
    before = SyncRun.objects.create(
        connection=sandbox_connection,
        status=SyncRun.Status.SUCCEEDED,
        orders_seen=180,
        unchanged=0,
        skipped=180,
        skipped_reasons={
            old: {"count": 178, "examples": ["R1", "R2"]},
            "status \u201cdispatched\u201d is not selected for import": {"count": 2, "examples": ["R3"]},
        },
    )
    untouched = SyncRun.objects.create(
        connection=sandbox_connection, status=SyncRun.Status.FAILED, skipped=1, skipped_reasons={"x": {"count": 1}}
    )
    (name,) = [m.name for m in pkgutil.iter_modules(connections.migrations.__path__) if "up_to_date" in m.name]
    migration = importlib.import_module(f"connections.migrations.{name}")

    migration.older_copies_are_up_to_date(apps, None)

    before.refresh_from_db()
    assert (before.unchanged, before.skipped) == (178, 2)
    assert list(before.skipped_reasons) == ["status \u201cdispatched\u201d is not selected for import"]
    untouched.refresh_from_db()
    assert (untouched.skipped, untouched.skipped_reasons) == (1, {"x": {"count": 1}})
