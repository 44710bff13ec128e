"""Passing faults that retries absorbed: what they were, how often, the longest wait.

A sync run (or a push) gives its `PlatformContext` a `FaultLog`; the shared HTTP client
reports to it each time it waits and tries again (a 429 with a short Retry-After, a 5xx,
a timeout, a connection that failed), and so may an adapter that retries by itself (a
query budget). The caller keeps `record()`: plain JSON, e.g.

    {"HTTP 429": {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 30.0},
     "HTTP 500": {"kind": "server_error", "status": 500, "count": 2, "longest_wait": 1.1}}

A fault that was not absorbed (the last attempt failed too) is the caller's failure, not
an entry here. One log belongs to one run: nothing is global, so runs in other threads or
processes never mix; a lock keeps it whole if an adapter fetches in threads.
"""

from __future__ import annotations

import threading
from typing import Any

RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
CONNECTION = "connection"
UNEXPECTED_ANSWER = "unexpected_answer"
OTHER = "other"

# In the order they are told, with their words (one, many).
KIND_WORDS = {
    RATE_LIMIT: ("rate limit", "rate limits"),
    SERVER_ERROR: ("server error", "server errors"),
    TIMEOUT: ("timeout", "timeouts"),
    CONNECTION: ("failed connection", "failed connections"),
    UNEXPECTED_ANSWER: ("unexpected answer", "unexpected answers"),
    OTHER: ("failed request", "failed requests"),
}


class FaultLog:
    """The faults one run's (or one push's) retries absorbed, by label ("HTTP 503", "timeout")."""

    def __init__(self, record: dict[str, Any] | None = None):
        """`record`: what an earlier worker on the same run kept, to go on from."""
        self._entries: dict[str, dict[str, Any]] = {
            label: dict(entry) for label, entry in (record or {}).items() if isinstance(entry, dict)
        }
        self._lock = threading.Lock()

    def absorbed(self, kind: str, wait: float, *, status: int | None = None, label: str = "") -> None:
        """One fault was absorbed: the caller waits `wait` seconds and tries again."""
        label = label or (f"HTTP {status}" if status else KIND_WORDS.get(kind, KIND_WORDS[OTHER])[0])
        with self._lock:
            entry = self._entries.setdefault(label, {"kind": kind, "status": status, "count": 0, "longest_wait": 0.0})
            entry["count"] = int(entry.get("count", 0)) + 1
            entry["longest_wait"] = round(max(float(entry.get("longest_wait", 0.0)), max(0.0, wait)), 1)

    def record(self) -> dict[str, Any]:
        """A copy, as JSON: label -> kind, status, count, longest_wait."""
        with self._lock:
            return {label: dict(entry) for label, entry in self._entries.items()}

    def __bool__(self) -> bool:
        return bool(self._entries)


def total(record: dict[str, Any] | None) -> int:
    """How many retries a record holds."""
    return sum(int(entry.get("count", 0)) for entry in (record or {}).values() if isinstance(entry, dict))


def by_kind(record: dict[str, Any] | None) -> list[tuple[str, int]]:
    """(kind, count) in the order of KIND_WORDS, only the kinds present."""
    counts: dict[str, int] = {}
    for entry in (record or {}).values():
        if isinstance(entry, dict):
            kind = entry.get("kind") if entry.get("kind") in KIND_WORDS else OTHER
            counts[kind] = counts.get(kind, 0) + int(entry.get("count", 0))
    return [(kind, counts[kind]) for kind in KIND_WORDS if counts.get(kind)]


def kind_words(kind: str, count: int) -> str:
    one, many = KIND_WORDS.get(kind, KIND_WORDS[OTHER])
    return f"{count} {one if count == 1 else many}"


def describe(record: dict[str, Any] | None) -> str:
    """'3 retries absorbed (1 rate limit, 2 server errors)', or '' when there were none."""
    count = total(record)
    if not count:
        return ""
    kinds = ", ".join(kind_words(kind, n) for kind, n in by_kind(record))
    return f"{count} {'retry' if count == 1 else 'retries'} absorbed ({kinds})"
