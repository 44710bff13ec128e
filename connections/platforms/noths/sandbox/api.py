"""The fake NOTHS seller API, v1: the production paths under /sandbox/noths/.

Point a NOTHS connection's base URL at http://host/sandbox/noths and the adapter
calls e.g. GET http://host/sandbox/noths/api/v1/orders?token=... Behaviour follows
platforms/noths.md; the rules themselves live in `noths_actions`.
"""

import json
from functools import wraps

from django.db import transaction
from django.db.models import F, Func, QuerySet, Subquery
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.answers import answer_for
from sandbox.faults import apply_faults, dated
from sandbox.models import SandboxAccount

from . import params
from .actions import (
    NothsError,
    accept,
    decline,
    dispatch,
    get_order,
    invalid,
    not_found,
    print_dispatch_notes,
)
from .models import SandboxNothsOrder


def error_response(error: NothsError) -> JsonResponse:
    """NOTHS's error body, `{"errors": [{"code", "title"}]}`, with the error's status."""
    return JsonResponse({"errors": [{"code": error.code, "title": error.title}]}, status=error.status)


def noths_endpoint(*methods: str, read: str = ""):
    """Wrap an API view: method check, token check, fault switches, errors as JSON.

    The view is called as `view(request, account, **kwargs)` and may raise `NothsError`.
    `read`: its name in `part.SANDBOX.reads`, whose answer switches may garble it.
    """

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def endpoint(request, **kwargs):
            if request.method not in methods:
                response = error_response(NothsError("METHOD_NOT_ALLOWED", f"Use {' or '.join(methods)}", 405))
                response["Allow"] = ", ".join(methods)
                return response
            token = request.GET.get("token", "")
            account = SandboxAccount.objects.filter(platform="noths", token=token).first() if token else None
            if account is None:
                return error_response(NothsError("UNAUTHORIZED", "Invalid or expired token", 401))
            return dated(account, answer(request, account, **kwargs))

        def answer(request, account, **kwargs):
            if fault := apply_faults(account):
                return fault
            try:
                response = view(request, account, **kwargs)
            except NothsError as exc:
                return error_response(exc)
            return answer_for(account, read, response) if read else response

        return endpoint

    return decorate


def done() -> JsonResponse:
    """A successful single action: 200 with an empty object (the spec defines no body)."""
    return JsonResponse({})


# -- reading -------------------------------------------------------------------------


@noths_endpoint("GET", read="orders")
def order_list(request, account):
    """GET api/v1/orders: `{"query": {"results", "total"}, "data": [Order...], "links": []}`.

    The page is built by joining the stored JSON documents; nothing is parsed here.
    """
    orders, ordering, offset, per_page = params.list_query(account, request.GET)
    total, documents = order_page(orders, ordering, offset, per_page)
    data = ",".join(documents)
    body = f'{{"query":{{"results":{len(documents)},"total":{total}}},"data":[{data}],"links":[]}}'
    return HttpResponse(body, content_type="application/json")


def order_page(orders: QuerySet, ordering: list, offset: int, per_page: int) -> tuple[int, list[str]]:
    """The total for the filter and one page of order documents.

    Both come from one SQL statement (the total is a scalar subquery), so they always
    agree, without holding a transaction open: under SQLite's IMMEDIATE mode that would
    block every writer, and PostgreSQL's READ COMMITTED gives each statement its own
    snapshot anyway. Only an empty page needs a separate count.
    """
    if per_page:
        # A bare COUNT() function, not Count(): Count() would add a GROUP BY to the subquery.
        total = Subquery(orders.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))
        # Pick the page's rows by id first: sorting and skipping `offset` rows then
        # handles small index entries, not whole documents (a deep page of a 50,000
        # order window would otherwise sort 50,000 documents).
        page_ids = orders.order_by(*ordering).values("pk")[offset : offset + per_page]
        rows = list(
            SandboxNothsOrder.objects.filter(pk__in=page_ids)
            .annotate(total=total)
            .order_by(*ordering)
            .values_list("total", "document")
        )
        if rows:
            return rows[0][0], [document for _, document in rows]
    return orders.count(), []


@noths_endpoint("GET", read="order")
def order_detail(request, account, order_id):
    """GET api/v1/orders/<id>: the bare Order object."""
    return HttpResponse(get_order(account, order_id).document, content_type="application/json")


@noths_endpoint("GET", read="dispatch note")
@transaction.atomic
def dispatch_note(request, account, order_id):
    """GET api/v1/orders/<id>/dispatch_note: a stub PDF; marks the note viewed (see print_dispatch_notes)."""
    force_type = request.GET.get("force_type", "")
    if force_type not in ("", "regular"):
        raise invalid("force_type must be regular")
    order = get_order(account, order_id, for_update=True)
    return pdf_response(print_dispatch_notes([order], force_regular=bool(force_type)), f"{order.number}.pdf")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# -- single actions (form-encoded) ------------------------------------------------------


@noths_endpoint("POST")
@transaction.atomic
def order_accept(request, account, order_id):
    order = get_order(account, order_id, for_update=True)
    accept(order, **params.accept_params(request.POST))
    return done()


@noths_endpoint("POST")
@transaction.atomic
def order_decline(request, account, order_id):
    order = get_order(account, order_id, for_update=True)
    params.decline_params(request.POST)
    decline(order)
    return done()


@noths_endpoint("POST")
@transaction.atomic
def order_dispatch(request, account, order_id):
    order = get_order(account, order_id, for_update=True)
    dispatch(order, **params.dispatch_params(request.POST))
    return done()


# -- bulk actions (JSON array bodies) -------------------------------------------------------


@noths_endpoint("POST")
def bulk_accept(request, account):
    return bulk_response(
        account, json_array(request), lambda order, entry: accept(order, **params.accept_params(entry))
    )


@noths_endpoint("POST")
def bulk_decline(request, account):
    def act(order, entry):
        params.decline_params(entry)
        decline(order)

    return bulk_response(account, json_array(request), act)


@noths_endpoint("POST")
def bulk_dispatch(request, account):
    ignore = params.flag("ignore_unresolved_enquiries", request.GET.get("ignore_unresolved_enquiries"))

    def act(order, entry):
        dispatch(order, **params.dispatch_params(entry, ignore_unresolved_default=ignore))

    return bulk_response(account, json_array(request), act)


@noths_endpoint("POST")
@transaction.atomic
def bulk_dispatch_notes(request, account):
    """POST api/v1/orders/dispatch_notes: one PDF for many orders; any unknown id is a 404."""
    ids = [entry.get("id") if isinstance(entry, dict) else None for entry in json_array(request)]
    orders = [get_order(account, order_id, for_update=True) for order_id in ids]
    if not orders:
        raise invalid("The body must list at least one order")
    return pdf_response(print_dispatch_notes(orders), "dispatch_notes.pdf")


def json_array(request) -> list:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    if not isinstance(body, list):
        raise invalid("The body must be a JSON array of orders")
    return body


def bulk_response(account, entries: list, act) -> JsonResponse:
    """Run `act(order, entry)` for each entry on its own; 200 all done, 207 some, 400 none.

    Each result is `{"id", "status", "errors"}`; an unknown order is a 404 entry.
    """
    results = []
    for entry in entries:
        order_id = entry.get("id") if isinstance(entry, dict) else None
        try:
            if not isinstance(entry, dict):
                raise invalid("Each entry must be an object with an id")
            with transaction.atomic():
                act(get_order(account, order_id, for_update=True), entry)
        except NothsError as exc:
            results.append({"id": order_id, "status": exc.status, "errors": [{"code": exc.code, "title": exc.title}]})
        else:
            results.append({"id": order_id, "status": 200, "errors": []})
    succeeded = sum(result["status"] == 200 for result in results)
    status = 200 if succeeded == len(results) else 207 if succeeded else 400
    return JsonResponse(results, status=status, safe=False)


@csrf_exempt
def unknown_endpoint(request, rest):
    """Anything else under api/ (a non-numeric order id, a path NOTHS lacks): a JSON 404."""
    return error_response(not_found())
