"""Migration operations that run only on PostgreSQL (pg_trgm and its GIN indexes); elsewhere nothing.

SQLite, the default test database and the demo, has neither the extension nor GIN indexes; its
admin searches simply scan the small tables it holds.
"""

from __future__ import annotations

from django.db import migrations


def postgres_sql(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """A reversible migration step: `forward` on the way up, `backward` on the way down, PostgreSQL only."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


def trigram_indexes(table: str, columns: list[str]) -> migrations.RunPython:
    """GIN trigram indexes on `UPPER(column::text)`: what Django's `icontains` and `iexact` compare on PostgreSQL.

    Named `<table>_<column>_trgm`; pg_trgm is created if missing and left in place on the way down
    (other indexes may use it).
    """
    names = {column: f"{table}_{column}_trgm"[:63] for column in columns}
    return postgres_sql(
        ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
        + [
            f'CREATE INDEX IF NOT EXISTS "{names[c]}" ON "{table}" USING gin ((UPPER("{c}"::text)) gin_trgm_ops)'
            for c in columns
        ],
        [f'DROP INDEX IF EXISTS "{names[c]}"' for c in columns],
    )
