"""OAuth 1.0a as the fake NuORDER checks it: both signature dialects, for real.

Every NuORDER API call carries OAuth 1.0a HMAC-SHA1 parameters in its Authorization
header (platforms/nuorder.md §2). A request is accepted when either dialect verifies:

* RFC 5849 (requests-oauthlib, oauthlib and most newer clients): checked with oauthlib's
  own server-side `verify_hmac_sha1`. Query parameters and form-encoded bodies are
  signed; a JSON body is not (§9).
* NuORDER's legacy dialect (its sample code and the older wrappers, §2.3): the base
  string is METHOD + scheme://host[:port] + path + "?" + the oauth parameters in a fixed
  order, not percent-encoded, then `&oauth_callback=` and/or `&oauth_verifier=`; the
  digest is lowercase hex. The query string and the body are not signed.

Both use the key `consumer_secret&token_secret`. `application_name` rides in the header
but is signed by neither dialect (filtered out as a non-oauth parameter).

The URL is rebuilt as the client addressed it (scheme, Host header, path, query), so a
proxy in front of the sandbox must pass the Host header and the scheme through.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import unquote
from urllib.request import parse_http_list

from django.core.cache import cache
from django.utils.encoding import escape_uri_path
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature as rfc5849
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

from .models import SandboxNuorderApp, SandboxNuorderPending, SandboxNuorderToken

# A timestamp further than this from the server clock is refused (NuORDER's real window
# is undocumented; 300 s is the common choice, e.g. oauthlib's own default is 600 s).
MAX_CLOCK_SKEW_SECONDS = 300
# A remembered nonce only needs to outlive the timestamps that could still pass.
NONCE_MEMORY_SECONDS = 2 * MAX_CLOCK_SKEW_SECONDS + 60

REQUIRED = ("oauth_consumer_key", "oauth_signature", "oauth_timestamp", "oauth_nonce", "oauth_signature_method")
LEGACY_ORDER = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_signature_method",
)
DEFAULT_PORTS = {"http": "80", "https": "443"}

# The messages the API answers with (the portal's adapter matches some of these words).
BAD_HEADER = "Missing or malformed OAuth Authorization header"
BAD_SIGNATURE = "Invalid OAuth signature"
BAD_CONSUMER = "Invalid consumer key"
BAD_TOKEN = "Invalid OAuth token"
BAD_TIMESTAMP = "OAuth timestamp is too old or in the future"
USED_NONCE = "OAuth nonce has already been used"


class OAuthError(Exception):
    """Why a request is refused; the API answers 401 `{"code": 401, "message": ...}`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the header ------------------------------------------------------------------------------


def parse_authorization(value: str | None) -> dict[str, str]:
    """The parameters of an `OAuth ...` header, names and values percent-decoded.

    Lenient the way NuORDER's clients need: any case of the scheme (`OAuth`, `oauth`,
    `oAuth`), quoted or bare values, commas with or without spaces. A repeated name, a
    stray quote or a part without `=` makes the header garbled.
    """
    value = (value or "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "oauth" or not rest.strip():
        raise OAuthError(BAD_HEADER)
    params: dict[str, str] = {}
    for item in parse_http_list(rest):
        item = item.strip()
        if not item:
            continue
        name, equals, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not equals or not name:
            raise OAuthError(BAD_HEADER)
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1]
        if '"' in raw:
            raise OAuthError(BAD_HEADER)
        name = unquote(name)
        if name in params:
            raise OAuthError(BAD_HEADER)
        params[name] = unquote(raw)
    for name in REQUIRED:
        if not params.get(name):
            raise OAuthError(f"{BAD_HEADER}: {name} is missing")
    if params["oauth_signature_method"] != "HMAC-SHA1":
        raise OAuthError(f"{BAD_HEADER}: oauth_signature_method must be HMAC-SHA1")
    if params.get("oauth_version", "1.0") != "1.0":
        raise OAuthError(f"{BAD_HEADER}: oauth_version must be 1.0")
    return params


# -- the request as the client saw it ------------------------------------------------------------


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers: the method and the URL exactly as the client addressed it."""

    method: str
    scheme: str
    host: str  # the Host header, with the port if the client sent one
    path: str  # percent-encoded, as on the wire
    query: str  # the raw query string, without "?"
    form_body: str | None = None  # an application/x-www-form-urlencoded body (RFC signs it)

    @classmethod
    def from_django(cls, request) -> SignedRequest:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        form_body = None
        if content_type == "application/x-www-form-urlencoded" and request.body:
            form_body = request.body.decode("utf-8", errors="replace")
        return cls(
            method=request.method.upper(),
            scheme=request.scheme,
            host=request.get_host(),
            path=escape_uri_path(request.path),
            query=request.META.get("QUERY_STRING", ""),
            form_body=form_body,
        )

    @property
    def uri(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}" + (f"?{self.query}" if self.query else "")

    def hosts(self) -> list[str]:
        """The host as sent, then with the default port added or dropped (clients differ)."""
        default = DEFAULT_PORTS.get(self.scheme)
        hosts = [self.host]
        if default and self.host.endswith(f":{default}"):
            hosts.append(self.host.removesuffix(f":{default}"))
        elif default and not self.host.rsplit("]", 1)[-1].count(":"):
            hosts.append(f"{self.host}:{default}")
        return hosts


# -- the two dialects --------------------------------------------------------------------------------


def rfc5849_valid(request: SignedRequest, params: dict[str, str], consumer_secret: str, token_secret: str) -> bool:
    """Dialect B, verified by oauthlib's server-side code (constant-time comparison)."""
    # The header again, from what we parsed, so oauthlib reads exactly what we accepted
    # (it would refuse a few spellings our parser allows, such as "oAuth" without quotes).
    header = "OAuth " + ", ".join(
        f'{oauth_utils.escape(name)}="{oauth_utils.escape(value)}"' for name, value in params.items()
    )
    try:
        collected = rfc5849.collect_parameters(
            uri_query=request.query,
            body=request.form_body,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        oauth_request = OAuthRequest(request.uri, http_method=request.method)
        oauth_request.params = collected
        oauth_request.signature = params["oauth_signature"]
        return rfc5849.verify_hmac_sha1(oauth_request, consumer_secret, token_secret)
    except ValueError:  # a query or form body oauthlib cannot decode: no RFC signature fits it
        return False


def legacy_base_strings(request: SignedRequest, params: dict[str, str]) -> list[str]:
    """Dialect A's base strings: one per host spelling and order of callback/verifier."""
    fixed = {**params, "oauth_version": "1.0", "oauth_token": params.get("oauth_token", "")}
    signed = "&".join(f"{name}={fixed[name]}" for name in LEGACY_ORDER)
    extras = [f"&{name}={params[name]}" for name in ("oauth_callback", "oauth_verifier") if name in params]
    tails = {"".join(extras), "".join(reversed(extras))}
    return [
        f"{request.method}{request.scheme}://{host}{request.path}?{signed}{tail}"
        for host in request.hosts()
        for tail in sorted(tails)
    ]


def legacy_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{consumer_secret}&{token_secret}".encode()
    return hmac.new(key, base_string.encode(), hashlib.sha1).hexdigest()


def legacy_valid(request: SignedRequest, params: dict[str, str], consumer_secret: str, token_secret: str) -> bool:
    given = params["oauth_signature"].encode()
    return any(
        hmac.compare_digest(legacy_signature(base, consumer_secret, token_secret).encode(), given)
        for base in legacy_base_strings(request, params)
    )


def signature_dialect(
    request: SignedRequest, params: dict[str, str], consumer_secret: str, token_secrets: list[str]
) -> str | None:
    """The dialect that verifies ("rfc5849" or "legacy"), or None when neither does."""
    for token_secret in token_secrets:
        if rfc5849_valid(request, params, consumer_secret, token_secret):
            return "rfc5849"
        if legacy_valid(request, params, consumer_secret, token_secret):
            return "legacy"
    return None


# -- who is calling ------------------------------------------------------------------------------------

# What a call is: a normal API call (final token), the initiate step (no token, or any
# final token of the app), or the token exchange (a temporary token).
API, INITIATE, TOKEN = "api", "initiate", "token"


@dataclass
class Caller:
    app: SandboxNuorderApp
    params: dict[str, str]
    dialect: str
    token: SandboxNuorderToken | None = None
    pending: SandboxNuorderPending | None = None

    @property
    def account(self):
        return self.app.account


def authenticate(request, application_type: str, stage: str = API, *, now: float | None = None) -> Caller:
    """The caller of a Django request to the `application_type` host, or OAuthError.

    Checks, in order: the header, the consumer key (an app of this application type),
    the token, the signature, the timestamp, then the nonce (only when the app asks for
    it, and only for a request whose signature is good, so garbage cannot fill the memory).
    """
    params = parse_authorization(request.headers.get("Authorization"))
    app = (
        SandboxNuorderApp.objects.select_related("account")
        .filter(account__platform="nuorder", account__token=params["oauth_consumer_key"])
        .first()
    )
    if app is None or app.application_type != application_type:
        raise OAuthError(BAD_CONSUMER)

    token_value = params.get("oauth_token", "")
    token = pending = None
    if stage == TOKEN:
        pending = app.pending.filter(request_token=token_value).first() if token_value else None
        if pending is None:
            raise OAuthError(BAD_TOKEN)
        token_secrets = [pending.request_token_secret]
    elif stage == INITIATE and not token_value:
        token_secrets = [""]
    else:
        token = app.tokens.filter(token=token_value).first() if token_value else None
        if token is None:
            raise OAuthError(BAD_TOKEN)
        # At initiate an issued token may ride along; sample code signs with or without its secret.
        token_secrets = ["", token.token_secret] if stage == INITIATE else [token.token_secret]

    dialect = signature_dialect(SignedRequest.from_django(request), params, app.consumer_secret, token_secrets)
    if dialect is None:
        raise OAuthError(BAD_SIGNATURE)

    try:
        timestamp = int(params["oauth_timestamp"])
    except ValueError:
        raise OAuthError(BAD_TIMESTAMP) from None
    if abs((time.time() if now is None else now) - timestamp) > MAX_CLOCK_SKEW_SECONDS:
        raise OAuthError(BAD_TIMESTAMP)

    if app.check_nonces:
        seen = f"{app.consumer_key}\n{token_value}\n{timestamp}\n{params['oauth_nonce']}"
        key = "sandbox-nuorder-nonce:" + hashlib.sha256(seen.encode()).hexdigest()
        if not cache.add(key, 1, timeout=NONCE_MEMORY_SECONDS):
            raise OAuthError(USED_NONCE)
    return Caller(app=app, params=params, dialect=dialect, token=token, pending=pending)
