"""`Authorization: Bearer <token>`: a merchant member's API token (see `api.models.ApiToken`).

A request without a Bearer header is left to the next authentication class (the
portal's session, for the browsable API and the docs page). A Bearer header with a
token that is unknown, revoked, or whose member has left the merchant answers 401.
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken, hash_token

KEYWORD = "Bearer"


class BearerTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the token as `Authorization: Bearer <token>`, with no spaces in it.")
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        return self.authenticate_token(value)

    def authenticate_token(self, value: str):
        token = (
            ApiToken.objects.select_related("user__membership", "merchant").filter(key_hash=hash_token(value)).first()
        )
        if token is None:
            raise AuthenticationFailed("Invalid token.")
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
