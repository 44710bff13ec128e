"""NuORDER's own OAuth 1.0a signing dialect, used only for the initiate handshake.

Ordinary API calls are signed the RFC 5849 way by requests-oauthlib. The handshake
cannot be: NuORDER reads `application_name` from the Authorization header, and
oauthlib drops every non-oauth parameter from it. So, as NuORDER's own sample code
does (platforms/nuorder.md §2.3): the base string is METHOD + scheme://host[:port]/path
+ "?" + the oauth parameters in a fixed order, not percent-encoded, then the callback or
verifier; the key is consumer_secret&token_secret; the digest is lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlsplit


def authorization_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str = "",
    token_secret: str = "",
    callback: str | None = None,
    verifier: str | None = None,
    application_name: str | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """The `Authorization` header value for one request."""
    timestamp = int(timestamp if timestamp is not None else time.time())
    nonce = nonce or secrets.token_hex(8)
    parts = urlsplit(url)
    base = (
        f"{method.upper()}{parts.scheme}://{parts.netloc}{parts.path}?"
        f"oauth_consumer_key={consumer_key}&oauth_token={token}&oauth_timestamp={timestamp}"
        f"&oauth_nonce={nonce}&oauth_version=1.0&oauth_signature_method=HMAC-SHA1"
    )
    if callback is not None:
        base += f"&oauth_callback={callback}"
    if verifier is not None:
        base += f"&oauth_verifier={verifier}"
    signature = hmac.new(f"{consumer_secret}&{token_secret}".encode(), base.encode(), hashlib.sha1).hexdigest()
    fields = {
        "oauth_consumer_key": consumer_key,
        "oauth_token": token,
        "oauth_timestamp": str(timestamp),
        "oauth_nonce": nonce,
        "oauth_version": "1.0",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_signature": signature,
    }
    if callback is not None:
        fields["oauth_callback"] = callback
    if verifier is not None:
        fields["oauth_verifier"] = verifier
    if application_name is not None:
        fields["application_name"] = application_name  # sent, not signed
    return "OAuth " + ",".join(f'{name}="{quote(value, safe="")}"' for name, value in fields.items())
