"""The sandbox, mounted at /sandbox/ (only when SANDBOX_ENABLED).

noths/api/v1/... mirrors the production NOTHS paths, so a connection whose base URL is
http://host/sandbox/noths talks to the fake NOTHS exactly as it would to the real one.
NuORDER has two hosts, as prefixes: nuorder/wholesale (the brand host) and nuorder/retail
(the buyer host); the API paths (/api/...) hang off either. The Partner API's host is
partner/, its paths (/v2/...) hang off it; its control pages are under partner/chains/.
"""

from django.urls import path, register_converter

from . import noths_api, nuorder_api, nuorder_views, partner_api, partner_views, views


class NuorderHostConverter:
    """The NuORDER host a path is on: wholesale (brand) or retail (buyer)."""

    regex = "wholesale|retail"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(NuorderHostConverter, "nuorder_host")

app_name = "sandbox"

noths_api_patterns = [
    path("noths/api/v1/orders", noths_api.order_list, name="noths-api-orders"),
    path("noths/api/v1/orders/accept", noths_api.bulk_accept, name="noths-api-bulk-accept"),
    path("noths/api/v1/orders/decline", noths_api.bulk_decline, name="noths-api-bulk-decline"),
    path("noths/api/v1/orders/dispatch", noths_api.bulk_dispatch, name="noths-api-bulk-dispatch"),
    path("noths/api/v1/orders/dispatch_notes", noths_api.bulk_dispatch_notes, name="noths-api-bulk-dispatch-notes"),
    path("noths/api/v1/orders/<int:order_id>", noths_api.order_detail, name="noths-api-order"),
    path("noths/api/v1/orders/<int:order_id>/accept", noths_api.order_accept, name="noths-api-accept"),
    path("noths/api/v1/orders/<int:order_id>/decline", noths_api.order_decline, name="noths-api-decline"),
    path("noths/api/v1/orders/<int:order_id>/dispatch", noths_api.order_dispatch, name="noths-api-dispatch"),
    path("noths/api/v1/orders/<int:order_id>/dispatch_note", noths_api.dispatch_note, name="noths-api-dispatch-note"),
    path("noths/api/<path:rest>", noths_api.unknown_endpoint),
]

NUORDER_API = "nuorder/<nuorder_host:app_type>/api"
nuorder_api_patterns = [
    path(f"{NUORDER_API}/initiate", nuorder_api.initiate, name="nuorder-api-initiate"),
    path(f"{NUORDER_API}/token", nuorder_api.token, name="nuorder-api-token"),
    path(f"{NUORDER_API}/orders/<str:status>/list", nuorder_api.order_ids, name="nuorder-api-list"),
    path(f"{NUORDER_API}/orders/<str:status>/detail", nuorder_api.order_details, name="nuorder-api-detail"),
    # The number/ paths first: "number" would otherwise be read as an order id.
    path(f"{NUORDER_API}/order/number/<str:number>", nuorder_api.order_by_number, name="nuorder-api-number"),
    path(
        f"{NUORDER_API}/order/number/<str:number>/<str:status>",
        nuorder_api.order_status,
        name="nuorder-api-number-status",
    ),
    path(f"{NUORDER_API}/order/<str:order_id>", nuorder_api.order, name="nuorder-api-order"),
    path(f"{NUORDER_API}/order/<str:order_id>/<str:status>", nuorder_api.order_status, name="nuorder-api-status"),
    path(f"{NUORDER_API}/<path:rest>", nuorder_api.unknown_endpoint),
]

nuorder_control_patterns = [
    path("nuorder/approve/", nuorder_views.approve_page, name="nuorder-approve"),
    path("nuorder/approve/<int:pk>/", nuorder_views.approve, name="nuorder-approve-one"),
    path("nuorder/approve/<int:pk>/issue/", nuorder_views.approve_and_issue, name="nuorder-approve-issue"),
    path("nuorder/apps/new/", nuorder_views.app_create, name="nuorder-app-create"),
    path("nuorder/apps/<str:consumer_key>/", nuorder_views.app_page, name="nuorder-app"),
    path("nuorder/apps/<str:consumer_key>/tokens/", nuorder_views.issue_token, name="nuorder-issue-token"),
]

control_patterns = [
    path("", views.index, name="index"),
    path("accounts/new/", views.account_create, name="account-create"),
    path("accounts/<int:pk>/faults/", views.account_faults, name="account-faults"),
    path("accounts/<int:pk>/generate/", views.account_generate, name="account-generate"),
    path("accounts/<int:pk>/touch/", views.account_touch, name="account-touch"),
    path("noths/<str:token>/orders/", views.noths_orders, name="noths-orders"),
    path("noths/<str:token>/orders/<int:noths_id>/<slug:action>/", views.noths_order_action, name="noths-order-action"),
    path("noths/images/<int:product_id>.svg", views.noths_product_image, name="noths-product-image"),
]

PARTNER_API = "partner/v2"
PARTNER_CHAIN = f"{PARTNER_API}/chains/<str:chain_id>"
partner_api_patterns = [
    path(f"{PARTNER_API}/oauth/token", partner_api.token, name="partner-api-token"),
    path(f"{PARTNER_CHAIN}/orders/<str:order_id>", partner_api.order, name="partner-api-order"),
    # The docs show a store's orders both with and without /orders.
    path(f"{PARTNER_CHAIN}/vendors/<str:vendor_id>/orders", partner_api.vendor_orders, name="partner-api-orders"),
    path(f"{PARTNER_CHAIN}/vendors/<str:vendor_id>", partner_api.vendor_orders, name="partner-api-vendor"),
    path(f"{PARTNER_API}/orders/<str:order_id>", partner_api.legacy_order, name="partner-api-legacy-order"),
    path(f"{PARTNER_API}/<path:rest>", partner_api.unknown_endpoint),
]

PARTNER_PAGE = "partner/chains/<uuid:chain_id>"
partner_control_patterns = [
    path("partner/chains/new/", partner_views.chain_create, name="partner-chain-create"),
    path(f"{PARTNER_PAGE}/", partner_views.chain_page, name="partner-chain"),
    path(f"{PARTNER_PAGE}/settings/<slug:part>/", partner_views.chain_settings, name="partner-chain-settings"),
    path(f"{PARTNER_PAGE}/tokens/", partner_views.token_issue, name="partner-token-issue"),
    path(f"{PARTNER_PAGE}/tokens/<int:pk>/revoke/", partner_views.token_revoke, name="partner-token-revoke"),
    path(f"{PARTNER_PAGE}/test-order/", partner_views.test_order, name="partner-test-order"),
    path(f"{PARTNER_PAGE}/generate/", partner_views.generate, name="partner-generate"),
    path(f"{PARTNER_PAGE}/deliver/", partner_views.deliver, name="partner-deliver"),
    path(
        f"{PARTNER_PAGE}/orders/<uuid:order_id>/<slug:action>/", partner_views.order_action, name="partner-order-action"
    ),
    path("partner/images/<str:sku>.svg", partner_views.product_image, name="partner-product-image"),
]

urlpatterns = (
    noths_api_patterns
    + nuorder_api_patterns
    + partner_api_patterns
    + control_patterns
    + nuorder_control_patterns
    + partner_control_patterns
)
