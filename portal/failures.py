"""Wrong credentials counted per client address, in Django's cache: API tokens, webhook secrets.

A `Limit` allows a number of failures from one address in a window of seconds that starts
at the address's first failure (both named settings, read at each use); past them the
address is *blocked* until that window ends. What a block means is each caller's choice
(the API refuses every token from the address; a webhook refuses only the failures, never
a correctly signed delivery).

The counts are shared by every process with Redis (production, CI), and kept per process
with the local-memory cache (development). Only failures write; a check is one read.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

KEY_PREFIX = "portal:failures"


@dataclass(frozen=True)
class Limit:
    scope: str  # what is counted, part of the cache key: "api_token", "webhook"
    limit_setting: str  # the setting naming the failures allowed in a window
    window_setting: str  # the setting naming the window's seconds, from an address's first failure

    @property
    def limit(self) -> int:
        return getattr(settings, self.limit_setting)

    @property
    def window(self) -> int:
        return max(1, getattr(settings, self.window_setting))

    def _keys(self, address: str | None) -> tuple[str, str]:
        key = f"{KEY_PREFIX}:{self.scope}:{address or 'unknown'}"
        return key, f"{key}:until"

    def blocked_for(self, address: str | None) -> int:
        """Seconds until the address may fail again (0: not blocked)."""
        count_key, until_key = self._keys(address)
        found = cache.get_many([count_key, until_key])
        if found.get(count_key, 0) < self.limit:
            return 0
        return self._seconds_left(found.get(until_key))

    def record_failure(self, address: str | None) -> int:
        """Count one failure. Returns the seconds until the address may fail again if this
        failure is past the limit (it was already used up), else 0."""
        count_key, until_key = self._keys(address)
        if cache.add(count_key, 1, timeout=self.window):
            cache.set(until_key, time.time() + self.window, timeout=self.window)
            count = 1
        else:
            try:
                count = cache.incr(count_key)
            except ValueError:  # the window ended between the two calls: this failure starts a new one
                cache.set(count_key, 1, timeout=self.window)
                cache.set(until_key, time.time() + self.window, timeout=self.window)
                count = 1
        if count < self.limit:
            return 0
        wait = self._seconds_left(cache.get(until_key))
        if count == self.limit:  # once a window: the failure that used the allowance up
            log.warning("%s: %d failures from %s; blocked for %d s", self.scope, count, address or "unknown", wait)
            return 0
        return wait

    def forget(self, address: str | None) -> None:
        """The address's failures are forgotten (its allowance starts again)."""
        cache.delete_many(list(self._keys(address)))

    def _seconds_left(self, until: float | None) -> int:
        if until is None:  # the window's end was evicted: a whole window, to be safe
            return self.window
        return max(1, min(self.window, math.ceil(until - time.time())))
