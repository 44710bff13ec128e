"""A length of time as a person says it, the one wording every page uses for durations."""

from __future__ import annotations

from datetime import timedelta


def duration_words(value: timedelta | float | int | None) -> str:
    """ "under a second", "4 s", "2 min 5 s", "1 h 3 min"; '' for None.

    Whole units only: a tenth of a second is noise on a page, and seconds are noise past the hour."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return "under a second"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"
