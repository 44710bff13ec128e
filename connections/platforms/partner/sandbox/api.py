"""The fake Partner API (foodpanda / Delivery Hero shops): /sandbox/partner/v2/...

Point a Partner API connection's host at http://host/sandbox/partner and the adapter calls
e.g. GET .../v2/chains/{chain_id}/vendors/{vendor_id}/orders. The paths, parameters and
rules are partner_api.md §2; where the notes are unsure, both readings are served (the
store's orders with and without /orders, a JSON or Basic token request, GET /v2/orders/{id}).

Every call: method check (405), the caller (`partner_auth`: 401), the chain's rate limit
(429 with Retry-After), the account's fault switches, then the chain in the path (403 for
another chain's), then the work. Errors are {"error": ..., "message": ...}, except the
injected plain-text 500 and malformed JSON.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.answers import answer_for
from sandbox.faults import apply_faults, dated

from . import auth as partner_auth
from . import ratelimit as partner_ratelimit
from .models import SandboxPartnerChain
from .orders import RETENTION, PartnerError, apply_update, get_order

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
MAX_PAGE = 1_000_000
WINDOW_SLACK = timedelta(minutes=1)
TIME_FORMAT = "YYYY-MM-DDTHH:MM:SS (UTC)"
TIME_PATTERN = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,6})?Z?")


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def oauth_error(status: int, code: str, message: str) -> JsonResponse:
    """The token endpoint's errors: RFC 6749's error_description too, for OAuth client libraries."""
    return JsonResponse({"error": code, "error_description": message, "message": message}, status=status)


def json_body(text: str, status: int = 200) -> HttpResponse:
    """A ready-made JSON text (stored documents are served without parsing them)."""
    return HttpResponse(text, status=status, content_type="application/json")


def too_many_requests(retry_after: int, message: str) -> JsonResponse:
    response = error(429, "rate_limited", message)
    response["Retry-After"] = str(retry_after)
    return response


def gate(chain: SandboxPartnerChain) -> HttpResponse | None:
    """The rate limit, then the account's fault switches: the answer that stops this call, or None."""
    if wait := partner_ratelimit.admit(chain):
        limit = chain.rate_limit_per_minute
        return too_many_requests(wait, f"Too many requests: at most {limit} a minute; retry in {wait} s")
    fault = apply_faults(chain.account)
    if fault is not None and fault.status_code == 429:
        return too_many_requests(int(fault["Retry-After"]), "Too many requests; slow down")
    return fault


def partner_endpoint(*methods: str, read: str = ""):
    """Wrap an API view, called as `view(request, chain, **kwargs)`; it may raise PartnerError.
    `read`: the name of its GET in `part.SANDBOX.reads`, whose answer switches may garble it."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, **kwargs):
            if request.method not in methods:
                response = error(405, "method_not_allowed", f"Use {' or '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                chain = partner_auth.chain_for_bearer(request.headers.get("Authorization"))
            except partner_auth.AuthFailed as exc:
                return error(exc.status, exc.error, exc.message)
            if stop := gate(chain):
                return dated(chain.account, stop)
            return dated(chain.account, answer(request, chain, **kwargs))

        def answer(request, chain, **kwargs):
            path_chain = kwargs.pop("chain_id", None)
            if path_chain is not None and path_chain.lower() != str(chain.chain_id):
                return error(403, "forbidden", f"The token is not valid for chain {path_chain}")
            try:
                response = view(request, chain, **kwargs)
            except PartnerError as exc:
                return error(exc.status, exc.error, exc.message)
            return answer_for(chain.account, read, response) if read and request.method == "GET" else response

        return endpoint

    return decorate


# -- tokens (the newer model) --------------------------------------------------------------------------------


@csrf_exempt
def token(request):
    """POST /v2/oauth/token (client credentials): a bearer token valid for the chain's lifetime (2 h)."""
    if request.method != "POST":
        response = error(405, "method_not_allowed", "Use POST")
        response["Allow"] = "POST"
        return response
    params = partner_auth.token_request(request)
    grant = params.get("grant_type", "")
    if not grant:
        return oauth_error(400, "invalid_request", "grant_type is required: send grant_type=client_credentials")
    if grant != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", f"Only client_credentials is supported, not {grant!r}")
    try:
        chain = partner_auth.chain_for_client(params.get("client_id", ""), params.get("client_secret", ""))
    except partner_auth.AuthFailed as exc:
        return oauth_error(exc.status, exc.error, exc.message)
    if stop := gate(chain):
        return dated(chain.account, stop)
    issued = partner_auth.issue_access_token(chain)
    return dated(
        chain.account,
        JsonResponse({"access_token": issued.token, "token_type": "Bearer", "expires_in": chain.access_token_seconds}),
    )


# -- orders --------------------------------------------------------------------------------------------------


@partner_endpoint("GET", "PUT", read="order")
def order(request, chain, order_id):
    """GET the order; PUT (Partner Picking only) to update its cart, fulfil or cancel it."""
    if request.method == "GET":
        return json_body(get_order(chain, order_id).document)
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise PartnerError(400, "The body must be JSON") from None
    with transaction.atomic():
        found = get_order(chain, order_id, for_update=True)
        apply_update(found, body)
    return json_body(found.document)


@partner_endpoint("GET", read="order")
def legacy_order(request, chain, order_id):
    """GET /v2/orders/{order_id}: one page version shows the path without the chain."""
    return json_body(get_order(chain, order_id).document)


@partner_endpoint("GET", read="store orders")
def vendor_orders(request, chain, vendor_id):
    """A store's orders created in [start_time, end_time], oldest first, a page at a time."""
    vendor = chain.vendors.filter(vendor_id=vendor_id).first()
    if vendor is None:
        raise PartnerError(404, f"Vendor {vendor_id} not found in this chain")
    start, end = read_window(request.GET, chain.account.now())  # the platform's 60 days, by its clock
    page_size = read_number(request.GET, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    page = read_number(request.GET, "page", 1, MAX_PAGE)
    orders = vendor.orders.filter(created_at__gte=start, created_at__lte=end)
    total = orders.count()
    offset = (page - 1) * page_size
    ordered = orders.order_by("created_at", "order_id").values_list("document", flat=True)
    documents = ordered[offset : offset + page_size]
    envelope = {"page": page, "page_size": page_size, "total_pages": -(-total // page_size), "total_count": total}
    return json_body('{"orders":[' + ",".join(documents) + "]," + json.dumps(envelope)[1:])


def read_window(params, now: datetime) -> tuple[datetime, datetime]:
    """start_time and end_time: both needed, in order, at most 60 days apart, from the last 60 days."""
    if not params.get("start_time") or not params.get("end_time"):
        raise PartnerError(400, f"start_time and end_time are required, as {TIME_FORMAT}")
    start, end = read_time(params, "start_time"), read_time(params, "end_time")
    if end < start:
        raise PartnerError(400, "end_time is before start_time")
    if end - start > RETENTION:
        raise PartnerError(400, "The time range is longer than 60 days")
    if start < now - RETENTION - WINDOW_SLACK:
        raise PartnerError(400, "start_time is more than 60 days ago: orders are kept for 60 days")
    return start, end


def read_time(params, name: str) -> datetime:
    match = TIME_PATTERN.fullmatch(params[name].strip())
    if not match:
        raise PartnerError(400, f"{name} must be {TIME_FORMAT}, not {params[name]!r}")
    try:
        moment = datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise PartnerError(400, f"{name} is not a real date and time: {params[name]!r}") from None
    return moment + timedelta(microseconds=int(((match[2] or ".")[1:] + "000000")[:6]))


def read_number(params, name: str, default: int, highest: int) -> int:
    value = params.get(name, "")
    if value == "":
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= highest:
        raise PartnerError(400, f"{name} must be a whole number from 1 to {highest}, not {value!r}")
    return int(value)


@csrf_exempt
def unknown_endpoint(request, rest):
    """Any other path under v2/: a JSON 404."""
    return error(404, "not_found", f"No such endpoint: /v2/{rest}")
