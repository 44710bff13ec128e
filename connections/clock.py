"""A platform's clock against the portal's, per connection: kept from every sync and check that
measured it (the Date of the platform's answers, `platforms.clock`), and said on the connection's
page when it is further off than CLOCK_SKEW_WARN_SECONDS."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .models import Connection
from .platforms.clock import PlatformClock


def clock_of(connection: Connection) -> PlatformClock:
    """The clock a call starts with: the connection's last measurement, until an answer tells better."""
    offset = connection.clock_offset_seconds
    return PlatformClock(offset=float(offset) if offset is not None else None)


def note(connection: Connection, clock: PlatformClock) -> None:
    """Keep what a call measured of the platform's clock (nothing, when no answer had a Date).

    Written straight to a saved connection (what it measured is true whatever else the call did);
    an unsaved one (being added) carries it to its first save."""
    if not clock.measured or clock.offset is None:
        return
    fields = {"clock_offset_seconds": round(clock.offset), "clock_measured_at": timezone.now()}
    for name, value in fields.items():
        setattr(connection, name, value)
    if connection.pk is not None:
        Connection.objects.filter(pk=connection.pk).update(**fields)


def skew_words(connection: Connection) -> str:
    """'<short name>'s clock is 2 h 03 min behind the portal's. <its clock note>' when that far off, else ''."""
    offset = connection.clock_offset_seconds
    if offset is None or abs(offset) <= settings.CLOCK_SKEW_WARN_SECONDS:
        return ""
    adapter = connection.adapter
    side = "ahead of" if offset > 0 else "behind"
    return f"{adapter.short_name}'s clock is {duration(abs(offset))} {side} the portal's. {adapter.clock_words()}"


def duration(seconds: int) -> str:
    """2 h 03 min (to the nearest minute), 4 min 05 s, 45 s."""
    if seconds >= 3600:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes:02d} min"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
