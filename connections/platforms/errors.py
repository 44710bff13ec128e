"""The four kinds of platform failure. They are decided once, in the shared HTTP client.

Each carries a message in plain words, already free of secrets, that pages may show.
"""

from __future__ import annotations


class PlatformFailure(Exception):
    """Base of every classified platform failure."""

    kind = "platform"

    def __init__(self, message: str, *, status: int | None = None, code: str = "", platform_message: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.platform_message = platform_message

    def __str__(self) -> str:
        return self.message


class AuthError(PlatformFailure):
    """401/403: the credentials are wrong, revoked or lack rights. The merchant must act."""

    kind = "auth"


class RateLimited(PlatformFailure):
    """429: wait `retry_after` seconds before the next request."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransientError(PlatformFailure):
    """Timeouts, connection failures, 5xx, unreadable answers: retry with backoff."""

    kind = "transient"


class PlatformError(PlatformFailure):
    """Any other 4xx: the platform refused this request; its own words are shown."""

    kind = "refused"
