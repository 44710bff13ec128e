from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from connections import fleet_page
from connections.webhook_api import WebhookView

from . import views
from .healthz import healthz

urlpatterns = [
    # First: the one URL machines call at volume is matched before the pages' patterns are tried.
    path("webhooks/<slug:platform>/<uuid:webhook_id>/", WebhookView.as_view(), name="webhook"),
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("signin/", auth_views.LoginView.as_view(template_name="portal/signin.html"), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),  # a member's own account (accounts/urls.py)
    path("admin/fleet-health/", fleet_page.view, name="fleet_health"),  # before the admin's own patterns
    path("admin/", admin.site.urls),
    path("", include("connections.urls")),
    path("orders/", include("orders.urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    path("", include("api.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Under /api/ and /webhooks/ these answer JSON; elsewhere the portal's own pages (portal/errors.py).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
