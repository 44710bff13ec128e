import json
from datetime import datetime, timedelta

from django import template
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from connections.platforms.notes import is_time

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """Indented JSON for the staff view of a platform's raw payload (autoescaped by the template)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def note_value(note) -> str:
    """An order note's value as the page shows it: a moment (`notes.time_note`) in the portal's date style."""
    if is_time(note):
        return date_format(localtime(datetime.fromisoformat(note[1])), "j M Y, H:i")
    return note[1]


@register.filter
def duration(value) -> str:
    """A run's length as a person says it: "under a second", "4 s", "2 min 5 s", "1 h 3 min".

    Takes a timedelta or seconds; '' for None. Whole units only: a tenth of a second is noise
    on a page, and seconds are noise past the hour."""
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
