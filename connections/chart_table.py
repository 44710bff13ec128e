"""A chart as a page carries it: a table of figures, which static/charts.js draws.

The table is the source of truth: a screen reader reads it, anyone can open it ("Show the
numbers"), and the script draws the canvas from its cells, so the picture and the numbers
cannot disagree. Rows are the x axis (days, or platforms), columns the series; each series
has a style number that charts.js turns into a point shape, a dash pattern and a fill
pattern, so no series is told apart by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.durations import duration_words


def whole(value) -> str:
    return f"{value:,}"


def seconds(value) -> str:
    return duration_words(value)


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # one per row: a number, or None where there is nothing to show
    style: int = 0  # charts.js's STYLES[style]: shape, dash and pattern
    shown: Callable = whole  # the number in words, for the table

    def cells(self) -> list[tuple]:
        """(value for the script, text for people) per row; an empty cell where there is no value."""
        return [("", "\u2013") if value is None else (value, self.shown(value)) for value in self.values]

    @property
    def total(self):
        return sum(value for value in self.values if value is not None)


@dataclass(frozen=True)
class Chart:
    slug: str  # the element ids: chart-<slug>, chart-<slug>-numbers
    title: str
    kind: str  # bar, stacked (bars stacked per row), line
    x_title: str
    y_title: str
    rows: list  # the row labels: dates (shown "4 Dec") or words
    series: list[Series] = field(default_factory=list)
    summary: str = ""  # what the picture shows, in one sentence: the canvas's accessible name
    empty: str = ""  # said under the picture when every figure is zero or missing

    def table(self) -> list[tuple]:
        """(row label, [(value, text), ...]) per row."""
        columns = [series.cells() for series in self.series]
        return [(row, [column[n] for column in columns]) for n, row in enumerate(self.rows)]

    def body(self) -> SafeString:
        """The table's rows as HTML, made here rather than in the template, with the standard
        library's escaping: through template tags a chart took 6-8 ms, through `format_html` and
        `date_format` per cell 3-6 ms; 30 days of four series are 150 cells on every view of a
        connection's page."""
        by_day = self.by_day
        lines = []
        for row, cells in self.table():
            label, shown = _day_labels(row, get_language()) if by_day else (escape(str(row)),) * 2
            figures = "".join(
                f'<td class="num" data-value="{escape(str(value))}">{escape(text)}</td>' for value, text in cells
            )
            lines.append(f'<tr><th scope="row" data-label="{label}">{shown}</th>{figures}</tr>')
        return mark_safe("\n".join(lines))  # noqa: S308 (every value above is escaped)

    @property
    def by_day(self) -> bool:
        return bool(self.rows) and isinstance(self.rows[0], date)

    @property
    def is_empty(self) -> bool:
        return not any(series.total for series in self.series)


@lru_cache(maxsize=512)
def _day_labels(day: date, language: str | None) -> tuple[str, str]:
    """A row's day as its label ("4 Dec") and as shown ("Fri 4 Dec"), escaped; the same thirty days
    are on every chart of every page, so each is formatted once per language."""
    return escape(date_format(day, "j M")), escape(date_format(day, "D j M"))
