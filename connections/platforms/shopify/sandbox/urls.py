"""The sandbox Shopify, under /sandbox/shopify/: each shop's Admin API under its permanent domain, and
its page.

A connection whose base URL is http://host/sandbox/shopify/<domain> calls
<base>/admin/api/<version>/graphql.json and <base>/admin/oauth/access_token as it would call
https://<domain>/...; anything else under <domain>/admin/ is a JSON 404. The names join the
sandbox's namespace.
"""

from django.urls import path, register_converter

from . import api, views


class VersionConverter:
    """An API version: YYYY-MM or unstable (any such is served; Shopify falls forward)."""

    regex = r"\d{4}-\d{2}|unstable"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionConverter, "shopify_api_version")
SHOP = "<str:domain>"
urlpatterns = [
    path("shops/new/", views.shop_create, name="shopify-shop-create"),
    path(f"{SHOP}/admin/api/<shopify_api_version:version>/graphql.json", api.graphql, name="shopify-api-graphql"),
    path(f"{SHOP}/admin/oauth/access_token", api.access_token, name="shopify-api-token"),
    path(f"{SHOP}/admin", api.unknown),
    path(f"{SHOP}/admin/<path:rest>", api.unknown, name="shopify-api-unknown"),
    path(f"{SHOP}/", views.shop_page, name="shopify-shop"),
    path(f"{SHOP}/settings/<slug:part>/", views.shop_settings, name="shopify-shop-settings"),
    path(f"{SHOP}/bucket/fill/", views.fill_bucket, name="shopify-fill-bucket"),
    path(f"{SHOP}/rotate-secret/", views.rotate_secret, name="shopify-rotate-secret"),
    path(f"{SHOP}/test-order/", views.test_order, name="shopify-test-order"),
    path(f"{SHOP}/generate/", views.generate, name="shopify-generate"),
    path(f"{SHOP}/touch/", views.touch, name="shopify-touch"),
    path(f"{SHOP}/deliver/", views.deliver, name="shopify-deliver"),
    path(f"{SHOP}/orders/<int:legacy_id>/<slug:action>/", views.order_action, name="shopify-order-action"),
]
