"""The sandbox, mounted at /sandbox/ (only when SANDBOX_ENABLED).

Its own pages are the index and the accounts' fault switches; each platform's sandbox
is under /sandbox/<key>/ (its package's `sandbox.urls`, whose names join this namespace),
with its fake API at the paths the real one has, so a connection whose host is
http://host/sandbox/<key> talks to it exactly as to the real platform.
"""

from django.urls import include, path

from . import views
from .platforms import mounts

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/<int:pk>/faults/", views.account_faults, name="account-faults"),
    path("accounts/<int:pk>/generate/", views.account_generate, name="account-generate"),
    path("accounts/<int:pk>/touch/", views.account_touch, name="account-touch"),
    *(path(f"{prefix}/", include(module)) for prefix, module in mounts()),
]
