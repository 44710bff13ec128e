import json
from datetime import datetime

from django import template
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from connections.platforms.notes import is_time
from portal.durations import duration_words

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
    """A run's length as a person says it (`portal.durations.duration_words`)."""
    return duration_words(value)
