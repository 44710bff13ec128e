"""Which orders' search text holds a term: the order list's search (orders/forms.py) and the API feed's
(api/cursor.py).

Written as two tests of the same thing. PostgreSQL runs a filter's cheaper tests first, so the order
matters when a search walks the list's index past many orders that do not match (a term only old orders
hold): STRPOS turns an entry down in about half the time LIKE takes, and LIKE, which the trigram index
can serve, runs only on the entries STRPOS let through. On the million-order data set of
`bench/scale.py`, the walk past the newest 204,501 entries went from 49.9 to 40.5 ms.

Before that, a page of a search looks through the newest orders of the list on its own
(`first_matches`), for the terms whose matches are many and new but which PostgreSQL guesses rare.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
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


#: How many of the newest orders of a list's part a search reads first, in list order (`first_matches`).
LOOK_FIRST = 5_000


def first_matches(ordered: QuerySet, column: str, term: str, limit: int, keys: tuple[str, ...]) -> list | None:
    """The `keys` (fields) of the first `limit` rows of `ordered` (the list's orders in list order, not
    searched) whose `column` holds `term`, when the first LOOK_FIRST rows hold that many; else None.

    Left to itself, PostgreSQL chooses between walking the list's index and the trigram index by its
    estimate of how many orders match, and for a customer number's first digits ("customer40") it
    guesses a hundred where there are thousands, all of them new: it reads every match through the
    trigram index and sorts them (45 ms warm, 112 cold, on a million orders) where the walk would stop
    within a millisecond. This walk takes no advice: the LIMIT inside keeps the rows in the list's order
    and bounds them (about 2 ms when it finds too few), and the test outside stops at the `limit`-th match.
    """
    db = connections[ordered.db]
    walked, params = ordered.values_list(*keys, column)[:LOOK_FIRST].query.sql_with_params()
    found_at = "STRPOS" if db.vendor == "postgresql" else "INSTR"
    selected = ", ".join(f"walk.{db.ops.quote_name(name)}" for name in keys)
    sql = (
        f"SELECT {selected} FROM ({walked}) walk "  # noqa: S608 (names from the model)
        f"WHERE {found_at}(walk.{db.ops.quote_name(column)}, UPPER(%s)) <> 0 LIMIT %s"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, (*params, term, limit))
        rows = cursor.fetchall()
    return rows if len(rows) >= limit else None


def planned_whole(searched: QuerySet, limit: int, keys: tuple[str, ...]) -> list:
    """The `keys` of the first `limit` rows of `searched` (the list's orders searched, in list order), with
    PostgreSQL left to plan for every match, not for the first `limit`.

    Asked for the first rows, PostgreSQL supposes a term's matches are spread evenly and walks the list's
    index until it has enough. A term whose few matches all lie at the far end of the part asked for is then
    the worst case: "customer40" in the API feed from 18 months back (4,501 of the big merchant's orders,
    all among the newest) walked past 299,151 index entries, 46 ms, where reading its matches through the
    trigram index and sorting them takes 7 (bench/scale.py). A MATERIALIZED WITH query is planned on its
    own, for all its rows: by its guess of the matches, PostgreSQL reads few through the trigram index and
    sorts them, or walks the index as before where they are many, and the walk reads only as far as the
    LIMIT outside asks (a WITH query is read as its reader needs). Elsewhere the query is run as it is.

    The outer SELECT has no ORDER BY of its own: one would make PostgreSQL read every match before the
    first. It relies, as `first_matches` does with its subquery, on PostgreSQL reading a WITH query's rows
    back in the order the query made them, which it does but the SQL standard does not promise.

    The rows are read through the cursor on every database, as `first_matches`'s are, so the two kinds
    are alike (on SQLite the times come back naive) and a page's branches merge (orders/paging.py)."""
    db = connections[searched.db]
    sql, params = searched.values_list(*keys).query.sql_with_params()
    if db.vendor == "postgresql":
        sql = f"WITH found AS MATERIALIZED ({sql}) SELECT * FROM found"  # noqa: S608 (Django's SQL)
    with db.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", (*params, limit))
        return cursor.fetchall()


@dataclass(frozen=True)
class Search:
    """A search of the list or the API feed: `plain` is their orders with the filters but not the search,
    which `orders/paging.py` and `api/cursor.py` look through first (`first_matches`) before they read the
    orders searched (`planned_whole`)."""

    plain: QuerySet
    term: str
    column: str = "search_text"

    def matches(self, part: QuerySet, part_searched: QuerySet, limit: int, keys: tuple[str, ...]) -> list:
        """The `keys` of the first `limit` matches in list order: the first look through `part` (a part of
        `plain`, in the list's order), else `part_searched` (the same part searched), planned whole."""
        found = first_matches(part, self.column, self.term, limit, keys)
        return found if found is not None else planned_whole(part_searched, limit, keys)
