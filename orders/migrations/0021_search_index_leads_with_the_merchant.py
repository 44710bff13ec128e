"""On PostgreSQL, the search's trigram index leads with the merchant (btree_gin).

The single-column index (0016) finds every merchant's orders that hold a term's trigrams: 16,723 for
"customer40" on a million orders (bench/scale.py), which PostgreSQL then intersects with the merchant's
404,500 from `merchant_id`'s index, 25 ms before a row is read. One GIN index over both columns finds the
merchant's 5,612 alone, in 1.5 ms. A query on the search text alone (none of ours) can still use it.

The merchant must be compared as a bigint for btree_gin to use it (`OrderQuerySet.of_merchant`).
btree_gin is one of PostgreSQL's contrib extensions and, like pg_trgm, trusted: the database's owner
may create it. Going back leaves it installed, as 0015 leaves pg_trgm (other indexes may use it). Built in 7.6 s on a million orders, the table locked for writes (README: Upgrading).
Nothing changes on SQLite.
"""

from django.db import migrations

from portal.postgres_only import postgres_sql

SINGLE = 'CREATE INDEX IF NOT EXISTS "order_search_text_trgm" ON "orders_order" USING gin ("search_text" gin_trgm_ops)'
BY_MERCHANT = (
    'CREATE INDEX IF NOT EXISTS "order_merchant_search_trgm" ON "orders_order" '
    'USING gin ("merchant_id", "search_text" gin_trgm_ops)'
)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_outbound_action_created_index"),
    ]

    operations = [
        postgres_sql(
            ["CREATE EXTENSION IF NOT EXISTS btree_gin", BY_MERCHANT, 'DROP INDEX IF EXISTS "order_search_text_trgm"'],
            [SINGLE, 'DROP INDEX IF EXISTS "order_merchant_search_trgm"'],
        ),
    ]
