"""The API's order feed walks indexes that hold its filters; PostgreSQL's guesses at a search are sampled finer.

On a million orders (bench/scale.py):
- `?status=ready` for a merchant that has no ready orders took 225 ms: `order_merchant_updated`
  has no status, so PostgreSQL read every one of the merchant's 404,500 rows looking for one.
  `order_merchant_status_updated` (merchant, status, updated_at, id) finds none at once.
- A search with a status (`?search=Smith&status=accepted`) read the trigram index's 22,731
  candidates across every merchant, row by row (98 ms, 207 cold). Both feed indexes now INCLUDE
  the search text and the connection, as the order list's do (0016, 0018): a searched page
  walks an index alone, bounded by the merchant's orders in that status.
- Which of the two (walk the index or read the trigram candidates) PostgreSQL chooses rests
  on its guess of how many orders hold the term. It guesses from the column's histogram: at
  the default statistics target a term in 2 % of orders is missing from the 101 sampled values
  about one ANALYZE in eight, is then guessed at a hundred rows, and the list's "Smith" within a
  state went from a 26 ms walk to a 238 ms trigram read after one such ANALYZE. `search_text`
  keeps 1,000 values (SET STATISTICS): a term in 1 % of orders is missed about once in 23,000
  ANALYZEs (0.99 ** 1001), one in 2 % practically never. Planning a searched query reads them:
  about 0.3 ms more.

The feed's indexes grow from 59 to 224 MB a million orders (`order_merchant_updated` 106 MB, the new
one 118); the migration took 6 s on a million orders, the ANALYZE of the column included, the
table locked for writes while the indexes are built (README: Upgrading). SQLite's indexes cannot
include columns, and it keeps no histograms.
"""

from django.db import migrations, models

SEARCH_STATISTICS = 1000


def _statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'ALTER TABLE "orders_order" ALTER COLUMN "search_text" SET STATISTICS {target}')
        schema_editor.execute('ANALYZE "orders_order" ("search_text")')

    return run


def _feed_index(name: str, leading: list[str], include: tuple[str, ...]) -> models.Index:
    return models.Index(fields=[*leading, "updated_at", "id"], include=include, name=name)


COVERS = ("search_text", "connection")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0018_order_list_index_covers_filters"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="order", name="order_merchant_updated"),
        migrations.AddIndex(model_name="order", index=_feed_index("order_merchant_updated", ["merchant"], COVERS)),
        migrations.AddIndex(
            model_name="order",
            index=_feed_index("order_merchant_status_updated", ["merchant", "status"], COVERS),
        ),
        migrations.RunPython(_statistics(SEARCH_STATISTICS), _statistics(-1), elidable=False),
    ]
