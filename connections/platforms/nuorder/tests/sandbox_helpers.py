"""Calling the fake NuORDER the way real clients do: signed OAuth 1.0a headers.

Two signers, both independent of the sandbox's own code:
* `rfc_header`: requests-oauthlib's OAuth1 applied to a prepared request (RFC 5849);
* `legacy_header`: NuORDER's legacy dialect (platforms/nuorder.md §2.3), written here
  from the notes: fixed-order, unencoded base string, hex digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests
from requests_oauthlib import OAuth1

from connections.platforms.nuorder.sandbox import data as nuorder_data

HOST = "http://testserver"
WHOLESALE = "/sandbox/nuorder/wholesale"
RETAIL = "/sandbox/nuorder/retail"


@dataclass
class Creds:
    consumer_key: str
    consumer_secret: str
    token: str = ""
    token_secret: str = ""
    prefix: str = WHOLESALE


def make_app(application_type="wholesale", *, shortcode="brand", with_token=True, orders=0, **order_options) -> Creds:
    """A NuORDER app (and account) with a token; `orders` approved orders unless told otherwise."""
    app = nuorder_data.create_app(
        shortcode=shortcode, name=shortcode.title(), application_type=application_type, with_token=with_token
    )
    if orders:
        nuorder_data.generate_orders(app.account, orders, seed=1, **order_options)
    token = app.tokens.first()
    return Creds(
        app.consumer_key,
        app.consumer_secret,
        token.token if token else "",
        token.token_secret if token else "",
        RETAIL if application_type == "retail" else WHOLESALE,
    )


def account_of(creds: Creds):
    from sandbox.models import SandboxAccount

    return SandboxAccount.objects.get(token=creds.consumer_key)


def rfc_header(method: str, url: str, creds: Creds, *, json_body=None, **oauth) -> str:
    """requests-oauthlib's Authorization header for this request (HMAC-SHA1, in the header)."""
    auth = OAuth1(
        creds.consumer_key,
        creds.consumer_secret,
        creds.token or None,
        creds.token_secret or None,
        **oauth,
    )
    prepared = requests.Request(method, url, json=json_body, auth=auth).prepare()
    header = prepared.headers["Authorization"]
    return header.decode() if isinstance(header, bytes) else header


def legacy_header(
    method: str,
    url: str,
    creds: Creds,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    callback: str | None = None,
    verifier: str | None = None,
    extra: dict | None = None,
    scheme_word: str = "OAuth",
    quoted: bool = True,
    separator: str = ",",
) -> str:
    """NuORDER's legacy dialect, the way its Ruby/Python/C# samples build it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(8)
    parts = urlsplit(url)
    base = (
        f"{method.upper()}{parts.scheme}://{parts.netloc}{parts.path}?"
        f"oauth_consumer_key={creds.consumer_key}&oauth_token={creds.token}&oauth_timestamp={timestamp}"
        f"&oauth_nonce={nonce}&oauth_version=1.0&oauth_signature_method=HMAC-SHA1"
    )
    if callback is not None:
        base += f"&oauth_callback={callback}"
    if verifier is not None:
        base += f"&oauth_verifier={verifier}"
    key = f"{creds.consumer_secret}&{creds.token_secret}".encode()
    fields = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_token": creds.token,
        "oauth_timestamp": str(timestamp),
        "oauth_nonce": nonce,
        "oauth_version": "1.0",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_signature": hmac.new(key, base.encode(), hashlib.sha1).hexdigest(),
    }
    if callback is not None:
        fields["oauth_callback"] = callback
    if verifier is not None:
        fields["oauth_verifier"] = verifier
    fields.update(extra or {})
    if quoted:
        values = [f'{name}="{quote(value, safe="")}"' for name, value in fields.items()]
    else:
        values = [f"{name}={quote(value, safe='')}" for name, value in fields.items()]
    return f"{scheme_word} " + separator.join(values)


def call(
    client,
    method: str,
    path: str,
    creds: Creds,
    *,
    dialect: str = "rfc",
    body=None,
    prefix: str | None = None,
    host: str = HOST,
    sign_path: str | None = None,
    **sign,
):
    """Send a signed request through Django's test client; `path` is below the prefix.

    `sign_path` signs a different path than the one sent (to tamper); `host` is the
    scheme://host[:port] both the signature and the request use.
    """
    prefix = creds.prefix if prefix is None else prefix
    url = f"{host}{prefix}{path}"
    signed_url = f"{host}{prefix}{sign_path}" if sign_path else url
    if dialect == "rfc":
        header = rfc_header(method, signed_url, creds, json_body=body, **sign)
    else:
        header = legacy_header(method, signed_url, creds, **sign)
    return send(client, method, url, header, body=body)


def send(client, method: str, url: str, header: str | None, *, body=None):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = {"HTTP_HOST": parts.netloc, "secure": parts.scheme == "https"}
    if header is not None:
        extra["HTTP_AUTHORIZATION"] = header
    if body is not None:
        return client.generic(method, target, data=json.dumps(body), content_type="application/json", **extra)
    return client.generic(method, target, **extra)
