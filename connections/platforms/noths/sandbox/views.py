"""The sandbox NOTHS's pages: its accounts' orders, and what the platform does to them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sandbox.models import SandboxAccount
from sandbox.pages import form_errors, go_back, tile_image

from . import actions as noths_actions
from . import data as noths_data
from .forms import AccountForm, EnquiryForm
from .models import NOTHS_STATES

ORDERS_PER_PAGE = 50


@require_POST
def account_create(request):
    form = AccountForm(request.POST)
    if form.is_valid():
        account = form.save()
        messages.success(request, f"Created {account} with token {account.token}.")
    else:
        form_errors(request, form)
    return redirect("sandbox:index")


def noths_orders(request, token):
    account = get_object_or_404(SandboxAccount, platform="noths", token=token)
    orders = account.noths_orders.defer("document").order_by("-placed_at", "-noths_id")
    state = request.GET.get("state", "")
    if state in NOTHS_STATES:
        orders = orders.filter(state=state)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "noths_sandbox/orders.html",
        {
            "account": account,
            "page": page,
            "state": state,
            "states": NOTHS_STATES,
            "enquiry_form": EnquiryForm(auto_id=False),
        },
    )


@require_POST
def noths_order_action(request, token, noths_id, action):
    """The buttons on one order: print-note, open-enquiry, resolve-enquiry."""
    account = get_object_or_404(SandboxAccount, platform="noths", token=token)
    try:
        order = noths_actions.get_order(account, noths_id)
        if action == "print-note":
            noths_actions.print_dispatch_notes([order])
            done = "dispatch note printed."
        elif action == "open-enquiry":
            form = EnquiryForm(request.POST)
            message = form.cleaned_data["message"] if form.is_valid() else form.fields["message"].initial
            noths_actions.open_enquiry(order, message)
            done = "the customer opened an enquiry."
        elif action == "resolve-enquiry":
            noths_actions.resolve_enquiry(order)
            done = "enquiry resolved."
        else:
            raise Http404("No such action")
    except noths_actions.NothsError as exc:
        messages.error(request, f"{exc.title} ({exc.code}).")
    else:
        messages.success(request, f"{order.number}: {done}")
    return go_back(request, "sandbox:noths-orders", token=token)


def noths_product_image(request, product_id):
    """A placeholder product picture (an SVG tile with the product's initials)."""
    return tile_image(noths_data.product_title(product_id), str(product_id))
