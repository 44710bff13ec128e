"""The one ingest path: upserts, counts, skip reasons, ordering rules, constant queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from connections.platforms.base import (
    InvalidRecord,
    NormalizedItem,
    NormalizedOrder,
    OrderRecord,
    OrderStatus,
    UnreadableRecord,
)
from orders.ingest import UP_TO_DATE, ImportPolicy, ingest_page
from orders.models import Order, OrderEvent, OrderItem, SkippedOrder
from tests.factories import ConnectionFactory

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_order(n: int, *, state="placed", updated=T0, placed=T0, items=2, version=0) -> NormalizedOrder:
    status = {"placed": OrderStatus.PENDING, "accepted": OrderStatus.ACCEPTED, "dispatched": OrderStatus.SHIPPED}
    return NormalizedOrder(
        external_id=str(n),
        number=f"R{n:06d}",
        status=status.get(state, OrderStatus.UNKNOWN),
        platform_status=state,
        placed_at=placed,
        platform_updated_at=updated,
        currency="GBP",
        total=Decimal("30.00"),
        customer_name=f"Customer {n}",
        items=tuple(
            NormalizedItem(
                external_id=f"{n}-{i}",
                title=f"Mug {i}",
                quantity=1,
                unit_price=Decimal("10"),
                total=Decimal("10"),
                sku=f"SKU{i}",
                options=(("Personalisation", f"v{version}"),),
            )
            for i in range(items)
        ),
        raw={"id": n, "state": state, "updated_at": updated.isoformat(), "version": version},
    )


@pytest.fixture
def conn(merchant):
    return ConnectionFactory(merchant=merchant, import_statuses=[])  # import every state


def test_new_orders_are_created_with_items_and_an_event(conn):
    result = ingest_page(conn, [make_order(1), make_order(2, items=3)])
    assert (result.created, result.updated, result.unchanged, result.skipped) == (2, 0, 0, 0)
    order = Order.objects.get(connection=conn, external_id="2")
    assert order.merchant_id == conn.merchant_id
    assert [i.title for i in order.items.all()] == ["Mug 0", "Mug 1", "Mug 2"]
    assert order.items.first().options == [["Personalisation", "v0"]]
    assert order.events.get().kind == OrderEvent.Kind.IMPORTED
    assert result.created_pending_ids == list(
        Order.objects.filter(connection=conn).values_list("pk", flat=True).order_by("external_id")
    )


def test_the_same_page_twice_changes_nothing(conn):
    ingest_page(conn, [make_order(1), make_order(2)])
    again = ingest_page(conn, [make_order(1), make_order(2)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Order.objects.count() == 2
    assert OrderItem.objects.count() == 4
    assert OrderEvent.objects.count() == 2


def test_a_changed_order_is_updated_and_its_items_replaced(conn):
    ingest_page(conn, [make_order(1)])
    later = T0 + timedelta(hours=1)
    result = ingest_page(conn, [make_order(1, state="accepted", updated=later, items=1, version=1)])
    assert (result.created, result.updated) == (0, 1)
    order = Order.objects.get()
    assert order.status == "accepted"
    assert order.platform_updated_at == later
    assert list(order.items.values_list("options", flat=True)) == [[["Personalisation", "v1"]]]
    event = order.events.filter(kind=OrderEvent.Kind.STATUS).get()
    assert event.message == "Status changed on NOTHS: Placed \u2192 Accepted."


def test_a_status_change_keeps_the_items_as_they_were_written(conn):
    ingest_page(conn, [make_order(1)])
    written = list(OrderItem.objects.order_by("pk").values_list("pk", "title"))
    later = T0 + timedelta(hours=1)
    with CaptureQueriesContext(db) as queries:
        result = ingest_page(conn, [make_order(1, state="accepted", updated=later)])
    assert result.updated == 1 and Order.objects.get().status == "accepted"
    assert list(OrderItem.objects.order_by("pk").values_list("pk", "title")) == written  # the same rows
    assert not [q for q in queries.captured_queries if "orders_orderitem" in q["sql"]]


def test_items_written_before_their_hash_was_kept_are_rewritten_once(conn):
    ingest_page(conn, [make_order(1)])
    Order.objects.update(items_hash="")  # as migrated
    before = set(OrderItem.objects.values_list("pk", flat=True))
    ingest_page(conn, [make_order(1, state="accepted", updated=T0 + timedelta(hours=1))])
    after = set(OrderItem.objects.values_list("pk", flat=True))
    assert len(after) == 2 and not before & after
    assert Order.objects.get().items_hash != ""


def test_an_older_copy_never_overwrites_a_newer_one(conn):
    newer = T0 + timedelta(hours=2)
    ingest_page(conn, [make_order(1, state="dispatched", updated=newer)])
    result = ingest_page(conn, [make_order(1, state="accepted", updated=T0, version=9)])
    # The order is up to date: unchanged, not a skip (nothing was lost).
    assert (result.unchanged, result.skipped, result.skipped_reasons) == (1, 0, {})
    assert result.outcomes["1"] == UP_TO_DATE == "unchanged: older than the copy already imported"
    assert Order.objects.get().status == "shipped"


def test_a_page_holding_one_order_twice_keeps_the_newest(conn):
    result = ingest_page(conn, [make_order(1, updated=T0 + timedelta(minutes=5), state="accepted"), make_order(1)])
    assert result.created == 1
    assert Order.objects.get().platform_status == "accepted"


def test_unwanted_new_orders_are_skipped_with_reasons(conn):
    policy = ImportPolicy(statuses=frozenset({"placed"}), import_from=date(2026, 10, 1))
    result = ingest_page(
        conn,
        [make_order(1), make_order(2, state="dispatched"), make_order(3, placed=datetime(2026, 9, 1, tzinfo=UTC))],
        [InvalidRecord("R9", "unreadable NOTHS order: missing id")],
        policy,
    )
    assert (result.created, result.skipped) == (1, 3)
    reasons = result.skipped_reasons
    assert reasons["status \u201cdispatched\u201d is not selected for import"] == {"count": 1, "examples": ["R000002"]}
    assert reasons["placed before the import-from date (01 Oct 2026)"]["examples"] == ["R000003"]
    assert reasons["invalid data: unreadable NOTHS order: missing id"]["examples"] == ["R9"]


def test_an_older_copy_never_creates_an_order_a_newer_skipped_copy_showed(conn):
    only_placed = ImportPolicy(statuses=frozenset({"placed"}))
    newer = T0 + timedelta(hours=2)
    assert ingest_page(conn, [make_order(1, state="dispatched", updated=newer)], policy=only_placed).skipped == 1
    late = ingest_page(conn, [make_order(1, updated=T0)], policy=only_placed)
    assert (late.created, late.skipped) == (0, 1)
    assert late.outcomes["1"] == (
        "skipped: older than a newer copy that was not imported (dispatched at 01 Nov 2026 14:00:00 UTC)"
    )
    assert not Order.objects.exists()
    assert SkippedOrder.objects.get().platform_status == "dispatched"
    # A copy newer than the one skipped, in a state imported, creates it.
    assert ingest_page(conn, [make_order(1, updated=newer + timedelta(minutes=1))], policy=only_placed).created == 1


def test_an_imported_order_keeps_updating_after_leaving_the_import_states(conn):
    policy = ImportPolicy(statuses=frozenset({"placed"}))
    ingest_page(conn, [make_order(1)], policy=policy)
    result = ingest_page(conn, [make_order(1, state="dispatched", updated=T0 + timedelta(days=1))], policy=policy)
    assert result.updated == 1
    assert Order.objects.get().status == "shipped"


def test_unchanged_orders_are_never_normalized(conn):
    calls = []

    def normalize(raw):
        calls.append(raw["id"])
        return make_order(raw["id"])

    def page():
        return [OrderRecord(str(n), make_order(n).raw, normalize) for n in (1, 2, 3)]

    ingest_page(conn, page())
    assert calls == [1, 2, 3]
    calls.clear()
    assert ingest_page(conn, page()).unchanged == 3
    assert calls == []


def test_an_unreadable_record_is_skipped_with_its_reason(conn):
    def broken(raw):
        raise UnreadableRecord("unreadable NOTHS order: unreadable time 'soon'")

    result = ingest_page(conn, [OrderRecord("9", {"id": 9}, broken), make_order(1)])
    assert (result.created, result.skipped) == (1, 1)
    assert result.skipped_reasons == {
        "invalid data: unreadable NOTHS order: unreadable time 'soon'": {"count": 1, "examples": ["9"]}
    }


def test_orders_are_unique_per_connection_not_globally(merchant):
    first, second = ConnectionFactory(merchant=merchant), ConnectionFactory(merchant=merchant)
    ingest_page(first, [make_order(1)])
    ingest_page(second, [make_order(1)])
    assert Order.objects.filter(external_id="1").count() == 2


@pytest.mark.parametrize("kind", ["new", "changed", "unchanged"])
def test_queries_per_page_do_not_grow_with_the_page(conn, kind):
    def page(size, offset, version):
        return [
            make_order(offset + n, items=3, version=version, updated=T0 + timedelta(seconds=version))
            for n in range(size)
        ]

    counts = []
    for size, offset in ((5, 0), (200, 1000)):
        if kind != "new":
            ingest_page(conn, page(size, offset, 0))
        version = 1 if kind == "changed" else 0
        with CaptureQueriesContext(db) as queries:
            ingest_page(conn, page(size, offset, version))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8


def test_queries_for_orders_skipped_before_do_not_grow_with_the_page(conn):
    """The newest skipped copies are read once per page, whatever its size."""
    counts = []
    for size, offset in ((5, 0), (200, 1000)):
        skipped = [make_order(offset + n, state="dispatched", updated=T0 + timedelta(hours=1)) for n in range(size)]
        ingest_page(conn, skipped, policy=ImportPolicy(statuses=frozenset({"placed"})))
        # Half newer than the skipped copies (created), half older (refused).
        later = [make_order(offset + n, updated=T0 + timedelta(hours=2 if n % 2 else 0)) for n in range(size)]
        with CaptureQueriesContext(db) as queries:
            result = ingest_page(conn, later)
        assert (result.created, result.skipped) == (size // 2, size - size // 2)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= (7 if db.vendor == "postgresql" else 6)  # PostgreSQL's ingest lock is a statement


def versioned(order: NormalizedOrder, version: str, **raw) -> OrderRecord:
    """A record of `order` in another shape (a webhook's beside a query's), with the platform's version."""
    return OrderRecord(order.external_id, {**raw, "shape": raw.get("shape", "query")}, lambda _: order, version)


def test_two_shapes_of_one_version_are_one_copy_and_a_new_version_updates(conn):
    first = make_order(1, state="placed")
    assert ingest_page(conn, [versioned(first, "2026-11-01T12:00:00Z", shape="webhook")]).created == 1
    again = ingest_page(conn, [versioned(first, "2026-11-01T12:00:00Z", shape="query")])
    assert (again.unchanged, again.updated) == (1, 0)
    assert Order.objects.get().content_hash.startswith("version:")
    assert OrderEvent.objects.count() == 1
    later = make_order(1, state="accepted", updated=T0 + timedelta(minutes=5))
    changed = ingest_page(conn, [versioned(later, "2026-11-01T12:05:00Z", shape="query")])
    assert changed.updated == 1 and Order.objects.get().status == OrderStatus.ACCEPTED
