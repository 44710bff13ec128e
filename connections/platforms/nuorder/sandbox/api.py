"""The fake NuORDER API: /sandbox/nuorder/wholesale/api/... and /sandbox/nuorder/retail/api/...

Two hosts as path prefixes: `wholesale` (the brand host, wholesale.nuorder.com /
next.nuorder.com) and `retail` (the buyer host, buyer.nuorder.com). An application
works only on the host of its Application Type; elsewhere its consumer key is unknown.
Point a NuORDER connection's base URL at http://host/sandbox/nuorder/wholesale (or
/retail) and the adapter calls e.g. GET .../api/orders/approved/detail.

Every call: method check, OAuth 1.0a (nuorder_auth: 401 on any failure), then the
account's fault switches, then (writes only) the Retail refusal (403), then the work.
Errors are `{"code": <status>, "message": "..."}`, except the injected plain-text 500.
"""

from __future__ import annotations

import hmac
import json
from functools import wraps

from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.answers import answer_for
from sandbox.faults import apply_faults, dated
from sandbox.models import SandboxAccount

from . import data as nuorder_data
from .auth import API, INITIATE, TOKEN, OAuthError, authenticate
from .models import NUORDER_RETAIL, NUORDER_STATUSES, SandboxNuorderPending
from .orders import NuorderError, get_order, set_status, status_from_path, update_order, with_payments

WRITE_METHODS = ("POST", "PUT")
RETAIL_READ_ONLY = "Retail (buyer) applications may not change orders; the brand controls order status"
# Cut off mid-order: what a proxy or a crashed worker leaves behind.
MALFORMED_BODY = '[{"_id":"65aa00000000000000000001","order_number":"1000'


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "message": message}, status=status)


def json_body(text: str, status: int = 200) -> HttpResponse:
    """A ready-made JSON text (stored documents are served without parsing them)."""
    return HttpResponse(text, status=status, content_type="application/json")


def nuorder_faults(account: SandboxAccount, request) -> HttpResponse | None:
    """The shared fault switches, with NuORDER-shaped bodies, plus the empty body for reads."""
    fault = apply_faults(account)
    if fault is None:
        if request.method == "GET" and account.take_fault("fault_empty_body"):
            return HttpResponse(b"", content_type="application/json")
        return None
    if fault.status_code == 429:
        response = error(429, "Too many requests; slow down")
        response["Retry-After"] = fault["Retry-After"]
        return response
    if fault.status_code == 200:  # the malformed-JSON switch
        return json_body(MALFORMED_BODY)
    return fault  # the plain-text 500, as is


def nuorder_endpoint(*methods: str, stage: str = API, read: str = ""):
    """Wrap an API view, called as `view(request, caller, **kwargs)`; it may raise NuorderError.
    `read`: the name of its GET in `part.READS`, which the account's answer switches may garble."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, app_type, **kwargs):
            if request.method not in methods:
                response = error(405, f"use {' or '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                # OAuth timestamps are checked against the real time: the account's clock is its orders'.
                caller = authenticate(request, app_type, stage)
            except OAuthError as exc:
                return error(401, exc.message)
            return dated(caller.account, answer(request, caller, **kwargs))

        def answer(request, caller, **kwargs):
            if fault := nuorder_faults(caller.account, request):
                return fault
            if request.method in WRITE_METHODS and stage == API and caller.app.application_type == NUORDER_RETAIL:
                return error(403, RETAIL_READ_ONLY)
            try:
                response = view(request, caller, **kwargs)
            except NuorderError as exc:
                return error(exc.status, exc.message)
            return answer_for(caller.account, read, response) if read and request.method == "GET" else response

        return endpoint

    return decorate


# -- the handshake (§2.2) ------------------------------------------------------------------------------


@nuorder_endpoint("GET", "POST", stage=INITIATE, read="initiate")
def initiate(request, caller):
    """GET /api/initiate: a pending application named `application_name`, and a temporary token.

    `application_name` is read from the Authorization header (unsigned, as NuORDER's own
    sample sends it) or, for clients that cannot put it there, from the query string.
    """
    name = (caller.params.get("application_name") or request.GET.get("application_name", "")).strip()
    if not name:
        raise NuorderError(400, "application_name is required")
    pending = nuorder_data.start_pending(caller.app, name[:200], caller.params.get("oauth_callback") or "oob")
    return JsonResponse(
        {
            "oauth_token": pending.request_token,
            "oauth_token_secret": pending.request_token_secret,
            "oauth_callback_confirmed": True,
        }
    )


@nuorder_endpoint("GET", "POST", stage=TOKEN, read="token")
@transaction.atomic
def token(request, caller):
    """GET /api/token with the temporary token and `oauth_verifier`: the final token and secret."""
    pending = SandboxNuorderPending.objects.select_for_update().get(pk=caller.pending.pk)
    if pending.exchanged_at:
        raise NuorderError(401, "This request token has already been exchanged; start again with /api/initiate")
    if not pending.approved_at:
        raise NuorderError(401, f"The application {pending.application_name!r} has not been approved yet")
    verifier = caller.params.get("oauth_verifier", "")
    if not verifier:
        raise NuorderError(401, "oauth_verifier is missing: send the verification code shown on approval")
    if not hmac.compare_digest(verifier.encode(), pending.verifier.encode()):
        raise NuorderError(401, "Invalid oauth_verifier: it does not match the verification code")
    issued = nuorder_data.exchange_pending(pending)
    return JsonResponse({"oauth_token": issued.token, "oauth_token_secret": issued.token_secret})


# -- reading orders (§3) ----------------------------------------------------------------------------------


def _wants_payments(request) -> bool:
    return any("__payments" in value.split(",") for value in request.GET.getlist("__populate"))


def _order_body(request, document: str) -> HttpResponse:
    return json_body(with_payments(document) if _wants_payments(request) else document)


def _bucket(caller, status: str):
    return caller.account.nuorder_orders.filter(status=status).order_by("sequence", "pk")


@nuorder_endpoint("GET", read="order ids")
def order_ids(request, caller, status):
    """GET /api/orders/{status}/list: the bucket's `_id`s; an unknown status is an empty bucket."""
    if status not in NUORDER_STATUSES:
        return json_body("[]")
    return JsonResponse(list(_bucket(caller, status).values_list("nuorder_id", flat=True)), safe=False)


@nuorder_endpoint("GET", read="orders")
def order_details(request, caller, status):
    """GET /api/orders/{status}/detail: the whole bucket of full orders, no paging (none exists)."""
    if status not in NUORDER_STATUSES:
        return json_body("[]")
    documents = _bucket(caller, status).values_list("document", flat=True).iterator(chunk_size=2000)
    if _wants_payments(request):
        documents = (with_payments(document) for document in documents)
    return json_body("[" + ",".join(documents) + "]")


@nuorder_endpoint("GET", "POST", read="order")
def order(request, caller, order_id):
    """GET /api/order/{id}: one order. POST with a partial order JSON: update it (shipments...)."""
    if request.method == "GET":
        return _order_body(request, get_order(caller.account, order_id=order_id).document)
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise NuorderError(400, "the body must be JSON") from None
    with transaction.atomic():
        found = get_order(caller.account, order_id=order_id, for_update=True)
        update_order(found, body)
    return json_body(found.document)


@nuorder_endpoint("GET")
def order_by_number(request, caller, number):
    """GET /api/order/number/{order_number}: one order."""
    return _order_body(request, get_order(caller.account, number=number).document)


@nuorder_endpoint(*WRITE_METHODS)
def order_status(request, caller, status, order_id=None, number=None):
    """POST|PUT /api/order/{id}/{status} (or number/{n}/{status}, or the verbs process/cancel).

    200 with the updated order; 304 with an empty body when it already has that status.
    """
    new_status = status_from_path(status)
    with transaction.atomic():
        found = get_order(caller.account, order_id=order_id, number=number, for_update=True)
        changed = set_status(found, new_status)
    if not changed:
        return HttpResponseNotModified()
    return json_body(found.document)


@csrf_exempt
def unknown_endpoint(request, app_type, rest):
    """Any other path under api/: a JSON 404."""
    return error(404, "not found")
