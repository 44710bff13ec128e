"""`Authorization: Bearer <token>`: a merchant member's API token (see `api.models.ApiToken`).

A request without a Bearer header is left to the next authentication class (the
portal's session, for the browsable API and the docs page). A Bearer header with a
token that is unknown, revoked, or whose member has left the merchant answers 401.

Guessing is limited per address (`portal.failures`): after API_TOKEN_FAILURE_LIMIT unknown
tokens from one address, every Bearer request from it is answered 429 with
Retry-After, without looking its token up, until API_TOKEN_FAILURE_WINDOW_SECONDS after its
first failure. A valid token is refused too: were it let through, the address could go on
trying tokens and tell the right one by its answer. (A revoked token, one whose member left,
or a header that holds no token is no guess: it answers 401 and is not counted.)
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from portal.addresses import limit_address
from portal.failures import Limit

from .models import ApiToken, hash_token

KEYWORD = "Bearer"
WRONG_TOKENS = Limit("api_token", "API_TOKEN_FAILURE_LIMIT", "API_TOKEN_FAILURE_WINDOW_SECONDS")


class Guessed(AuthenticationFailed):
    """A token that is none of ours: a guess, counted against the address."""


class TooManyWrongTokens(Throttled):
    default_detail = "Too many wrong API tokens came from your address: no token from it is accepted for now."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


class BearerTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        address = limit_address(request)
        wait = WRONG_TOKENS.blocked_for(address)
        if wait:
            raise TooManyWrongTokens(wait)
        if len(parts) != 2:
            raise AuthenticationFailed("Send the token as `Authorization: Bearer <token>`, with no spaces in it.")
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        try:
            return self.authenticate_token(value)
        except Guessed:
            WRONG_TOKENS.record_failure(address)
            raise

    def authenticate_token(self, value: str):
        token = (
            ApiToken.objects.select_related("user__membership", "merchant").filter(key_hash=hash_token(value)).first()
        )
        if token is None:
            raise Guessed("Invalid token.")
        if token.is_revoked:
            raise AuthenticationFailed("This token has been revoked.")
        user = token.user
        membership = getattr(user, "membership", None)
        if not user.is_active or membership is None or membership.merchant_id != token.merchant_id:
            raise AuthenticationFailed("This token's member no longer belongs to the merchant.")
        token.touch()
        return user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'
