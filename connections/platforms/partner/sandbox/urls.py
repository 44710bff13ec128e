"""The sandbox Partner API, under /sandbox/partner/: the API host (its paths, /v2/..., hang off it),
and the Partner Portal's pages of each chain under chains/.

The names join the sandbox's namespace.
"""

from django.urls import path

from . import api, views

API = "v2"
CHAIN = f"{API}/chains/<str:chain_id>"
PAGE = "chains/<uuid:chain_id>"
urlpatterns = [
    path(f"{API}/oauth/token", api.token, name="partner-api-token"),
    path(f"{CHAIN}/orders/<str:order_id>", api.order, name="partner-api-order"),
    # The docs show a store's orders both with and without /orders.
    path(f"{CHAIN}/vendors/<str:vendor_id>/orders", api.vendor_orders, name="partner-api-orders"),
    path(f"{CHAIN}/vendors/<str:vendor_id>", api.vendor_orders, name="partner-api-vendor"),
    path(f"{API}/orders/<str:order_id>", api.legacy_order, name="partner-api-legacy-order"),
    path(f"{API}/<path:rest>", api.unknown_endpoint),
    path("chains/new/", views.chain_create, name="partner-chain-create"),
    path(f"{PAGE}/", views.chain_page, name="partner-chain"),
    path(f"{PAGE}/settings/<slug:part>/", views.chain_settings, name="partner-chain-settings"),
    path(f"{PAGE}/tokens/", views.token_issue, name="partner-token-issue"),
    path(f"{PAGE}/tokens/<int:pk>/revoke/", views.token_revoke, name="partner-token-revoke"),
    path(f"{PAGE}/test-order/", views.test_order, name="partner-test-order"),
    path(f"{PAGE}/generate/", views.generate, name="partner-generate"),
    path(f"{PAGE}/deliver/", views.deliver, name="partner-deliver"),
    path(f"{PAGE}/orders/<uuid:order_id>/<slug:action>/", views.order_action, name="partner-order-action"),
    path("images/<str:sku>.svg", views.product_image, name="partner-product-image"),
]
