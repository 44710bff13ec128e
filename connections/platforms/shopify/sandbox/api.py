"""The fake Shopify Admin API: /sandbox/shopify/<shop domain>/admin/...

A store's Admin API lives on its permanent domain; here the domain is the first path
segment, so a connection whose base URL is http://host/sandbox/shopify/<domain> calls
`<base>/admin/api/<version>/graphql.json` and `<base>/admin/oauth/access_token` exactly as
it would call https://<domain>/... (platforms/shopify.md §1).

Every call: the shop (404 `{"errors": "Not Found"}`), the account's fault switches, then
for GraphQL the token (401), the body (400), then the GraphQL layer (`execution.run`).
Errors outside GraphQL are REST-style `{"errors": "..."}`; the token endpoint's are OAuth's
`{"error", "error_description"}`.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import uuid
from datetime import timedelta
from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.answers import answer_for
from sandbox.faults import apply_faults, dated

from . import execution
from .models import SandboxShopifyShop, SandboxShopifyToken

SCOPES = "read_orders,write_merchant_managed_fulfillment_orders"
RATE_LIMITED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
# Expired access tokens are kept this long (for the admin's eyes), then deleted on the next grant.
EXPIRED_KEPT = timedelta(days=1)
# A named query (not a mutation): the name its answer switch goes by, "query Orders".
QUERY_NAME = re.compile(r"\s*query\s+(\w+)")


def errors(status: int, message, **headers) -> JsonResponse:
    response = JsonResponse({"errors": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def not_found() -> JsonResponse:
    return errors(404, "Not Found")


def find_shop(domain: str) -> SandboxShopifyShop | None:
    return SandboxShopifyShop.objects.select_related("account").filter(domain=domain.lower()).first()


def faults(shop: SandboxShopifyShop):
    """The account's fault answer, if one fires; a 429 in Shopify's words, Retry-After as "2.0"."""
    fault = apply_faults(shop.account)
    if fault is not None and fault.status_code == 429:
        return errors(429, RATE_LIMITED, Retry_After=f"{float(shop.account.retry_after_seconds):.1f}")
    return fault


def shop_endpoint(view):
    """A CSRF-exempt POST endpoint under a shop's domain: the shop, the method, then the faults."""

    @csrf_exempt
    @wraps(view)
    def endpoint(request, domain, **kwargs):
        shop = find_shop(domain)
        if shop is None:
            return not_found()
        if request.method != "POST":
            response = errors(405, "Method Not Allowed")
            response["Allow"] = "POST"
            return response
        if stop := faults(shop):
            return dated(shop.account, stop)
        response = view(request, shop, **kwargs)
        response.setdefault("X-Request-Id", str(uuid.uuid4()))
        return dated(shop.account, response)

    return endpoint


def token_is_valid(shop: SandboxShopifyShop, token: str) -> bool:
    """The shop's static Admin API token, or an unexpired one the client-credentials grant issued."""
    if not token:
        return False
    if hmac.compare_digest(shop.account.token.encode(), token.encode()):
        return True
    return SandboxShopifyToken.objects.filter(shop=shop, token=token, expires_at__gt=timezone.now()).exists()


@shop_endpoint
def graphql(request, shop, version):
    """POST admin/api/<version>/graphql.json: any YYYY-MM or unstable is served (Shopify falls forward),
    and every answer says which in X-Shopify-API-Version."""
    response = _graphql(request, shop, version)
    response["X-Shopify-API-Version"] = version
    return response


def _graphql(request, shop: SandboxShopifyShop, version: str) -> JsonResponse:
    if not token_is_valid(shop, request.headers.get("X-Shopify-Access-Token", "").strip()):
        return errors(401, INVALID_TOKEN)
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return errors(400, 'The body must be JSON: {"query": ..., "variables": {...}}')
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return errors(400, {"query": "Required parameter missing or invalid"})
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return errors(400, {"variables": "must be a JSON object"})
    operation_name = body.get("operationName")
    status, answer = execution.run(
        shop, body["query"], variables, operation_name if isinstance(operation_name, str) else None, version
    )
    response = JsonResponse(answer, status=status)
    if read := QUERY_NAME.match(body["query"]):  # a named query (a read): its answer switch may garble it
        return answer_for(shop.account, f"query {read[1]}", response)
    return response


@shop_endpoint
def access_token(request, shop):
    """POST admin/oauth/access_token: the client-credentials grant, form-encoded or JSON."""
    params = _token_params(request)
    if params.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", UNSUPPORTED_GRANT)
    client_id, client_secret = params.get("client_id", ""), params.get("client_secret", "")
    if not (
        client_id
        and hmac.compare_digest(client_id.encode(), shop.client_id.encode())
        and hmac.compare_digest(client_secret.encode(), shop.client_secret.encode())
    ):
        return _oauth_error("invalid_client", INVALID_CLIENT)
    issued = issue_token(shop)
    return JsonResponse({"access_token": issued.token, "scope": SCOPES, "expires_in": shop.access_token_seconds})


def issue_token(shop: SandboxShopifyShop) -> SandboxShopifyToken:
    now = timezone.now()
    SandboxShopifyToken.objects.filter(shop=shop, expires_at__lt=now - EXPIRED_KEPT).delete()
    return SandboxShopifyToken.objects.create(
        shop=shop,
        token=f"shpat_{secrets.token_hex(16)}",
        expires_at=now + timedelta(seconds=shop.access_token_seconds),
        created_at=now,
    )


def _token_params(request) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return {k: v for k, v in body.items() if isinstance(v, str)} if isinstance(body, dict) else {}
    return request.POST.dict()


def _oauth_error(code: str, description: str) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=400)


@csrf_exempt
def unknown(request, domain, rest=""):
    """Anything else under a shop's admin/: 404, as Shopify answers an unknown path."""
    return not_found()
