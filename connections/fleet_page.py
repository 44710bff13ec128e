"""The admin's Fleet health page: the fleet's charts (connections.fleet), for staff only.

Served under /admin/ through `admin.site.admin_view`, so it asks what every admin page asks
(staff, and the second factor where ADMIN_REQUIRE_2FA is on); the admin index links to it.
"""

from django.contrib import admin
from django.template.response import TemplateResponse

from portal.retention import last_prune_in_words

from . import fleet


def fleet_health(request):
    context = {
        **admin.site.each_context(request),
        "title": "Fleet health",
        "charts": fleet.fleet_charts(),
        "last_prune": last_prune_in_words(),
    }
    return TemplateResponse(request, "admin/fleet_health.html", context)


view = admin.site.admin_view(fleet_health)
