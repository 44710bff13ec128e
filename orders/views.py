"""Merchant pages for orders: the list, one order, and what can be done to it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from connections.context import platform_context
from connections.health import record_platform_failure
from connections.platforms.errors import PlatformFailure
from portal.access import merchant_required
from portal.counting import COUNT_CAP, Count, count_up_to

from . import actions, export, paging
from .forms import DispatchForm, OrderFilterForm
from .models import Order, OutboundAction
from .next_step import Step, acceptance_step, awaits_acceptance, next_step

# What a row of the list shows (and its state badge needs): never the platform's raw document.
LIST_FIELDS = (
    "id",
    "number",
    "placed_at",
    "customer_name",
    "platform_status",
    "total",
    "currency",
    "connection",
    "connection__platform",
    "connection__name",
)
# The merchant's count, by state or not, is read from an index alone, up to "10,000+"; one
# connection's reads each order's row, so it stops sooner, at "1,000+". A search is not counted
# beyond its page: a common word's matches among 400,000 orders cost more than the page.
CONNECTION_COUNT_CAP = 1_000


def _orders(request):
    return Order.objects.of_merchant(request.merchant)


def _order(request, pk) -> Order:
    return get_object_or_404(_orders(request).select_related("connection"), pk=pk)


@merchant_required
@require_GET
def order_list(request):
    """The merchant's orders, newest first, in keyset pages (`orders/paging.py`), with a capped count."""
    form = OrderFilterForm(request.merchant, request.GET or None)
    codes = form.status_codes if form.searching else None
    # A search within a state of several codes reads one code at a time (orders/paging.py, `_merged_ids`), each
    # then the state's whole condition: the state's IN beside it would have PostgreSQL count the code twice and
    # guess its matches several times too few ("customer1" within Accepted, on a million orders: its read of
    # every match then sorted all 27,778 of them, 24 ms, where the walk it now chooses takes 6).
    stated = codes is None
    orders = form.apply(_orders(request), status=stated).select_related("connection").only(*LIST_FIELDS)
    searching = {"search": form.text_search(_orders(request), status=stated), "codes": codes} if form.searching else {}
    page = paging.page(orders, request.GET, ids_first=form.searching, **searching)
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    links = {}
    for name, param, value in (
        ("newest", None, not page.at_newest),
        ("newer", "before", page.newer),
        ("older", "after", page.older),
        ("oldest", "before", not page.at_oldest and paging.END),
    ):
        if value:
            here = query.copy()
            if param:
                here[param] = value
            links[name] = f"?{here.urlencode()}" if here else "?"
    if page.at_newest and page.at_oldest:  # one page holds them all: no need to count
        count = Count(len(page.object_list))
    elif form.searching:
        count = Count(paging.PAGE_SIZE, capped=True)
    else:
        count = count_up_to(orders, CONNECTION_COUNT_CAP if form.narrow else COUNT_CAP)
    context = {"form": form, "page": page, "count": count, "links": links, "query": query.urlencode()}
    return render(request, "orders/list.html", context)


@merchant_required
@require_GET
def order_export(request):
    """The list's orders, with the list's filters, as CSV, streamed."""
    form = OrderFilterForm(request.merchant, request.GET or None)
    orders = form.apply(_orders(request)).order_by(*paging.NEWEST_FIRST)
    response = StreamingHttpResponse(export.rows(orders, request.merchant), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@merchant_required
@require_GET
def order_detail(request, pk):
    order = _order(request, pk)
    return _render_detail(request, order)


def _dispatch_form(order: Order, data=None, initial=None) -> DispatchForm:
    return DispatchForm.for_order(order, data, initial=initial)


def _update_form(order: Order, data=None):
    """The platform's order-update form for this order (its `OrderUpdates` part makes it)."""
    return order.connection.adapter.order_updates.form(order.items.all(), order.flags, data)


def _not_now(order: Order) -> str:
    """Why the page takes no dispatch of the order now ('' when it does): it awaits acceptance."""
    if awaits_acceptance(order):
        return f"Order {order.number} awaits acceptance: {order.connection.adapter.acceptance.button} first."
    return ""


def _details(shipment) -> dict:
    """A recorded dispatch's details, to fill the form in again (the form's fields are the shipment's)."""
    return {name: getattr(shipment, name) for name in DispatchForm.base_fields}


def _render_detail(
    request,
    order: Order,
    dispatch_form: DispatchForm | None = None,
    status: int = 200,
    update_form=None,
):
    adapter = order.connection.adapter
    # The latest dispatch, acceptance and update only; the earlier ones are in the timeline.
    shipment = order.shipments.select_related("action").first()
    actions_list = list(order.actions.all())
    accept = next((a for a in actions_list if a.kind == OutboundAction.Kind.ACCEPT), None)
    updates = [a for a in actions_list if a.kind == OutboundAction.Kind.UPDATE][:1]
    step = next_step(order, accept, shipment)
    if dispatch_form is None:
        # A dispatch the platform refused comes back filled in, ready to correct and send again.
        dispatch_form = _dispatch_form(order, initial=_details(shipment) if step == Step.CORRECT else None)
    # The platform takes order updates: the order is fulfilled by them, not by "Mark dispatched".
    takes_updates = adapter.order_updates is not None
    update_refusal = actions.update_refusal(order) if takes_updates else ""
    context = {
        "order": order,
        "adapter": adapter,
        "items": order.items.all(),
        "events": order.events.select_related("actor")[:100],
        "step": step,
        "shipment": shipment,
        "accept_action": accept,
        # Where the platform dispatches only accepted orders, this is the step itself; elsewhere, beside it.
        "accepting": acceptance_step(order, accept),
        # While the worker is sending something, the page reloads itself to show the outcome.
        "busy": any(a.state in (OutboundAction.State.QUEUED, OutboundAction.State.RUNNING) for a in actions_list),
        "dispatch_form": dispatch_form,
        "show_dispatch": shipment is not None or (not takes_updates and step in (Step.DISPATCH, Step.NONE)),
        "takes_updates": takes_updates,
        "update_refusal": update_refusal,
        "update_form": _update_form(order) if update_form is None and takes_updates else update_form,
        "update_actions": updates,
        # An update that gave up is sent again as it was; one the platform refused is corrected in the form.
        "update_retry": bool(updates) and updates[0].state == OutboundAction.State.FAILED and not update_refusal,
        "show_raw": request.user.is_staff,
    }
    return render(request, "orders/detail.html", context, status=status)


@merchant_required
@require_POST
def accept(request, pk):
    order = _order(request, pk)
    try:
        action, created = actions.queue_accept(order, request.user)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.info(request, f"Accepting order {order.number} on {order.connection.adapter.short_name}.")
        else:
            messages.info(request, f"Order {order.number} is already being accepted ({action.get_state_display()}).")
    return redirect("orders:detail", pk=pk)


@merchant_required
@require_POST
def dispatch(request, pk):
    order = _order(request, pk)
    refusal = actions.dispatch_refusal(order) or _not_now(order)
    if refusal:
        messages.error(request, refusal)
        return _render_detail(request, order, status=400)
    form = _dispatch_form(order, request.POST)
    if not form.is_valid():
        return _render_detail(request, order, form, status=400)
    try:
        actions.record_shipment(order, request.user, **form.cleaned_data)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
        return _render_detail(request, order, form, status=400)
    messages.success(request, f"Dispatch of order {order.number} recorded.")
    return redirect("orders:detail", pk=pk)


@merchant_required
@require_POST
def update(request, pk):
    """Send the update the platform's order-update form made (item marks, a fulfilment, a cancellation)."""
    order = _order(request, pk)
    refusal = actions.update_refusal(order)
    if refusal:  # before the form: its errors would not be shown
        messages.error(request, refusal)
        return _render_detail(request, order, status=400)
    form = _update_form(order, request.POST)
    if not form.is_valid():
        return _render_detail(request, order, update_form=form, status=400)
    payload = form.payload()
    try:
        action, created = actions.queue_update(order, payload, request.user)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
        return _render_detail(request, order, update_form=form, status=400)
    platform = order.connection.adapter.short_name
    if created:
        label = order.connection.adapter.order_updates.label(payload)
        messages.info(request, f"“{label}” for order {order.number} is being sent to {platform}.")
    else:
        messages.info(
            request,
            f"An update of order {order.number} is already being sent to {platform} ({action.get_state_display()}); "
            "wait for it to finish.",
        )
    return redirect("orders:detail", pk=pk)


@merchant_required
@require_POST
def retry(request, pk, action_id):
    order = _order(request, pk)
    action = get_object_or_404(order.actions, pk=action_id)
    try:
        actions.retry_action(action, request.user)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, f"{action.get_kind_display()} for order {order.number} sent again.")
    return redirect("orders:detail", pk=pk)


@merchant_required
@require_GET
def dispatch_note(request, pk):
    """Download the platform's dispatch note (some platforms dispatch an order only once it is viewed)."""
    order = _order(request, pk)
    connection = order.connection
    adapter = connection.adapter
    notes = adapter.dispatch_notes
    if notes is None:
        messages.error(request, f"{adapter.short_name} has no dispatch notes.")
        return redirect("orders:detail", pk=pk)
    try:
        pdf = notes.fetch(platform_context(connection, inline=True), order.external_id)
    except PlatformFailure as exc:
        record_platform_failure(connection, exc)
        messages.error(request, f"Could not download the dispatch note. {exc.message} {adapter.explain(exc)}")
        return redirect("orders:detail", pk=pk)
    if notes.flags_after:
        Order.objects.filter(pk=order.pk).update(flags={**order.flags, **notes.flags_after})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dispatch-note-{order.number}.pdf"'
    return response
