"""Two-hour Partner API access tokens from a client ID and secret (the newer token model).

A token is fetched with `POST /v2/oauth/token` (client credentials), cached in Django's
cache (Redis in production, so every worker shares it) encrypted with FERNET_KEYS,
renewed RENEW_BEFORE its expiry, and forgotten when the platform refuses it. The token
endpoint allows about 50 calls a minute per client, so caching is not optional.
"""

from __future__ import annotations

import hashlib
import json
import time

from cryptography.fernet import InvalidToken
from django.core.cache import cache
from fernet_fields import EncryptedTextField

from ..base import PlatformContext
from ..errors import TransientError
from ..http import PlatformClient

RENEW_BEFORE = 600  # seconds
DEFAULT_LIFETIME = 7200


def access_token(ctx: PlatformContext, client: PlatformClient, *, renew: bool = False) -> str:
    if not renew and (held := _held(ctx)) and held["expires_at"] - time.time() > RENEW_BEFORE:
        return held["token"]
    body = client.post_form(
        "/v2/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": ctx.credentials.get("client_id", ""),
            "client_secret": ctx.credentials.get("client_secret", ""),
        },
    )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise TransientError("The Partner API's token endpoint answered without an access_token.")
    try:
        lifetime = int(body.get("expires_in") or DEFAULT_LIFETIME)
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    token = body["access_token"]
    sealed = _fernet().encrypt(json.dumps({"token": token, "expires_at": time.time() + lifetime}).encode())
    cache.set(_key(ctx), sealed, timeout=max(1, lifetime))
    return token


def forget(ctx: PlatformContext) -> None:
    cache.delete(_key(ctx))


def cached_values(ctx: PlatformContext) -> list[str]:
    """The cached token, so that it is scrubbed from messages like the other secrets."""
    held = _held(ctx) if ctx.credentials.get("client_id") else None
    return [held["token"]] if held else []


def _held(ctx: PlatformContext) -> dict | None:
    sealed = cache.get(_key(ctx))
    if not sealed:
        return None
    try:
        return json.loads(_fernet().decrypt(sealed))
    except (InvalidToken, ValueError):
        return None  # keys rotated, or garbage: fetch a new token


def _key(ctx: PlatformContext) -> str:
    c = ctx.credentials
    identity = f"{ctx.base_url}|{c.get('client_id', '')}|{c.get('client_secret', '')}"
    return "partner-token:" + hashlib.sha256(identity.encode()).hexdigest()


def _fernet():
    """The same keys as the credentials' encrypted column (FERNET_KEYS, rotation included)."""
    return EncryptedTextField().fernet
