"""Staff search an index can serve, for the admin's large tables.

Django's own admin search ANDs every word over every `search_fields` entry with
`icontains`, joins included: `UPPER(col) LIKE '%term%'` over five columns of a million
rows, which no index serves. `IndexedSearchAdmin` searches the way staff look things up:

- a term that looks like an id or a number (no spaces, at least half digits: "1234",
  "R100500123", "ORD-77812") matches the primary key and the `exact_search_fields`
  exactly: an indexed equality;
- any other term of `MIN_CONTAINS` characters or more matches those exactly as well, and
  the table's own `contains_search_fields` by `icontains`, which a GIN trigram index on
  `UPPER(col::text)` serves on PostgreSQL (the migrations beside the models create them);
- `related_exact_search` names a parent (e.g. the connection) found by its name or number,
  exactly, first on its own table: the rows are then matched by the parents' ids, an
  indexed `IN`, not by a join.

The whole box is one term: "Jane Smith" finds the customer Jane Smith.
"""

from __future__ import annotations

import ipaddress

from django.contrib import admin
from django.db.models import Q

from audit.staff import MerchantFilter

#: Shorter terms match only exactly: a trigram index cannot serve one or two characters.
MIN_CONTAINS = 3
#: At most this many parents are matched by name (names are unique per merchant and platform).
MAX_PARENTS = 50


def looks_like_id(term: str) -> bool:
    """An id or order number: one word, at least half of it digits."""
    if not term or any(c.isspace() for c in term) or "@" in term:
        return False
    return sum(c.isdigit() for c in term) * 2 >= len(term)


def is_ip(term: str) -> bool:
    try:
        ipaddress.ip_address(term)
    except ValueError:
        return False
    return True


def search_condition(model_admin: IndexedSearchAdmin, term: str) -> Q | None:
    """The rows `term` names, as a condition; None when the box is empty."""
    term = term.strip()
    if not term:
        return None
    condition = Q(pk__in=[])
    if term.isdigit() and len(term) < 19:  # fits a bigint
        condition |= Q(pk=int(term))
    for field in model_admin.exact_search_fields:
        if field in model_admin.ip_search_fields and not is_ip(term):
            continue  # PostgreSQL refuses to compare an inet with anything else
        if "__" in field:
            condition |= Q(**{field: term})
        else:  # as typed, or in capitals (order numbers are): still an indexed equality
            condition |= Q(**{f"{field}__in": sorted({term, term.upper()})})
    for attname, (parent_model, lookups) in model_admin.related_exact_search.items():
        matches = Q(pk__in=[])
        for lookup in lookups:
            matches |= Q(**{lookup: term})
        found = parent_model._default_manager.filter(matches)
        parents = list(found.order_by().values_list("pk", flat=True)[:MAX_PARENTS])
        if parents:
            condition |= Q(**{f"{attname}__in": parents})
    if len(term) >= MIN_CONTAINS and not looks_like_id(term):
        for field in model_admin.contains_search_fields:
            condition |= Q(**{f"{field}__icontains": term})
    return condition


class IndexedSearchAdmin(admin.ModelAdmin):
    """A ModelAdmin whose search box runs `search_condition`: exact ids and numbers, trigram names."""

    #: Matched exactly (or by the lookup given, e.g. "order_external_id__iexact").
    exact_search_fields: tuple[str, ...] = ()
    #: Those of `exact_search_fields` that hold IP addresses: matched only by a term that is one.
    ip_search_fields: tuple[str, ...] = ()
    #: The table's own text columns, matched by `icontains` (a trigram index each on PostgreSQL).
    contains_search_fields: tuple[str, ...] = ()
    #: {"connection_id": (Connection, ("name__iexact",))}: rows whose parent the term names.
    related_exact_search: dict = {}

    def get_search_fields(self, request):
        # Non-empty, so the changelist draws the search box; the search itself is ours.
        return ("pk", *self.exact_search_fields, *self.contains_search_fields)

    def get_search_results(self, request, queryset, search_term):
        condition = search_condition(self, search_term)
        if condition is None:
            return queryset, False
        return queryset.filter(condition), False


class ValueFilter(MerchantFilter):
    """A list filter drawn as a box taking one exact value of a column (e.g. a platform's event status).

    Django's filter for a column without choices lists its values with `SELECT DISTINCT` over the
    whole table; this asks for the value instead, and filters by indexed-friendly equality.
    """

    placeholder = "exact value"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.filter(**{self.path: value}) if value else queryset


def value_filter(path: str, title: str) -> type[ValueFilter]:
    """A ValueFilter on the column `path`, shown as `title`, its parameter the column's lookup."""
    return type(f"ValueFilter_{path}", (ValueFilter,), {"path": path, "title": title, "parameter_name": path})
