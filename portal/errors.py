"""Errors under /api/ and /webhooks/ are answered in JSON (`{"detail": "..."}`), never with an HTML page.

A failure meets one of two places, and both answer through `json_error`:

* what a DRF view raises goes to DRF's EXCEPTION_HANDLER, `api_exception_handler`: DRF's own
  answers (validation, 401, 403, 404, 429) as they were, anything else 503 or 500;
* what fails outside a view (the session or sign-in middleware reading a database that is down,
  a URL that matches nothing) goes to Django's error handlers, set in portal/urls.py: under those
  prefixes JSON, elsewhere the portal's own pages (templates/404.html, 500.html, ...).

A database error is 503 (try again), anything else 500; the answer never carries the exception's
words or a traceback, which go to the log (scrubbed of secrets there). With DEBUG on, Django shows
its debug page for a failure outside a view, before any handler is asked.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError
from django.http import JsonResponse
from django.utils.log import log_response
from django.views import defaults
from rest_framework.views import exception_handler, set_rollback

# Where machines call: the merchant REST API (and its docs) and the platforms' webhooks.
MACHINE_PREFIXES = ("/api/", "/webhooks/")

DATABASE_UNAVAILABLE = "The portal cannot use its database just now. Nothing was changed; try again in a minute."
SERVER_ERROR = "Something went wrong on our side. It has been logged; try again later."


def for_machines(request) -> bool:
    return request.path_info.startswith(MACHINE_PREFIXES)


def json_error(exc: BaseException | None) -> JsonResponse:
    """503 for a database error (the database is down or refused, so trying again may work), else 500."""
    if isinstance(exc, DatabaseError):
        return JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    return JsonResponse({"detail": SERVER_ERROR}, status=500)


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: DRF's answers, and JSON for what DRF would have left to Django's HTML 500."""
    response = exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    response = json_error(exc)
    request = context["request"]
    # Logged as Django logs an uncaught exception (django.request, with the traceback).
    log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request, exception=exc)
    return response


def _json_for_machines(status: int, detail: str, page):
    """Django's error handler `page`, answering `detail` in JSON under the machines' prefixes."""

    def handler(request, exception):
        if for_machines(request):
            return JsonResponse({"detail": detail}, status=status)
        return page(request, exception)

    return handler


bad_request = _json_for_machines(400, "Bad request.", defaults.bad_request)
permission_denied = _json_for_machines(
    403, "You do not have permission to perform this action.", defaults.permission_denied
)
page_not_found = _json_for_machines(404, "Not found.", defaults.page_not_found)


def server_error(request):
    """Django's handler500, called while the uncaught exception is being handled (so sys.exc_info() has it)."""
    if for_machines(request):
        return json_error(sys.exc_info()[1])
    return defaults.server_error(request)
