# The API's order feed reads a merchant's orders in (updated_at, id) order, a page at a time
# (api/cursor.py): this index makes each page a range scan instead of a sort of every order.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_skipped_orders"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["merchant", "updated_at", "id"], name="order_merchant_updated"),
        ),
    ]
