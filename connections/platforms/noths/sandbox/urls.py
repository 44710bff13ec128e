"""The sandbox NOTHS, under /sandbox/noths/: its API at the real paths (api/v1/...), and its pages.

A connection whose host is http://host/sandbox/noths talks to it as to the real NOTHS.
The names join the sandbox's namespace.
"""

from django.urls import path

from . import api, views

urlpatterns = [
    path("api/v1/orders", api.order_list, name="noths-api-orders"),
    path("api/v1/orders/accept", api.bulk_accept, name="noths-api-bulk-accept"),
    path("api/v1/orders/decline", api.bulk_decline, name="noths-api-bulk-decline"),
    path("api/v1/orders/dispatch", api.bulk_dispatch, name="noths-api-bulk-dispatch"),
    path("api/v1/orders/dispatch_notes", api.bulk_dispatch_notes, name="noths-api-bulk-dispatch-notes"),
    path("api/v1/orders/<int:order_id>", api.order_detail, name="noths-api-order"),
    path("api/v1/orders/<int:order_id>/accept", api.order_accept, name="noths-api-accept"),
    path("api/v1/orders/<int:order_id>/decline", api.order_decline, name="noths-api-decline"),
    path("api/v1/orders/<int:order_id>/dispatch", api.order_dispatch, name="noths-api-dispatch"),
    path("api/v1/orders/<int:order_id>/dispatch_note", api.dispatch_note, name="noths-api-dispatch-note"),
    path("api/<path:rest>", api.unknown_endpoint),
    path("accounts/new/", views.account_create, name="noths-account-create"),
    path("<str:token>/orders/", views.noths_orders, name="noths-orders"),
    path("<str:token>/orders/<int:noths_id>/<slug:action>/", views.noths_order_action, name="noths-order-action"),
    path("images/<int:product_id>.svg", views.noths_product_image, name="noths-product-image"),
]
