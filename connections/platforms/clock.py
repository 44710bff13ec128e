"""The platform's clock, as its answers tell it: how far it is from the portal's.

Every HTTP answer carries a `Date` header, the origin server's time when it made the answer
(RFC 9110 §6.6.1), in whole seconds. The shared client (`http`) hands each one to the call's
`PlatformClock`, which compares it with the moments the portal sent the request and received
the answer. A platform whose orders are read by their own times (an `updated_at` window) ends
its windows at `PlatformClock.now()`, the platform's "now", never at the portal's.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# One HTTP date (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
HTTP_DATE = re.compile(r"[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT")


def http_date(value: str | None) -> float | None:
    """The time (a POSIX timestamp) a Date header says, or None when there is none to read.

    A server that adds its own Date beside the application's (gunicorn does) sends two, which
    arrive joined by a comma: the last one is the application's, the platform's own."""
    found = HTTP_DATE.findall(value or "")
    if not found:
        return None
    try:
        return email.utils.parsedate_to_datetime(found[-1]).timestamp()
    except (TypeError, ValueError):
        return None


@dataclass
class PlatformClock:
    """How many seconds the platform's clock is ahead of the portal's (negative: behind).

    `offset` starts as the connection's last measurement (None: never measured) and follows
    every answer with a Date; `measured` says an answer of this call set it."""

    offset: float | None = None
    measured: bool = False

    def observe(self, date_value: str | None, sent: float, received: float) -> None:
        """An answer's Date, sent between `sent` and `received` (the portal's POSIX times)."""
        stamped = http_date(date_value)
        if stamped is None:
            return
        # The platform wrote the Date somewhere between the two moments, cut down to its whole second.
        self.offset = stamped + 0.5 - (sent + received) / 2
        self.measured = True

    def now(self) -> datetime:
        """The platform's time now: the portal's, moved by the offset last measured (none: the portal's)."""
        return datetime.now(UTC) + timedelta(seconds=self.offset or 0)
