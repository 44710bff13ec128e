"""The portal's URLs plus two bench-only views, for `bench/webhook.py` only (never in the app).

The trivial view is what serving any request costs here (gunicorn, WSGI, the portal's
middleware, URL resolution, a JSON response) without the webhook's own work. The bare view
is the physical limit of a webhook that stores what it is sent: it reads the raw body,
INSERTs it durably (one autocommit statement into `BARE_TABLE`, made by the benchmark) and
answers 202, with no authentication, parsing, dedupe or drain. Both are exempt from CSRF as
the webhook is, and are sent the same POSTs.
"""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.urls import urlpatterns as portal_urlpatterns

TRIVIAL_PATH = "bench/trivial/"
BARE_PATH = "bench/bare/"
BARE_TABLE = "bench_bare_event"


@csrf_exempt
@require_POST
def trivial(request):
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_POST
def bare(request):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (body) VALUES (%s)", [request.body.decode()])  # noqa: S608
    return JsonResponse({"status": "accepted"}, status=202)


def create_bare_table(db) -> None:
    """The bare view's table: an id and the body, nothing else."""
    key = "bigserial PRIMARY KEY" if db.vendor == "postgresql" else "integer PRIMARY KEY AUTOINCREMENT"
    with db.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BARE_TABLE} (id {key}, body text NOT NULL)")


urlpatterns = [
    path(TRIVIAL_PATH, trivial, name="bench_trivial"),
    path(BARE_PATH, bare, name="bench_bare"),
    *portal_urlpatterns,
]
