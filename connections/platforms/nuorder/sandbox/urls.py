"""The sandbox NuORDER, under /sandbox/nuorder/: two hosts as prefixes, wholesale (the brand host)
and retail (the buyer host), with the API (/api/...) under either; and its pages.

The names join the sandbox's namespace.
"""

from django.urls import path, register_converter

from . import api, views


class HostConverter:
    """The NuORDER host a path is on: wholesale (brand) or retail (buyer)."""

    regex = "wholesale|retail"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(HostConverter, "nuorder_host")

API = "<nuorder_host:app_type>/api"
urlpatterns = [
    path(f"{API}/initiate", api.initiate, name="nuorder-api-initiate"),
    path(f"{API}/token", api.token, name="nuorder-api-token"),
    path(f"{API}/orders/<str:status>/list", api.order_ids, name="nuorder-api-list"),
    path(f"{API}/orders/<str:status>/detail", api.order_details, name="nuorder-api-detail"),
    # The number/ paths first: "number" would otherwise be read as an order id.
    path(f"{API}/order/number/<str:number>", api.order_by_number, name="nuorder-api-number"),
    path(f"{API}/order/number/<str:number>/<str:status>", api.order_status, name="nuorder-api-number-status"),
    path(f"{API}/order/<str:order_id>", api.order, name="nuorder-api-order"),
    path(f"{API}/order/<str:order_id>/<str:status>", api.order_status, name="nuorder-api-status"),
    path(f"{API}/<path:rest>", api.unknown_endpoint),
    path("approve/", views.approve_page, name="nuorder-approve"),
    path("approve/<int:pk>/", views.approve, name="nuorder-approve-one"),
    path("approve/<int:pk>/issue/", views.approve_and_issue, name="nuorder-approve-issue"),
    path("apps/new/", views.app_create, name="nuorder-app-create"),
    path("apps/<str:consumer_key>/", views.app_page, name="nuorder-app"),
    path("apps/<str:consumer_key>/tokens/", views.issue_token, name="nuorder-issue-token"),
]
