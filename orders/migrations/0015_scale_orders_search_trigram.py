"""Trigram indexes for the order searches, on PostgreSQL only.

Django's `icontains` on PostgreSQL is `UPPER(col::text) LIKE UPPER('%term%')`: these GIN
indexes on exactly those expressions serve the merchant list's search (orders/forms.py) and
staff admin search. SQLite has no trigram index; there the migration does nothing.
"""

from django.db import migrations

COLUMNS = {
    "order_number_trgm": "number",
    "order_customer_name_trgm": "customer_name",
    "order_customer_email_trgm": "customer_email",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in COLUMNS.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "orders_order" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0014_scale_orders_list_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
