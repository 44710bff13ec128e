"""Two-hour Partner API access tokens from a client ID and secret (the newer token model).

Fetched with `POST /v2/oauth/token` (client credentials) and kept in the kit's
`TokenCache`: renewed ten minutes before they expire, forgotten when refused. The token
endpoint allows about 50 calls a minute per client, so caching is not optional.
"""

from __future__ import annotations

from ..base import PlatformContext
from ..http import PlatformClient
from ..tokens import TokenCache

CACHE = TokenCache("Partner API", "partner-token", renew_before=600, default_lifetime=7200)


def access_token(ctx: PlatformContext, client: PlatformClient, *, renew: bool = False) -> str:
    def fetch():
        return client.post_form(
            "/v2/oauth/token",
            {
                "grant_type": "client_credentials",
                "client_id": ctx.credentials.get("client_id", ""),
                "client_secret": ctx.credentials.get("client_secret", ""),
            },
        )

    return CACHE.token(ctx, fetch, renew=renew)


forget = CACHE.forget
cached_values = CACHE.cached_values
