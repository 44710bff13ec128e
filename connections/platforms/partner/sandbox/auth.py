"""Who is calling the fake Partner API, and the tokens a chain has.

The platform's docs describe two token models (partner_api.md §2.2), so a chain has both:
static Portal tokens (its account's token and up to ten more, no expiry, valid for every
store) and OAuth access tokens that `POST /v2/oauth/token` issues for the chain's client ID
and secret (they expire). Every other call carries one as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sandbox.models import SandboxAccount

from .models import MAX_STATIC_TOKENS, SandboxPartnerChain, SandboxPartnerToken

NO_BEARER = "Send the token as 'Authorization: Bearer <token>'"
UNKNOWN_TOKEN = "Invalid bearer token"
EXPIRED = "The access token has expired: get a new one from POST /v2/oauth/token"
BAD_CLIENT = "Client authentication failed: unknown client_id or wrong client_secret"
# Expired access tokens are kept this long (to answer "expired" rather than "invalid"), then deleted.
EXPIRED_KEPT = timedelta(days=1)


class AuthFailed(Exception):
    """A refused caller: the API answers `status` with {"error": error, "message": message}."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def chain_for_bearer(header: str | None, now: datetime | None = None) -> SandboxPartnerChain:
    """The chain whose token the Authorization header carries, or AuthFailed (401)."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthFailed(401, "unauthorized", NO_BEARER)
    account = SandboxAccount.objects.filter(platform="partner", token=token).select_related("partner_chain").first()
    if account is not None and hasattr(account, "partner_chain"):
        return account.partner_chain
    issued = SandboxPartnerToken.objects.select_related("chain__account").filter(token=token).first()
    if issued is None:
        raise AuthFailed(401, "unauthorized", UNKNOWN_TOKEN)
    if issued.expires_at is not None and issued.expires_at <= (now or timezone.now()):
        raise AuthFailed(401, "unauthorized", EXPIRED)
    return issued.chain


def token_request(request) -> dict[str, str]:
    """grant_type, client_id and client_secret of a token request.

    Form-encoded as documented; a JSON body and HTTP Basic client authentication
    (RFC 6749 §2.3.1) are read too, as clients differ.
    """
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        params = {k: v for k, v in body.items() if isinstance(v, str)} if isinstance(body, dict) else {}
    else:
        params = request.POST.dict()
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if not params.get("client_id") and scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(encoded.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = client_secret = ""
        params.update(client_id=client_id, client_secret=client_secret)
    return params


def chain_for_client(client_id: str, client_secret: str) -> SandboxPartnerChain:
    """The chain of these client credentials, or AuthFailed (401 invalid_client)."""
    chain = (
        SandboxPartnerChain.objects.select_related("account").filter(client_id=client_id).first() if client_id else None
    )
    if chain is None or not hmac.compare_digest(chain.client_secret.encode(), client_secret.encode()):
        raise AuthFailed(401, "invalid_client", BAD_CLIENT)
    return chain


def issue_access_token(chain: SandboxPartnerChain, now: datetime | None = None) -> SandboxPartnerToken:
    """A new OAuth access token, valid for the chain's `access_token_seconds`."""
    now = now or timezone.now()
    chain.tokens.filter(expires_at__lt=now - EXPIRED_KEPT).delete()
    return SandboxPartnerToken.objects.create(
        chain=chain, token=secrets.token_urlsafe(32), expires_at=now + timedelta(seconds=chain.access_token_seconds)
    )


def issue_static_token(chain: SandboxPartnerChain, token: str | None = None) -> SandboxPartnerToken:
    """Another static Portal token (no expiry); ValueError when the chain has its 11 already."""
    with transaction.atomic():
        list(SandboxPartnerChain.objects.select_for_update().filter(pk=chain.pk).values_list("pk", flat=True))
        if 1 + chain.tokens.filter(expires_at__isnull=True).count() >= MAX_STATIC_TOKENS:
            raise ValueError(f"A chain has at most {MAX_STATIC_TOKENS} tokens; revoke one first.")
        return SandboxPartnerToken.objects.create(chain=chain, token=token or secrets.token_urlsafe(36))


def static_tokens(chain: SandboxPartnerChain) -> list[str]:
    """The chain's static Portal tokens, its account's first."""
    return [chain.account.token, *chain.tokens.filter(expires_at__isnull=True).values_list("token", flat=True)]
