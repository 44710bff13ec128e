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
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
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


class LargeTableAdmin(admin.ModelAdmin):
    """A ModelAdmin over a table that grows without bound: capped or estimated counts only."""

    paginator = LargeTablePaginator
    show_full_result_count = False
