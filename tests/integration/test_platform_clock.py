"""A platform whose clock is hours behind or ahead of the portal's (the NOTHS sandbox's, its
`updated_at` and its list filter following it): incremental syncs alone import every change, the
measured offset is kept on the connection, and its page says so in the platform's words."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from connections.clock import duration, skew_words
from connections.models import Connection, SyncRun
from connections.platforms.noths.sandbox.data import generate_orders, touch_orders
from connections.sync import request_sync
from orders.models import Order
from sandbox.models import SandboxAccount
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sync_settings(settings):
    settings.NOTHS_PAGE_SIZE = 20
    settings.SYNC_SETTLE_SECONDS = 0
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def fetch(connection) -> SyncRun:
    run, created = request_sync(Connection.objects.get(pk=connection.pk), trigger=SyncRun.Trigger.SCHEDULED)
    assert created
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not run.full_resync
    return run


def let_a_second_pass():
    """NOTHS's times are whole seconds: let changes made just now fall inside the next window."""
    time.sleep(1.05)


def as_imported(connection) -> dict[str, tuple]:
    return {
        o.external_id: (o.platform_status, o.platform_updated_at) for o in Order.objects.filter(connection=connection)
    }


def as_on_noths(account, ids) -> dict[str, tuple]:
    rows = account.noths_orders.filter(noths_id__in=[int(i) for i in ids]).values_list(
        "noths_id", "state", "updated_at"
    )
    return {str(noths_id): (state, updated_at) for noths_id, state, updated_at in rows}


def wanted(account) -> set[str]:
    return {
        str(i) for i in account.noths_orders.filter(state__in=["placed", "accepted"]).values_list("noths_id", flat=True)
    }


@BEHIND_AND_AHEAD
def test_incremental_syncs_alone_import_every_change(sandbox_connection, sandbox_account, member_client, hours):
    set_clock(sandbox_account, hours)
    generate_orders(sandbox_account, 50, states=("placed", "accepted"), seed=11)
    first = fetch(sandbox_connection)
    assert set(as_imported(sandbox_connection)) == wanted(sandbox_account)
    assert first.created == len(wanted(sandbox_account))

    for round_number in range(3):
        # NOTHS changes some orders and takes new ones between two scheduled syncs.
        ids = list(sandbox_account.noths_orders.order_by("?").values_list("noths_id", flat=True)[:6])
        touch_orders(sandbox_account, ids[:3], new_state="dispatched")
        touch_orders(sandbox_account, ids[3:])
        generate_orders(sandbox_account, 2, states=("placed",), seed=100 + round_number)
        let_a_second_pass()
        run = fetch(sandbox_connection)
        assert run.created == 2, round_number
        imported = as_imported(sandbox_connection)
        assert imported == as_on_noths(sandbox_account, imported), round_number  # every order as NOTHS holds it
        assert set(imported) >= wanted(sandbox_account)

    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert abs(connection.clock_offset_seconds - hours * 3600) <= 2
    side = "behind" if hours < 0 else "ahead of"
    notice = (
        f"NOTHS's clock is 3 h 00 min {side} the portal's. "
        + "Orders are still read by NOTHS's own times, so none are missed."
    )
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert escape(notice) in page


def test_a_clock_set_right_again_still_brings_new_orders(sandbox_connection, sandbox_account):
    """NOTHS ran 3 hours ahead, then its clock was put right: its changes since carry times before
    the newest the last sync committed, and the next incremental sync still reads them."""
    set_clock(sandbox_account, 3)
    generate_orders(sandbox_account, 10, states=("placed",), seed=21)
    fetch(sandbox_connection)
    set_clock(sandbox_account, 0)
    generate_orders(sandbox_account, 3, states=("placed",), seed=22)
    let_a_second_pass()
    run = fetch(sandbox_connection)
    assert run.created == 3
    assert set(as_imported(sandbox_connection)) == wanted(sandbox_account)
    assert Connection.objects.get(pk=sandbox_connection.pk).clock_offset_seconds in range(-2, 3)


def test_test_connection_measures_the_clock_and_the_notice_follows_the_margin(
    sandbox_connection, sandbox_account, member_client, settings
):
    set_clock(sandbox_account, -(2 + 3 / 60))  # 2 h 03 min behind
    member_client.post(reverse("connections:test", args=[sandbox_connection.pk]))
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert abs(connection.clock_offset_seconds + (2 * 3600 + 180)) <= 2 and connection.clock_measured_at
    assert skew_words(connection).startswith("NOTHS's clock is 2 h 03 min behind the portal's.")
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert 'id="clock-skew"' in page
    settings.CLOCK_SKEW_WARN_SECONDS = 3 * 3600
    assert skew_words(connection) == ""
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert 'id="clock-skew"' not in page


def test_a_clock_within_the_margin_says_nothing(sandbox_connection, sandbox_account, member_client):
    set_clock(sandbox_account, 1 / 60)  # a minute ahead: under CLOCK_SKEW_WARN_SECONDS (120)
    generate_orders(sandbox_account, 3, states=("placed",), seed=3)
    fetch(sandbox_connection)
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert abs(connection.clock_offset_seconds - 60) <= 2
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert 'id="clock-skew"' not in page


def test_a_failed_fetch_keeps_what_the_refusal_said_of_the_clock(sandbox_connection, sandbox_account):
    set_clock(sandbox_account, 3)
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
    run, _ = request_sync(sandbox_connection, trigger=SyncRun.Trigger.MANUAL)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert abs(connection.clock_offset_seconds - 3 * 3600) <= 2


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (45, "45 s"),
        (245, "4 min 05 s"),
        (7380, "2 h 03 min"),
        (10799, "3 h 00 min"),
        (timedelta(days=1).total_seconds(), "24 h 00 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds, words):
    assert duration(seconds) == words
