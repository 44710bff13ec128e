"""What an adapter call needs for one connection: `PlatformContext`, built from the connection."""

from __future__ import annotations

from .clock import clock_of
from .models import Connection
from .platforms.base import PlatformContext
from .platforms.faults import FaultLog
from .throttle import HostThrottle


def platform_context(
    connection: Connection,
    credentials: dict[str, str] | None = None,
    *,
    inline: bool = False,
    faults: FaultLog | None = None,
    share: float = 1.0,
) -> PlatformContext:
    """The stored credentials (decrypted) unless others are given, the host, the options.

    The only place a context is built for a connection, so a staff override is always checked.

    `inline`: a person waits for the answer (a web request), so a spent request budget is
    said at once, not waited out (`HostThrottle`, for a platform with a budget per host).

    `faults`: where the adapter's clients report the passing faults they absorb (a sync run's or a push's).
    `share`: the part of that budget the caller may use (a reconciliation leaves the rest to syncs).
    """
    if credentials is None:
        credentials = connection.stored_credentials()
    per_minute = connection.adapter.requests_per_minute
    return PlatformContext(
        base_url=connection.api_host(credentials),
        credentials=credentials,
        import_statuses=tuple(connection.import_statuses or ()),
        options=dict(connection.platform_options or {}),
        import_from=connection.import_from,
        label=f"connection {connection.pk}",
        throttle=HostThrottle(per_minute, inline=inline, share=share) if per_minute else None,
        # Staff typed this host: each request checks where it goes (connections/platforms/outbound.py).
        check_host=bool(connection.base_url_override),
        faults=faults,
        clock=clock_of(connection),
    )
