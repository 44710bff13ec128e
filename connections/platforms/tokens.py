"""Short-lived access tokens a platform hands out for a client ID and secret (OAuth client credentials).

A token is fetched by the platform's own request, cached in Django's cache (Redis in
production, so every worker shares it) encrypted with FERNET_KEYS, renewed
`renew_before` seconds before it expires, and forgotten when the platform refuses it.
Token endpoints limit their callers, so caching is not optional.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.cache import cache
from fernet_fields import EncryptedTextField

from .base import PlatformContext
from .errors import TransientError


class TokenCache:
    """The cached tokens of one platform, keyed by account (host, client ID, client secret)."""

    def __init__(self, platform: str, namespace: str, *, renew_before: float, default_lifetime: int):
        self.platform = platform  # its name in messages
        self.namespace = namespace
        self.renew_before = renew_before
        self.default_lifetime = default_lifetime

    def token(self, ctx: PlatformContext, fetch: Callable[[], Any], *, renew: bool = False) -> str:
        """The cached token, or a new one from `fetch()` (the token endpoint's JSON answer)."""
        if not renew and (held := self._held(ctx)) and held["expires_at"] - time.time() > self.renew_before:
            return held["token"]
        token, lifetime = self.read(fetch())
        sealed = _fernet().encrypt(json.dumps({"token": token, "expires_at": time.time() + lifetime}).encode())
        cache.set(self._key(ctx), sealed, timeout=max(1, lifetime))
        return token

    def read(self, body: Any) -> tuple[str, int]:
        """(access_token, expires_in) of a token endpoint's answer; TransientError when there is no token."""
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise TransientError(f"The {self.platform}'s token endpoint answered without an access_token.")
        try:
            lifetime = int(body.get("expires_in") or self.default_lifetime)
        except (TypeError, ValueError):
            lifetime = self.default_lifetime
        return body["access_token"], lifetime

    def forget(self, ctx: PlatformContext) -> None:
        cache.delete(self._key(ctx))

    def cached_values(self, ctx: PlatformContext) -> list[str]:
        """The cached token, so that it is scrubbed from messages like the other secrets."""
        held = self._held(ctx) if ctx.credentials.get("client_id") else None
        return [held["token"]] if held else []

    def _held(self, ctx: PlatformContext) -> dict | None:
        sealed = cache.get(self._key(ctx))
        if not sealed:
            return None
        try:
            return json.loads(_fernet().decrypt(sealed))
        except (InvalidToken, ValueError):
            return None  # keys rotated, or garbage: fetch a new token

    def _key(self, ctx: PlatformContext) -> str:
        c = ctx.credentials
        identity = f"{ctx.base_url}|{c.get('client_id', '')}|{c.get('client_secret', '')}"
        return f"{self.namespace}:" + hashlib.sha256(identity.encode()).hexdigest()


def _fernet():
    """The same keys as the credentials' encrypted column (FERNET_KEYS, rotation included)."""
    return EncryptedTextField().fernet


def token_or_client_problems(credentials: dict[str, str], token_field: str, missing: str) -> dict[str, str]:
    """{field: problem} for an account that connects with a token (`token_field`) or with a client
    ID and secret, which go together; `missing` is what to say when none of them is given."""
    token, client_id, client_secret = (credentials.get(n) for n in (token_field, "client_id", "client_secret"))
    if token or (client_id and client_secret):
        return {}
    if client_id or client_secret:
        return {"client_secret" if client_id else "client_id": "The client ID and secret go together."}
    return {token_field: missing}
