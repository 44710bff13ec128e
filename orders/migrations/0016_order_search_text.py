"""The merchant search's text in one column, and on PostgreSQL in the list's index.

`search_text` is the order number, customer name and email, upper-cased, a line apart: a
column PostgreSQL and SQLite compute when the row is written (GENERATED ALWAYS ... STORED).
Adding it rewrites the orders table once, with the table locked (README: Upgrading).

On PostgreSQL:
- `order_merchant_placed_id` is built again with `INCLUDE (search_text)`, still in the
  list's order (placed_at DESC NULLS LAST, as 0014 built it). A search that only old orders
  match then walks the index alone instead of reading every newer order's row.
- One trigram index on `search_text` serves the searches few orders match, in place of the
  one on `UPPER(number)` that only this search used. The name and email trigram indexes of
  0015 stay: the admin's order search uses them.
On SQLite the index is unchanged (it cannot include columns) and there are no trigram indexes.
"""

from django.db import migrations, models
from django.db.models.functions import Concat, Upper

NAME = "order_merchant_placed_id"
NEW_INDEX = models.Index(fields=["merchant", "-placed_at", "-id"], include=["search_text"], name=NAME)
LIST_ORDER = '"merchant_id", "placed_at" DESC NULLS LAST, "id" DESC'


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX "{NAME}"')
    schema_editor.execute(f'CREATE INDEX "{NAME}" ON "orders_order" ({LIST_ORDER}) INCLUDE ("search_text")')
    schema_editor.execute('CREATE INDEX "order_search_text_trgm" ON "orders_order" USING gin ("search_text" gin_trgm_ops)')
    schema_editor.execute('DROP INDEX IF EXISTS "order_number_trgm"')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "order_number_trgm" ON "orders_order" USING gin ((UPPER("number"::text)) gin_trgm_ops)'
    )
    schema_editor.execute('DROP INDEX "order_search_text_trgm"')
    schema_editor.execute(f'DROP INDEX "{NAME}"')
    schema_editor.execute(f'CREATE INDEX "{NAME}" ON "orders_order" ({LIST_ORDER})')


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0015_scale_orders_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=Upper(
                    Concat("number", models.Value("\n"), "customer_name", models.Value("\n"), "customer_email")
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.RemoveIndex(model_name="order", name=NAME),
                migrations.AddIndex(model_name="order", index=NEW_INDEX),
            ],
        ),
    ]
