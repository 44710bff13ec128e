"""Keep secrets out of messages and logs.

Two layers: the HTTP client scrubs the secrets it was given from every message it
builds, and `ScrubSecretsFilter` on the log handlers redacts secret-looking query
parameters and every secret the client has seen in this process, whatever logged it.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"

# Query parameters whose value is a secret, whatever the platform.
SECRET_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "secret", "password", "client_secret")
_PARAM_RE = re.compile(r"(?i)\b(" + "|".join(SECRET_PARAMS) + r")=([^&\s'\"<>]+)")
_BEARER_RE = re.compile(r"(?i)\b(bearer|oauth_signature=\"?|oauth_token=\"?)\s*([A-Za-z0-9._~+/%=-]{6,})")

_known: set[str] = set()
_known_lock = threading.Lock()
_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words


def remember(secret: str) -> None:
    """Register a secret so that the log filter redacts it wherever it appears."""
    if secret and len(secret) >= _MIN_SECRET_LEN:
        with _known_lock:
            _known.add(secret)


def _variants(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def scrub(text: str, secrets=()) -> str:
    """Return `text` with the given secrets, remembered secrets and secret-like parameters redacted."""
    if not text:
        return text
    with _known_lock:
        candidates = set(_known)
    candidates.update(s for s in secrets if s)
    for secret in sorted(candidates, key=len, reverse=True):
        for variant in _variants(secret):
            if variant in text:
                text = text.replace(variant, REDACTED)
    text = _PARAM_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _BEARER_RE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


class ScrubSecretsFilter(logging.Filter):
    """Logging filter that rewrites each record's message with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = scrub(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, scrubbed, so no handler prints the raw one.
            formatted = logging.Formatter().formatException(record.exc_info)
            cleaned = f"{cleaned}\n{scrub(formatted)}"
            record.exc_info = None
            record.exc_text = None
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True
