"""An order's labelled facts (`NormalizedOrder.notes`) whose value is a moment.

A platform sends times in its own spelling ("2026-12-04T14:58:05.690Z"); a note made by
`time_note` keeps the moment, and the pages show it in the portal's date style, in the
merchant's time zone. Every other note is (label, words).
"""

from __future__ import annotations

from datetime import datetime

TIME = "time"


def time_note(label: str, moment: datetime) -> tuple[str, str, str]:
    """A note whose value is a moment (aware): kept as ISO 8601, shown in the portal's style."""
    return (label, moment.isoformat(), TIME)


def is_time(note) -> bool:
    """Whether a stored note (a list, once read back from the database) holds a moment."""
    return len(note) > 2 and note[2] == TIME
