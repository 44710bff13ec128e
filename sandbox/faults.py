"""The fault switches every fake API endpoint applies before it does any work.

They let tests and the demo see how the portal copes with a slow, throttling, broken
or garbling platform. The bodies are generic on purpose: a real platform's error
pages rarely follow its own API's error format.
"""

import time

from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date

from .models import SandboxAccount

# Cut off mid-key: what a proxy or a crashed worker leaves behind.
MALFORMED_BODY = '{"query": {"results": 3, "tot'


def apply_faults(account: SandboxAccount) -> HttpResponse | None:
    """The fault answer this request gets, or None to serve it normally.

    Order: delay first (it applies to every answer, faulty or not), then 429, 500 and
    malformed JSON. A fault only uses up one of its N when it actually fires.
    """
    if account.slow_ms > 0:
        time.sleep(account.slow_ms / 1000)
    if account.take_fault("fault_rate_limit"):
        response = JsonResponse(
            {"errors": [{"code": "RATE_LIMITED", "title": "Too many requests; slow down"}]}, status=429
        )
        response["Retry-After"] = str(account.retry_after_seconds)
        return response
    if account.take_fault("fault_server_error"):
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain; charset=utf-8")
    if account.take_fault("fault_malformed_json"):
        return HttpResponse(MALFORMED_BODY, status=200, content_type="application/json")
    return None


def dated(account: SandboxAccount, response: HttpResponse) -> HttpResponse:
    """The answer with the Date of the account's clock, as a platform's server stamps its answers
    with its own time (the server adds the real time only where the answer has none)."""
    response["Date"] = http_date(account.now().timestamp())
    return response
