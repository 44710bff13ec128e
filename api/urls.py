from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import pages, views

app_name = "api"
urlpatterns = [
    path("api/v1/connections/", views.ConnectionListView.as_view(), name="connections"),
    path("api/v1/orders/", views.OrderListView.as_view(), name="orders"),
    # Any id, even one that is not a number: what matches no order is the API's JSON 404, not the site's page.
    re_path(r"^api/v1/orders/(?P<pk>[^/]+)/$", views.OrderDetailView.as_view(), name="order"),
    re_path(r"^api/v1/orders/(?P<pk>[^/]+)/shipments/$", views.ShipmentCreateView.as_view(), name="order_shipments"),
    path(
        "api/docs/",
        # Its start-up script is served as a file (?script), not inline: the page keeps to the CSP.
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", permission_classes=[AllowAny], template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("settings/api-tokens/", pages.tokens, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", pages.revoke, name="revoke"),
]
