"""Put back the one-active-run-per-connection guard where 0020 took it away.

On PostgreSQL, Django's AlterField (db_index=True -> False) drops every plain b-tree index on the
column that is not a Meta index, and the partial unique index behind
`syncrun_one_active_per_connection` is one of them. Without it two requests could each queue a
sync of the same connection. This adds it again wherever it is missing; on SQLite, where the
table rebuild kept it, nothing happens.
"""

from django.db import migrations

CONSTRAINT = "syncrun_one_active_per_connection"


def restore_constraint(apps, schema_editor):
    model = apps.get_model("connections", "SyncRun")
    with schema_editor.connection.cursor() as cursor:
        present = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    if CONSTRAINT in present:
        return
    (constraint,) = (c for c in model._meta.constraints if c.name == CONSTRAINT)
    schema_editor.add_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0020_syncrun_connection_index_redundant"),
    ]

    operations = [
        migrations.RunPython(restore_constraint, migrations.RunPython.noop),
    ]
