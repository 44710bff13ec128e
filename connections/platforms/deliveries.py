"""The webhook part of a platform: how a delivery is authenticated and read.

The webhook engine (`connections.webhooks`) knows no platform. For each request it asks
the platform's `Deliveries` how the request is authenticated (its `authentication`, one
of the schemes below or another with the same two members), what the delivery is
(`read`: its dedupe keys, the order it is about, its event and time), and, when a
drain applies it, the order record to ingest (`record`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from .base import OrderRecord

# A webhook secret the merchant types (rather than one the portal makes) needs this many characters.
MIN_TYPED_SECRET = 16


class Unauthenticated(Exception):
    """The delivery does not prove it comes from the platform: 401, and nothing is stored."""


class Authentication(Protocol):
    # Whether the body must be read before the request can be authenticated (a signature of it).
    needs_body: bool
    # Headers that carry the secret itself: never stored with the event.
    secret_headers: frozenset[str]

    def verify(self, headers: Mapping[str, str], body: bytes, accepted: list[str]) -> None:
        """Raise Unauthenticated unless the request proves one of the `accepted` secrets."""


class SecretHeader:
    """The request carries the shared secret itself: a header's whole value equals it."""

    needs_body = False

    def __init__(self, header: str = "Authorization"):
        self.header = header
        self.secret_headers = frozenset({header.lower()})

    def verify(self, headers: Mapping[str, str], body: bytes, accepted: list[str]) -> None:
        given = headers.get(self.header)
        if not given:
            raise Unauthenticated(f"The {self.header} header is missing.")
        if not _any_equal(given.encode("utf-8", "replace"), [s.encode("utf-8", "replace") for s in accepted]):
            raise Unauthenticated(f"The {self.header} header does not match this connection's webhook secret.")


class BodySignature:
    """A header carries an HMAC of the raw body, keyed with the secret, in base64 or hex."""

    needs_body = True
    secret_headers: frozenset[str] = frozenset()

    def __init__(self, header: str, *, digest: str = "sha256", encoding: str = "base64"):
        if encoding not in ("base64", "hex"):
            raise ValueError("encoding is base64 or hex")
        self.header, self.digest, self.encoding = header, digest, encoding

    def signature(self, body: bytes, secret: str) -> str:
        mac = hmac.new(secret.encode("utf-8"), body, self.digest).digest()
        return base64.b64encode(mac).decode() if self.encoding == "base64" else mac.hex()

    def verify(self, headers: Mapping[str, str], body: bytes, accepted: list[str]) -> None:
        given = (headers.get(self.header) or "").strip()
        if not given:
            raise Unauthenticated(f"The {self.header} header is missing.")
        expected = [self.signature(body, secret).encode() for secret in accepted]
        if not _any_equal(given.encode("utf-8", "replace"), expected):
            raise Unauthenticated(f"The {self.header} signature does not match the body and this connection's secret.")


def _any_equal(given: bytes, candidates: list[bytes]) -> bool:
    """Constant-time: every candidate is compared, so the time taken does not say which one matched."""
    matches = [hmac.compare_digest(given, candidate) for candidate in candidates if candidate]
    return any(matches)


@dataclass(frozen=True)
class Delivery:
    """What the engine stores beside a delivery's raw body."""

    # The first is the delivery's key; any other names it too (a second id the platform sends).
    # A delivery whose key, or any other key, was stored already is a duplicate.
    dedupe_keys: tuple[str, ...]
    order_id: str = ""
    event: str = ""  # the order's new status, or the platform's topic
    event_time: datetime | None = None  # when the platform changed the order: drains apply oldest first
    # Stored and acknowledged but never applied, and why (a status or a topic the portal does not know).
    not_applied: str = ""


class Deliveries:
    """A platform's webhook: it POSTs order events to `/webhooks/<platform key>/<connection uuid>/`."""

    authentication: ClassVar[Authentication]
    # The credential that holds the secret; after a rotation `previous_<secret_field>` holds the old one.
    secret_field: ClassVar[str] = "webhook_secret"  # noqa: S105 (a field name)
    # The portal makes the secret when the merchant types none, and shows it once to copy.
    makes_secret: ClassVar[bool] = False
    # Where the merchant enters the webhook URL (and the secret) on the platform, in its words.
    where: ClassVar[str] = ""

    def completed(self, credentials: dict[str, str]) -> dict[str, str]:
        """The credentials to store: with a new secret when the portal makes one and none was typed."""
        if self.makes_secret and not credentials.get(self.secret_field):
            return {**credentials, self.secret_field: new_secret()}
        return credentials

    def read(self, payload: Any, headers: Mapping[str, str], body: bytes) -> Delivery:
        """What the delivery is; UnreadableRecord when it is not an order event at all (400)."""
        raise NotImplementedError

    def record(self, payload: Any) -> OrderRecord:
        """The order to ingest; UnreadableRecord or UnknownStatus when there is none to apply."""
        raise NotImplementedError


def new_secret() -> str:
    """A shared secret the portal makes for a platform's webhook settings."""
    return secrets.token_urlsafe(32)


def body_key(body: bytes) -> str:
    """A dedupe key for a delivery that names none: the same bytes are the same delivery."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def typed_secret_problem(secret: str) -> str:
    """Why a webhook secret the merchant typed cannot be used ('' when it can, or none was typed)."""
    if secret and len(secret) < MIN_TYPED_SECRET:
        return f"A webhook secret of your own needs at least {MIN_TYPED_SECRET} characters."
    return ""
