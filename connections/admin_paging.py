"""Changelist pages for the admin's large tables: no exact COUNT over a million rows.

Django's changelist counts every row of the list (and, unless told not to, the whole
table again) before it shows a page. On the tables that grow without bound (orders,
sync runs, webhook events, problems, the audit trail, outbound actions) that count costs
more than the page. `LargeTablePaginator` counts the honest cheap way instead
(`portal.counting`): the unfiltered table by the planner's estimate ("about 1,000,000"),
a filtered or searched list exactly up to a cap ("10,000+"). Pages past the counted end
stay reachable while the count is not exact: they are read by OFFSET like any other.

`LargeTableAdmin` sets it on a ModelAdmin together with `show_full_result_count = False`;
the admin templates `pagination.html` and `search_form.html` print `paginator.words`.

It also keeps a large list to what an index serves. The counts beside each filter's choices
("Show counts", Django's facets) read the whole table once per filter: on a million orders 1.8 s,
and 2.0 s for 500,000 webhook events (bench/scale.py). A column header sorts only where the
ModelAdmin's `sortable_by` says an index hands the rows over in that order: sorting the orders
by connection read and sorted them all (2.2 s), by merchant, status or total 0.6-1.4 s. A
`?o=` naming another column, from an old bookmark, leaves the list's own order.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

from portal.counting import COUNT_CAP, Count, count_or_estimate, count_up_to

#: From this row on, a page is read in two steps (`LargeTablePaginator.rows`).
DEFERRED_FROM = 1_000


class LargeTablePaginator(Paginator):
    """A paginator whose count is the planner's estimate or a capped count when the list is large."""

    cap = COUNT_CAP

    @cached_property
    def counted(self) -> Count:
        queryset = self.object_list
        if queryset.query.where:  # filtered or searched: the estimate is the whole table's
            return count_up_to(queryset, self.cap)
        return count_or_estimate(queryset, self.cap)

    @cached_property
    def count(self) -> int:
        return self.counted.value

    @property
    def exact(self) -> bool:
        return not (self.counted.capped or self.counted.estimated)

    @property
    def words(self) -> str:
        """The count as a person reads it: "1,234", "10,000+" or "about 1,000,000"."""
        return str(self.counted)

    def validate_number(self, number):
        if self.exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.exact and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.rows(bottom, top), number, self)

    def rows(self, bottom: int, top: int):
        """The page's rows. Deep pages find their ids first: OFFSET over the ordering's index alone
        (an index-only scan), then read only the page's rows with their joins, not the skipped ones."""
        if bottom < DEFERRED_FROM:
            return self.object_list[bottom:top]
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self.object_list.filter(pk__in=ids)


class IndexOrderedChangeList(ChangeList):
    """A changelist that sorts only by the columns its ModelAdmin's `sortable_by` names: an `?o=` naming
    another column is dropped, and without one left the list keeps its own order."""

    def get_ordering(self, request, queryset):
        asked = [part for part in self.params.get(ORDER_VAR, "").split(".") if part]
        kept = [part for part in asked if self._sortable(part)]
        if kept != asked:
            self.params = {name: value for name, value in self.params.items() if name != ORDER_VAR}
            if kept:
                self.params[ORDER_VAR] = ".".join(kept)
        return super().get_ordering(request, queryset)

    def _sortable(self, part: str) -> bool:
        """`part` of `?o=`: a column's place in list_display, "-" before it for descending."""
        place = part.rpartition("-")[2]
        return (
            place.isdigit()
            and int(place) < len(self.list_display)
            and self.list_display[int(place)] in self.sortable_by
        )


class LargeTableAdmin(admin.ModelAdmin):
    """A ModelAdmin over a table that grows without bound: capped or estimated counts only, no counts per
    filter choice, and sorting only by the columns a subclass names in `sortable_by` (none by default)."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()

    def get_changelist(self, request, **kwargs):
        return IndexOrderedChangeList
