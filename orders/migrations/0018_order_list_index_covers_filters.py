"""The order list's indexes hold what a search with the list's filters reads, so it walks an index alone.

0016 put the search text in `order_merchant_placed_id`, so a plain search walked that index
without the table. A search with the list's status or connection filter still read each
walked order's row, for `platform_status` or `connection_id`. On a million orders
(bench/scale.py) page 1 of a search that only old orders match took 128 ms with a status
filter, and 164 ms within the big connection. A surname with its one state took 65 ms.

On PostgreSQL two of the list's indexes are built again, in the list's order as before:
- `order_merchant_placed_id` INCLUDE (search_text, connection_id): a search within a
  connection walks the merchant's orders newest first, as a plain search does;
- `order_merchant_state_placed` INCLUDE (search_text, connection_id): a search within a
  state walks only that state's orders, and PostgreSQL can also read a state the
  merchant's platforms word alike (two codes) from it, then sort.
The first grows by 8 bytes an entry (98 to 106 MB a million orders), the second by the search
text (54 to 122 MB), both built afresh. The migration took 5 s on a million orders, with the
table locked for writes meanwhile (README: Upgrading). SQLite's indexes cannot include
columns and are unchanged.
"""

from django.db import migrations, models

LIST_ORDER = '"placed_at" DESC NULLS LAST, "id" DESC'
COLUMNS = {"merchant": "merchant_id", "connection": "connection_id"}


def _index(name: str, leading: list[str], include: list[str]) -> models.Index:
    return models.Index(fields=[*leading, "-placed_at", "-id"], include=include, name=name)


def _merchant(include):
    return _index("order_merchant_placed_id", ["merchant"], include)


def _merchant_state(include):
    return _index("order_merchant_state_placed", ["merchant", "platform_status"], include)


BEFORE = [_merchant(["search_text"]), _merchant_state([])]
AFTER = [_merchant(["search_text", "connection"]), _merchant_state(["search_text", "connection"])]


def _build(indexes: list[models.Index]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for index in indexes:
            leading = ", ".join(f'"{COLUMNS.get(name, name)}"' for name in index.fields[:-2])
            included = ", ".join(f'"{COLUMNS.get(name, name)}"' for name in index.include)
            schema_editor.execute(f'DROP INDEX "{index.name}"')
            schema_editor.execute(
                f'CREATE INDEX "{index.name}" ON "orders_order" ({leading}, {LIST_ORDER})'
                + (f" INCLUDE ({included})" if included else "")
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0017_drop_unused_order_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_build(AFTER), _build(BEFORE), elidable=False)],
            state_operations=[
                *[migrations.RemoveIndex(model_name="order", name=index.name) for index in BEFORE],
                *[migrations.AddIndex(model_name="order", index=index) for index in AFTER],
            ],
        ),
    ]
