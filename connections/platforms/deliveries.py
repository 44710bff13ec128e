"""The webhook part of a platform: how a delivery is authenticated and read.

The webhook engine (`connections.webhooks`) knows no platform. For each request it asks
the platform's `Deliveries` how the request is authenticated (its `authentication`, one
of the schemes below or another with the same members), what the delivery is
(`read`: its dedupe keys, the order it is about, its event and time), and, when a
drain applies it, the order record to ingest (`record`).

A scheme that only compares a header with the secret (`SecretHeader`) is checked against
the secret's digest (`secret_digest`), stored beside the encrypted credentials: nothing is
decrypted to turn a caller away, and a wrong FERNET_KEYS does not stop the deliveries. A
scheme that needs the secret itself (`BodySignature`, an HMAC of the body) has it decrypted.
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
DIGEST_SCHEME = "hmac-sha256"


class Unauthenticated(Exception):
    """The delivery does not prove it comes from the platform: 401, and nothing is stored."""


class Authentication(Protocol):
    # Whether the body must be read before the request can be authenticated (a signature of it).
    needs_body: bool
    # Headers that carry the secret itself: never stored with the event.
    secret_headers: frozenset[str]
    # Whether a request can be checked against digests of the secrets (`verify_digests`), not the secrets.
    checks_digests: bool

    def verify(self, headers: Mapping[str, str], body: bytes, accepted: list[str]) -> None:
        """Raise Unauthenticated unless the request proves one of the `accepted` secrets."""

    def verify_digests(self, headers: Mapping[str, str], digests: list[str]) -> None:
        """As `verify`, against `secret_digest`s of the accepted secrets (only where `checks_digests`)."""


class SecretHeader:
    """The request carries the shared secret itself: a header's whole value equals it."""

    needs_body = False
    checks_digests = True

    def __init__(self, header: str = "Authorization"):
        self.header = header
        self.secret_headers = frozenset({header.lower()})

    def _given(self, headers: Mapping[str, str]) -> str:
        given = headers.get(self.header)
        if not given:
            raise Unauthenticated(f"The {self.header} header is missing.")
        return given

    def _mismatch(self) -> Unauthenticated:
        return Unauthenticated(f"The {self.header} header does not match this connection's webhook secret.")

    def verify(self, headers: Mapping[str, str], body: bytes, accepted: list[str]) -> None:
        given = self._given(headers)
        if not _any_equal(given.encode("utf-8", "replace"), [s.encode("utf-8", "replace") for s in accepted]):
            raise self._mismatch()

    def verify_digests(self, headers: Mapping[str, str], digests: list[str]) -> None:
        given = self._given(headers)
        matches = [digest_matches(given, digest) for digest in digests]  # every one: the time says nothing
        if not any(matches):
            raise self._mismatch()


class BodySignature:
    """A header carries an HMAC of the raw body, keyed with the secret, in base64 or hex."""

    needs_body = True
    secret_headers: frozenset[str] = frozenset()
    checks_digests = False  # the HMAC of each body needs the secret itself

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

    def verify_digests(self, headers: Mapping[str, str], digests: list[str]) -> None:
        raise TypeError("A body signature is checked with the secret itself, not a digest.")


def secret_digest(secret: str, salt: bytes | None = None) -> str:
    """What a webhook secret is checked against without decrypting it: HMAC-SHA256 of the secret
    keyed with a random salt of its own, as `hmac-sha256$<salt hex>$<mac hex>`.

    Keyed by neither SECRET_KEY nor FERNET_KEYS, so rotating either (or a wrong FERNET_KEYS) leaves
    the webhooks working and needs no recomputation. The price: whoever holds a copy of the database
    can test guesses of a secret offline, hopeless against the 256-bit secrets the portal makes, and
    the reason a secret the merchant types needs MIN_TYPED_SECRET characters.
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    mac = hmac.new(salt, secret.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"{DIGEST_SCHEME}${salt.hex()}${mac}"


def digest_matches(given: str, digest: str) -> bool:
    """Whether `given` is the secret `digest` was made of (constant time; False for a digest it cannot read)."""
    scheme, _, rest = digest.partition("$")
    salt_hex, _, mac = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme != DIGEST_SCHEME or not salt or not mac:
        return False
    return hmac.compare_digest(secret_digest(given, salt).encode(), digest.encode())


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

    @property
    def secret_fields(self) -> tuple[str, str]:
        """The credential holding the secret, and the one holding the previous secret after a rotation."""
        return self.secret_field, f"previous_{self.secret_field}"

    def digests(self, credentials: dict[str, str]) -> dict[str, str]:
        """The digests to store beside the credentials: one per secret held, where the scheme checks them."""
        if not self.authentication.checks_digests:
            return {}
        return {name: secret_digest(credentials[name]) for name in self.secret_fields if credentials.get(name)}

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
