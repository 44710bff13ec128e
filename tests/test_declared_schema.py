"""The database holds every index and constraint the models declare.

A migration can drop more than it says: on PostgreSQL, taking `db_index` off a foreign key also
dropped the partial unique index behind `syncrun_one_active_per_connection`, and nothing noticed
until two syncs of one connection could be queued at once. This compares the migrated database
with the models, by name, unique or not, and by columns (an index's included ones too), on
whichever database the suite runs against.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import CheckConstraint, UniqueConstraint

pytestmark = pytest.mark.django_db


def declared(model) -> dict[str, dict]:
    """Each declared index and constraint by name: what the database's own description of it must say
    (unique or not, or a check; and its columns in order, where it is made of fields)."""
    expected = {}
    for item in model._meta.constraints:
        if isinstance(item, UniqueConstraint):
            expected[item.name] = {"unique": True, **_columns(model, item.fields)}
        elif isinstance(item, CheckConstraint):
            expected[item.name] = {"check": True}
    for item in model._meta.indexes:
        # An index's INCLUDEd columns follow its key's, where the database keeps them (PostgreSQL).
        included = list(item.include) if connection.features.supports_covering_indexes else []
        expected[item.name] = {
            "unique": False,
            **_columns(model, [name.lstrip("-") for name in item.fields] + included),
        }
    return expected


def _columns(model, fields) -> dict:
    return {"columns": [model._meta.get_field(name).column for name in fields]} if fields else {}


def present(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy and declared(m)],
    ids=lambda m: m._meta.label,
)
def test_every_declared_index_and_constraint_is_in_the_database(model):
    found, wanted = present(model), declared(model)
    missing = sorted(set(wanted) - set(found))
    assert not missing, f"{model._meta.label}: declared but not in the database: {missing}"
    for name, expected in wanted.items():
        actual = {key: found[name][key] for key in expected}
        assert actual == expected, f"{model._meta.label}: {name} is {actual} in the database, declared {expected}"
