"""The order list's keyset pages (orders/paging.py): (placed_at, id) within a merchant, within a
merchant's state, within a connection and a connection's state, with the id as tie-breaker, replacing the index on
(merchant, placed_at) that had none (deep pages sorted the merchant's orders on disk).

The list orders by placed_at DESC NULLS LAST. On PostgreSQL the indexes are built in that
order (Django's Index cannot say NULLS LAST on SQLite, which rejects it in CREATE INDEX, so
the database operations are written out per vendor); there, no plain index on placed_at can
give the list's order, so the planner never prefers walking all merchants' orders by time.
On SQLite DESC already sorts NULL last: the indexes are the plain ones the state describes.
"""

from django.db import migrations, models

# What the state records (the model's Meta.indexes); each ends in placed_at DESC, id DESC.
INDEXES = [
    models.Index(fields=["merchant", "-placed_at", "-id"], name="order_merchant_placed_id"),
    models.Index(fields=["merchant", "platform_status", "-placed_at", "-id"], name="order_merchant_state_placed"),
    models.Index(fields=["connection", "-placed_at", "-id"], name="order_connection_placed"),
    models.Index(fields=["connection", "platform_status", "-placed_at", "-id"], name="order_connection_state_placed"),
]
FOREIGN_KEYS = {"merchant": "merchant_id", "connection": "connection_id"}


def create(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    for index in INDEXES:
        leading = [f'"{FOREIGN_KEYS.get(field, field)}"' for field in index.fields[:-2]]
        columns = ", ".join([*leading, f'"placed_at" DESC{nulls}', '"id" DESC'])
        schema_editor.execute(f'CREATE INDEX "{index.name}" ON "orders_order" ({columns})')


def drop(apps, schema_editor):
    for index in INDEXES:
        schema_editor.execute(f'DROP INDEX "{index.name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0013_chart_day_indexes"),
        ("orders", "0013_scale_retention_raw_compressed"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create, drop)],
            state_operations=[migrations.AddIndex(model_name="order", index=index) for index in INDEXES],
        ),
        migrations.RemoveIndex(model_name="order", name="order_merchant_placed"),
    ]
