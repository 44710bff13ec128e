"""Three indexes on orders that no query used, dropped.

After every page of bench/scale.py on a million orders, PostgreSQL counted no scan of:
- the index on `placed_at` alone: `order_placed_id` (placed_at, id) serves the admin's order
  and its date ranges;
- `number`'s and `status`'s `_like` twins, which serve `LIKE 'prefix%'`: the admin matches a
  number exactly and filters a status by equality.
Together 57 MB a million orders freshly built, 72 MB in a table that grew row by row.
`number` and `status` keep a plain B-tree each, built again under a name of its own in
Meta.indexes (a few seconds a million orders). Each order a sync or a webhook writes updates
three indexes fewer. SQLite has no `_like` indexes: there only `placed_at`'s goes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0021_syncrun_one_active_constraint_restored"),
        ("orders", "0016_order_search_text"),
        ("portal", "0002_scale_retention_prunerun"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Not approved yet"),
                    ("pending", "Awaiting acceptance"),
                    ("accepted", "Accepted"),
                    ("ready", "Ready for pickup"),
                    ("shipped", "Dispatched"),
                    ("delivered", "Delivered"),
                    ("cancelled", "Cancelled"),
                    ("refunded", "Refunded"),
                    ("archived", "Archived"),
                    ("unknown", "Unknown"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["number"], name="order_number"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status"], name="order_status"),
        ),
    ]
