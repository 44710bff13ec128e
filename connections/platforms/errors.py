"""The four kinds of platform failure. They are decided once, in the shared HTTP client.

Each carries a message in plain words, already free of secrets, that pages may show.
"""

from __future__ import annotations

# The most of a platform's own words a failure keeps: they reach pages, mails and run errors,
# and an error body can be a whole page. A failure's message (our words around theirs) and its
# error code are bounded too, however an adapter builds them.
MAX_MESSAGE_CHARS = 300
MAX_FAILURE_CHARS = 1000
MAX_CODE_CHARS = 100


def cut_short(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or its first characters and an ellipsis, at most `limit` characters in all."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "\u2026"


class PlatformFailure(Exception):
    """Base of every classified platform failure."""

    kind = "platform"

    def __init__(self, message: str, *, status: int | None = None, code: str = "", platform_message: str = ""):
        message = cut_short(message, MAX_FAILURE_CHARS)
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = cut_short(code, MAX_CODE_CHARS)
        self.platform_message = cut_short(platform_message)

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


class HostRefused(PlatformError):
    """The portal refused to call the host (`outbound`): staff pointed the connection's API host
    where it sends no credentials. Nothing was sent; staff change the host or allow it."""
