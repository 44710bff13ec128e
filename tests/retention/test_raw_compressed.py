"""Order.raw stored zlib-compressed (orders/fields.py): a dict in, the same dict out, everywhere."""

import zlib

import pytest
from django.core import serializers
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.fields import pack, unpack
from orders.models import Order
from tests.factories import ConnectionFactory

PAYLOAD = {
    "id": 123,
    "state": "accepted",
    "price": 12.5,
    "huge": 2**70 + 1,
    "gift": None,
    "tags": ["a", "é", "😀"],
    "items": [{"sku": "X", "options": {"size": "M"}} for _ in range(20)],
}


def new_order(connection_, n, raw):
    return Order(connection=connection_, merchant=connection_.merchant, external_id=str(n), number=str(n), raw=raw)


def test_pack_round_trips_and_compresses():
    assert unpack(pack(PAYLOAD)) == PAYLOAD
    assert len(pack(PAYLOAD)) < len(repr(PAYLOAD)) / 3
    assert unpack(pack({})) == {}


@pytest.mark.django_db
def test_raw_round_trips_through_every_write(db):
    conn = ConnectionFactory()
    order = Order.objects.create(connection=conn, merchant=conn.merchant, external_id="1", number="1", raw=PAYLOAD)
    assert Order.objects.get(pk=order.pk).raw == PAYLOAD
    Order.objects.bulk_create([new_order(conn, 2, {"n": 2}), new_order(conn, 3, {"n": 3})])
    assert Order.objects.get(external_id="2").raw == {"n": 2}
    bulk = list(Order.objects.filter(external_id__in=["2", "3"]))
    for o in bulk:
        o.raw = {"changed": o.external_id}
    Order.objects.bulk_update(bulk, ["raw"])
    assert sorted(Order.objects.filter(external_id__in=["2", "3"]).values_list("raw", flat=True), key=str) == [
        {"changed": "2"},
        {"changed": "3"},
    ]
    Order.objects.filter(pk=order.pk).update(raw={"updated": True})
    assert Order.objects.get(pk=order.pk).raw == {"updated": True}
    # Unset, an order's raw is an empty dict, as with the JSONField before.
    assert Order.objects.create(connection=conn, merchant=conn.merchant, external_id="4", number="4").raw == {}
    # Stored compressed, not as JSON text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw FROM orders_order WHERE id = %s", [order.pk])
        (stored,) = cursor.fetchone()
    assert zlib.decompress(stored).startswith(b"{")


@pytest.mark.django_db
def test_raw_survives_a_fixture_round_trip(db):
    conn = ConnectionFactory()
    order = Order.objects.create(connection=conn, merchant=conn.merchant, external_id="1", number="1", raw=PAYLOAD)
    text = serializers.serialize("json", [order])
    (restored,) = serializers.deserialize("json", text)
    assert restored.object.raw == PAYLOAD


@pytest.mark.django_db(transaction=True)
def test_the_migration_compresses_existing_rows_and_back():
    before, after = [("orders", "0012_scale_admin_list_indexes")], [("orders", "0013_scale_retention_raw_compressed")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Connection = old.get_model("connections", "Connection")
    OldOrder = old.get_model("orders", "Order")
    conn = ConnectionFactory()
    Connection.objects.get(pk=conn.pk)
    payloads = [{**PAYLOAD, "id": n} for n in range(5)] + [{}]
    for n, raw in enumerate(payloads):
        OldOrder.objects.create(
            connection_id=conn.pk, merchant_id=conn.merchant_id, external_id=str(n), number=str(n), raw=raw
        )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    new = executor.loader.project_state(after).apps.get_model("orders", "Order")
    assert [o.raw for o in new.objects.order_by("pk")] == payloads

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("orders", "Order")
    assert [o.raw for o in old.objects.order_by("pk")] == payloads

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
