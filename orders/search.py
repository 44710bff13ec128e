"""Which orders' search text holds a term: the order list's search (orders/forms.py).

Written as two tests of the same thing. PostgreSQL runs a filter's cheaper tests first, so the order
matters when a search walks the list's index past many orders that do not match (a term only old orders
hold): STRPOS turns an entry down in about half the time LIKE takes, and LIKE, which the trigram index
can serve, runs only on the entries STRPOS let through. On the million-order data set of
`bench/scale.py`, the walk past the newest 204,501 entries went from 49.9 to 40.5 ms.
"""

from __future__ import annotations

from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import Exact


class _Like(Func):
    """`column` LIKE '%term%', the term taken literally and upper-cased by the database.

    On PostgreSQL the pattern is built by CONCAT, which is stable, not immutable: the planner cannot fold
    it into a constant, so it prices this test above STRPOS's and runs it second. It still estimates it,
    and serves it from the trigram index, as it would the constant pattern."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, term: str):
        super().__init__(F(column))
        self.term = term

    def _parts(self, compiler, connection):
        (column,) = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        needle_sql, needle_params = compiler.compile(Upper(Value(connection.ops.prep_for_like_query(self.term))))
        return column_sql, needle_sql, (*column_params, *needle_params)

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, needle_sql, params = self._parts(compiler, connection)
        return f"{column_sql} {connection.pattern_ops['contains'].format(needle_sql)}", params

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, needle_sql, params = self._parts(compiler, connection)
        return f"{column_sql} LIKE CONCAT('%%', {needle_sql}, '%%')", params


def holding(column: str, term: str) -> Q:
    """The rows whose upper-cased `column` holds `term`, in any case, with % and _ taken literally."""
    found_at = StrIndex(column, Upper(Value(term)))
    # NOT (… = 0) rather than > 0: PostgreSQL estimates it at 99.5 % of rows, so the LIKE's estimate, which
    # chooses between walking the list's index and the trigram index, stands as it would alone.
    return ~Q(Exact(found_at, 0)) & Q(_Like(column, term))
