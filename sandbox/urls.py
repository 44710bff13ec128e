"""The sandbox, mounted at /sandbox/ (only when SANDBOX_ENABLED).

noths/api/v1/... mirrors the production NOTHS paths, so a connection whose base URL is
http://host/sandbox/noths talks to the fake NOTHS exactly as it would to the real one.
"""

from django.urls import path

from . import noths_api, views

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

urlpatterns = noths_api_patterns + control_patterns
