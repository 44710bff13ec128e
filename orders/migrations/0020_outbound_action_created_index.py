"""An index in the order of the admin's list of outbound actions (newest first, by created_at and id).

An order gets about one action (its acceptance, its dispatch push), so the table soon holds a
million rows, and the admin's list of them sorted the whole table for each page: 366 ms for
1,000,000 actions (bench/scale.py's database with one action added an order). With the index,
the page reads its 100 rows in order.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0019_feed_indexes_cover_filters"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outboundaction",
            index=models.Index(fields=["created_at", "id"], name="action_created_id"),
        ),
    ]
