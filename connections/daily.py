"""Counts per day over the last few days: grouped in the database, zero-filled here.

Every query filters a bounded range of one timestamp column (from the first day's midnight
to the end of today, in the viewer's time zone) and groups by that column's day in the same
zone (TruncDate with `tzinfo`), so the database hands back at most one row per day and group
however large the table is, and a day with nothing in it is still a day on the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

DAYS = 30  # the charts' window: today and the 29 days before it


@dataclass(frozen=True)
class Window:
    """The days shown, oldest first, and the instants that bound them in the viewer's time zone."""

    days: tuple[date, ...]
    tz: tzinfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.days[0], time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.days[-1] + timedelta(days=1), time.min, tzinfo=self.tz)

    def before_today(self) -> tuple[Window, Window]:
        """(the days before the last, the last day alone): a day that is over keeps its counts."""
        return Window(self.days[:-1], self.tz), Window(self.days[-1:], self.tz)

    def zeros(self, empty=0) -> list:
        return [empty] * len(self.days)

    def within(self, queryset: QuerySet, field: str) -> QuerySet:
        """The rows whose `field` falls in the window, each with its `day` in the window's zone."""
        return queryset.filter(**{f"{field}__gte": self.start, f"{field}__lt": self.end}).annotate(
            day=TruncDate(field, tzinfo=self.tz)
        )

    def spread(self, rows, value: str, by: tuple[str, ...] = (), empty=0) -> dict[tuple, list]:
        """{group: one value per day}, from grouped rows that each have a `day`; a missing day is `empty`."""
        index = {day: n for n, day in enumerate(self.days)}
        spread: dict[tuple, list] = {}
        for row in rows:
            where = index.get(row["day"])
            if where is not None:
                spread.setdefault(tuple(row[name] for name in by), self.zeros(empty))[where] = row[value]
        return spread


def last_days(tz: tzinfo, days: int = DAYS, now: datetime | None = None) -> Window:
    """Today in `tz` and the `days - 1` days before it."""
    today = timezone.localtime(now or timezone.now(), tz).date()
    return Window(tuple(today - timedelta(days=back) for back in range(days - 1, -1, -1)), tz)


def counts(queryset: QuerySet, field: str, window: Window, by: tuple[str, ...] = ()) -> dict[tuple, list[int]]:
    """How many rows fall on each day of the window by `field`, per group of the `by` fields
    (the key `()` without groups); one query. A group with no row in the window is absent."""
    return window.spread(_counted(queryset, field, window, by), "n", by)


def _counted(queryset: QuerySet, field: str, window: Window, by: tuple[str, ...]) -> QuerySet:
    return window.within(queryset.order_by(), field).values("day", *by).annotate(n=Count("pk"))


def kept_key(key: str, window: Window) -> str:
    """The cache key of `key`'s figures for the window's days, in its zone: a new day is a new key."""
    return f"{key}:{window.tz}:{window.days[0]}:{window.days[-1]}"


def rows_with_past_kept(rows_in: Callable[[Window], Iterable[dict]], window: Window, key: str, seconds: int) -> list:
    """The grouped rows (each with its `day`) `rows_in` reads for a window: those of the days
    before today read at most once per `seconds` under `key` and kept, only today's read each call.

    For figures over many rows whose past days barely change: a day that is over keeps its rows
    until the key expires or a new day makes a new key. A row that changes a past day meanwhile
    (a fetch that started before midnight and finished after its day was read) shows then."""
    past, today = window.before_today()
    kept = kept_key(key, window)
    before = cache.get(kept) if seconds else None
    if before is None:
        before = list(rows_in(past))
        cache.set(kept, before, seconds)
    return [*before, *rows_in(today)]


def counts_with_past_kept(
    queryset: QuerySet, field: str, window: Window, by: tuple[str, ...], key: str, seconds: int
) -> dict[tuple, list[int]]:
    """`counts`, with the days before today kept as `rows_with_past_kept` keeps them.

    The staff's overview may show a past day up to `seconds` old, never today's."""
    rows = rows_with_past_kept(lambda days: _counted(queryset, field, days, by), window, key, seconds)
    return window.spread(rows, "n", by)
