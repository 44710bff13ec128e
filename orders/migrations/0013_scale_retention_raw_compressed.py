"""Order.raw as zlib-compressed JSON (orders/fields.py) instead of JSON: a new column filled in
batches (so that memory holds one batch), the old one dropped, the new one renamed, all in the
migration's one transaction: on PostgreSQL the orders table stays locked until it ends (README,
"Upgrading": 15-20 s per 100,000 orders). Reversible: the way back refills the JSON.
"""

from django.db import migrations, models

import orders.fields

BATCH = 2000


def compress(apps, schema_editor):
    """Each order's raw JSON text, as the database returns it, compressed: no parse, no rewrite."""
    Order = apps.get_model("orders", "Order")
    quote = schema_editor.quote_name
    table, pk = quote(Order._meta.db_table), quote("id")
    raw, packed = quote("raw"), quote("raw_packed")
    after = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT {pk}, {raw} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [after, BATCH])
            rows = cursor.fetchall()
            if not rows:
                return
            values = [
                (orders.fields.pack(text) if not isinstance(text, (str, bytes)) else orders.fields.pack_text(text), pk_)
                for pk_, text in rows
            ]
            cursor.executemany(f"UPDATE {table} SET {packed} = %s WHERE {pk} = %s", values)
            after = rows[-1][0]


def decompress(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    after = 0
    while True:
        page = list(Order.objects.filter(pk__gt=after).order_by("pk").only("pk", "raw_packed")[:BATCH])
        if not page:
            return
        for order in page:
            order.raw = order.raw_packed
        Order.objects.bulk_update(page, ["raw"])
        after = page[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0012_scale_admin_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="raw_packed",
            field=orders.fields.CompressedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(compress, decompress, elidable=False),
        migrations.RemoveField(model_name="order", name="raw"),
        migrations.RenameField(model_name="order", old_name="raw_packed", new_name="raw"),
    ]
