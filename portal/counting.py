"""Counts that never read a whole large table.

A list page wants to say how many rows there are, but `COUNT(*)` over a merchant's
400,000 orders (or an admin table of a million) costs more than the page itself. These
helpers give the honest cheap answers instead: an exact count up to a cap ("10,000+"
beyond it), or the planner's estimate of a whole table ("about 1,000,000").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Model, QuerySet
from django.utils.formats import number_format

#: How far list pages count exactly before they say "10,000+".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Count:
    """A row count and how much of it is known."""

    value: int
    capped: bool = False  # there are more than `value` rows
    estimated: bool = False  # `value` is the planner's estimate, not a count

    def __str__(self) -> str:
        words = number_format(self.value, force_grouping=True)
        if self.capped:
            return f"{words}+"
        if self.estimated:
            return f"about {words}"
        return words


def count_up_to(queryset: QuerySet, cap: int = COUNT_CAP) -> Count:
    """Count `queryset` exactly, but read at most `cap + 1` rows to do it."""
    found = queryset.order_by().values("pk")[: cap + 1].count()
    if found > cap:
        return Count(cap, capped=True)
    return Count(found)


def estimated_rows(model: type[Model]) -> int | None:
    """The planner's row estimate for the model's table, or None where there is none.

    PostgreSQL keeps it in `pg_class.reltuples` (-1 before the first ANALYZE); other
    databases have no cheap equivalent, so callers count instead.
    """
    alias = model.objects.db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None or row[0] < 0:
        return None
    return int(row[0])


def count_or_estimate(queryset: QuerySet, cap: int = COUNT_CAP) -> Count:
    """An unfiltered table: its estimate when large; otherwise `count_up_to`.

    Only use this for a queryset with no filter: the estimate is the whole table's.
    """
    estimate = estimated_rows(queryset.model)
    if estimate is not None and estimate > cap:
        return Count(estimate, estimated=True)
    return count_up_to(queryset, cap)
