"""Calling the sandbox Shopify the way the adapter does (its base URL, X-Shopify-Access-Token, JSON),
and a real HTTP receiver for its webhooks (`tests.support.webhook_receiver`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from connections.platforms.shopify.sandbox import data as shopify_data
from connections.platforms.shopify.sandbox.models import SandboxShopifyShop
from tests.support.webhook_receiver import Received, WebhookReceiver

DOMAIN = "test-crafts.myshopify.com"
OTHER_DOMAIN = "other-crafts.myshopify.com"
TOKEN = "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"
OTHER_TOKEN = "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"
CLIENT_ID = "0123456789abcdef0123456789abcdef"
CLIENT_SECRET = "shpss_test_secret_0123456789abcdef"
VERSION = "2026-10"
BASE = f"/sandbox/shopify/{DOMAIN}"


def make_shop(*, domain=DOMAIN, token=TOKEN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **fields):
    """A shop with known credentials."""
    return shopify_data.create_shop(
        fields.pop("name", "Test Crafts"),
        domain=domain,
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        **fields,
    )


def make_order(shop, **options):
    options.setdefault("seed", 1)
    options.setdefault("notify", False)
    return shopify_data.create_order(shop, **options)


def switch(shop, **values) -> SandboxShopifyShop:
    """Set shop fields in the database (as the shop page's forms do) and reload."""
    SandboxShopifyShop.objects.filter(pk=shop.pk).update(**values)
    shop.refresh_from_db()
    return shop


def graphql_url(domain=DOMAIN, version=VERSION) -> str:
    return f"/sandbox/shopify/{domain}/admin/api/{version}/graphql.json"


def gql(client, query, variables=None, *, token=TOKEN, domain=DOMAIN, version=VERSION, **extra):
    """POST a GraphQL request as the adapter does; the response."""
    body = {"query": query, **({"variables": variables} if variables is not None else {}), **extra}
    headers = {"HTTP_X_SHOPIFY_ACCESS_TOKEN": token} if token is not None else {}
    return client.post(graphql_url(domain, version), json.dumps(body), content_type="application/json", **headers)


def data_of(response) -> dict:
    """The data of a 200 answer without errors."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def cost_of(response) -> dict:
    return response.json()["extensions"]["cost"]


def hmac_of(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# -- the webhook receiver -----------------------------------------------------------------------------


class Receiver(WebhookReceiver):
    """The shop's webhooks: with `secret`, a request whose HMAC does not verify under it gets 401."""

    path = "/webhooks/shopify/abc/"

    def accepts(self, request: Received) -> bool:
        return hmac.compare_digest(request.headers.get("X-Shopify-Hmac-Sha256", ""), hmac_of(request.body, self.secret))

    def topics(self) -> list[str]:
        return [r.headers["X-Shopify-Topic"] for r in self.received]
