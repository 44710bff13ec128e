"""The portal's URLs plus a trivial JSON view, for `bench/webhook.py` only (never in the app).

The trivial view is what serving any request costs here (gunicorn, WSGI, the portal's
middleware, URL resolution, a JSON response) without the webhook's own work. It is
exempt from CSRF as the webhook's DRF view is, and is sent the same POST.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.urls import urlpatterns as portal_urlpatterns

TRIVIAL_PATH = "bench/trivial/"


@csrf_exempt
@require_POST
def trivial(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path(TRIVIAL_PATH, trivial, name="bench_trivial"), *portal_urlpatterns]
