"""Where is my order? Every order a platform showed us and we did not import is listed, with why."""

from datetime import timedelta

import pytest
from django.urls import reverse

from connections.models import Connection, SyncRun
from connections.platforms.base import InvalidRecord
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.partner.adapter import _records
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from connections.sync import execute, request_sync
from orders.ingest import ingest_page
from orders.models import Order, SkippedOrder
from orders.skipped import still_missing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_platform(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def sync(connection, full=False):
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False, full=full)
    execute(run.pk)


def listed(client, **params) -> str:
    return client.get(reverse("orders:skipped"), params).content.decode()


def test_orders_of_statuses_not_imported_are_listed_with_the_way_out_until_imported(
    member_client, sandbox_connection, sandbox_account
):
    generate_orders(sandbox_account, 12, states=("placed", "accepted"), seed=5)
    Connection.objects.filter(pk=sandbox_connection.pk).update(import_statuses=["placed"])
    sync(Connection.objects.get(pk=sandbox_connection.pk))

    accepted = set(sandbox_account.noths_orders.filter(state="accepted").values_list("noths_id", flat=True))
    assert accepted and set(SkippedOrder.objects.values_list("external_id", flat=True)) == {str(i) for i in accepted}
    page = listed(member_client)
    assert page.count("data-skipped=") == len(accepted)
    assert "is not selected for import" in page and "Edit the connection to import it" in page
    detail = member_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).content.decode()
    assert f"All {len(accepted)} orders from this account not imported, and why" in detail

    # The merchant imports accepted orders too: they are imported and leave the list.
    Connection.objects.filter(pk=sandbox_connection.pk).update(import_statuses=["placed", "accepted"])
    sync(Connection.objects.get(pk=sandbox_connection.pk), full=True)
    assert Order.objects.filter(external_id__in=[str(i) for i in accepted]).count() == len(accepted)
    assert "Every order your platforms showed us was imported" in listed(member_client)


def test_orders_before_the_import_from_date_and_invalid_ones_say_so(member_client, sandbox_connection, merchant):
    from tests.test_ingest import T0, make_order

    connection = Connection.objects.get(pk=sandbox_connection.pk)
    connection.import_from = T0.date() + timedelta(days=1)
    connection.save(update_fields=["import_from"])
    result = ingest_page(
        connection,
        [make_order(1), make_order(2)],  # placed at T0, before the date
        invalid=[InvalidRecord(reference="R-broken", reason="the total is not a number")],
    )
    assert result.skipped == 3
    page = listed(member_client)
    assert "Placed before the import-from date" in page and "R000001" in page
    assert "Invalid data: the total is not a number" in page and "R-broken" in page
    assert "R000001" in listed(member_client, q="000001") and "R-broken" not in listed(member_client, q="000001")


def test_the_list_shows_each_order_once_with_its_latest_reason(sandbox_connection):
    from tests.test_ingest import make_order

    connection = Connection.objects.get(pk=sandbox_connection.pk)
    connection.import_statuses = ["accepted"]
    connection.save(update_fields=["import_statuses"])
    ingest_page(connection, [make_order(7)])
    ingest_page(connection, [make_order(7, state="dispatched")])
    skipped = SkippedOrder.objects.get()
    assert "dispatched" in skipped.reason and skipped.last_skipped_at >= skipped.first_skipped_at


def test_another_merchants_skipped_orders_are_never_shown(other_client, sandbox_connection):
    from tests.test_ingest import make_order

    connection = Connection.objects.get(pk=sandbox_connection.pk)
    connection.import_statuses = ["accepted"]
    connection.save(update_fields=["import_statuses"])
    ingest_page(connection, [make_order(9)])
    assert "R000009" not in listed(other_client)
    assert "R000009" not in listed(other_client, connection=sandbox_connection.pk)


def _ingest_raw(connection, *raws):
    records, invalid = _records(list(raws))
    return ingest_page(connection, records, invalid)


def test_a_partner_order_in_an_unknown_status_leaves_the_not_imported_list_once_imported(member_client, merchant):
    connection = make_partner_connection(merchant)
    raw = partner_order(status="TELEPORTED", code="fp-2002")
    _ingest_raw(connection, raw)
    assert still_missing(SkippedOrder.objects.filter(connection=connection)).count() == 1

    # The platform now reports a status the portal knows: the order is imported...
    _ingest_raw(connection, {**raw, "status": "RECEIVED"})
    assert Order.objects.filter(connection=connection, external_id=raw["order_id"]).exists()
    # ...and so it is no longer "not imported".
    assert still_missing(SkippedOrder.objects.filter(connection=connection)).count() == 0
    page = member_client.get(reverse("orders:skipped")).content.decode()
    assert "fp-2002" not in page


def test_an_imported_partner_order_seen_in_an_unknown_status_is_not_listed_as_not_imported(merchant):
    connection = make_partner_connection(merchant)
    raw = partner_order(status="RECEIVED", code="fp-3003")
    _ingest_raw(connection, raw)
    assert Order.objects.filter(connection=connection).count() == 1
    _ingest_raw(connection, {**raw, "status": "TELEPORTED"})
    assert still_missing(SkippedOrder.objects.filter(connection=connection)).count() == 0


def test_a_page_of_only_invalid_records_is_still_listed_as_not_imported(sandbox_connection):
    result = ingest_page(
        Connection.objects.get(pk=sandbox_connection.pk),
        [],
        invalid=[InvalidRecord(reference="R-broken", reason="the total is not a number")],
    )
    assert result.skipped == 1
    assert list(SkippedOrder.objects.values_list("external_id", "reason")) == [
        ("R-broken", "invalid data: the total is not a number")
    ]
