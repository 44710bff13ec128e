"""The database holds every index and constraint the models declare.

A migration can drop more than it says: on PostgreSQL, taking `db_index` off a foreign key also
dropped the partial unique index behind `syncrun_one_active_per_connection`, and nothing noticed
until two syncs of one connection could be queued at once. This compares the migrated database
with the models, by name, on whichever database the suite runs against.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def declared(model) -> set[str]:
    return {item.name for item in (*model._meta.constraints, *model._meta.indexes)}


def present(model) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, model._meta.db_table))


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy and declared(m)],
    ids=lambda m: m._meta.label,
)
def test_every_declared_index_and_constraint_is_in_the_database(model):
    missing = declared(model) - present(model)
    assert not missing, f"{model._meta.label}: declared but not in the database: {sorted(missing)}"
