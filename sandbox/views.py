"""The sandbox control pages: accounts, fault switches, fake data and order tweaks.

A dev tool, so no login; the POST forms are CSRF-protected like any other page. Only
the fake API endpoints (noths_api, nuorder_api) apply the fault switches, never these
pages. NuORDER's own pages (approval, application) are in nuorder_views.
"""

import zlib
from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import noths_actions, noths_data, nuorder_data, partner_data
from .forms import (
    AccountForm,
    EnquiryForm,
    FaultForm,
    GenerateForm,
    NuorderAppForm,
    NuorderFaultForm,
    NuorderGenerateForm,
    NuorderTouchForm,
    TouchForm,
)
from .models import (
    NOTHS_STATES,
    NUORDER_STATUSES,
    PARTNER_STATUSES,
    SandboxAccount,
    SandboxNothsOrder,
    SandboxNuorderOrder,
    SandboxPartnerOrder,
)
from .partner_forms import PartnerChainForm

# What generates and touches NOTHS-style orders, per platform (NuORDER: _nuorder_generate/_touch).
DATA_TOOLS = {"noths": noths_data}
# Per platform: its order states, in order, and the forms its account rows use.
STATES = {"noths": NOTHS_STATES, "nuorder": NUORDER_STATUSES, "partner": PARTNER_STATUSES}
FAULT_FORMS = {"noths": FaultForm, "nuorder": NuorderFaultForm}
GENERATE_FORMS = {"noths": GenerateForm, "nuorder": NuorderGenerateForm}
TOUCH_FORMS = {"noths": TouchForm, "nuorder": NuorderTouchForm}
ORDERS_PER_PAGE = 50


def index(request):
    counts = defaultdict(dict)
    for row in SandboxNothsOrder.objects.values("account_id", "state").annotate(n=Count("pk")):
        counts[row["account_id"]][row["state"]] = row["n"]
    for row in SandboxNuorderOrder.objects.values("account_id", "status").annotate(n=Count("pk")):
        counts[row["account_id"]][row["status"]] = row["n"]
    for row in SandboxPartnerOrder.objects.values("chain__account_id", "status").annotate(n=Count("pk")):
        counts[row["chain__account_id"]][row["status"]] = row["n"]
    accounts = []
    for account in SandboxAccount.objects.select_related("nuorder_app", "partner_chain"):
        platform = account.platform
        accounts.append(
            {
                "account": account,
                "counts": [
                    (state, counts[account.pk][state])
                    for state in STATES.get(platform, ())
                    if counts[account.pk].get(state)
                ],
                "total": sum(counts[account.pk].values()),
                "fault_form": FAULT_FORMS.get(platform, FaultForm)(instance=account, auto_id=f"account{account.pk}_%s"),
                "generate_form": GENERATE_FORMS.get(platform, GenerateForm)(auto_id=False),
                "touch_form": TOUCH_FORMS.get(platform, TouchForm)(auto_id=False),
                "nuorder_app": getattr(account, "nuorder_app", None) if platform == "nuorder" else None,
                "partner_chain": getattr(account, "partner_chain", None) if platform == "partner" else None,
            }
        )
    nuorder_base = request.build_absolute_uri(reverse("sandbox:nuorder-approve")).removesuffix("approve/")
    return render(
        request,
        "sandbox/index.html",
        {
            "accounts": accounts,
            "account_form": AccountForm(),
            "nuorder_app_form": NuorderAppForm(),
            "partner_chain_form": PartnerChainForm(),
            "partner_demo_chains": partner_data.DEMO_CHAINS,
            "partner_base_url": request.build_absolute_uri(reverse("sandbox:partner-api-token")).removesuffix(
                "/v2/oauth/token"
            ),
            "demo_accounts": noths_data.DEMO_ACCOUNTS,
            "nuorder_demo_accounts": nuorder_data.DEMO_ACCOUNTS,
            # What a NOTHS connection's base URL should be: the API paths hang off it.
            "noths_base_url": request.build_absolute_uri(reverse("sandbox:noths-api-orders")).removesuffix(
                "/api/v1/orders"
            ),
            "nuorder_wholesale_url": f"{nuorder_base}wholesale",
            "nuorder_retail_url": f"{nuorder_base}retail",
        },
    )


@require_POST
def account_create(request):
    form = AccountForm(request.POST)
    if form.is_valid():
        account = form.save()
        messages.success(request, f"Created {account} with token {account.token}.")
    else:
        _form_errors(request, form)
    return redirect("sandbox:index")


@require_POST
def account_faults(request, pk):
    account = get_object_or_404(SandboxAccount, pk=pk)
    form = FAULT_FORMS.get(account.platform, FaultForm)(request.POST, instance=account)
    if form.is_valid():
        form.save()
        messages.success(request, f"Saved the fault switches of {account}.")
    else:
        _form_errors(request, form)
    return redirect("sandbox:index")


@require_POST
def account_generate(request, pk):
    account = get_object_or_404(SandboxAccount, pk=pk)
    if account.platform == "nuorder":
        return _nuorder_generate(request, account)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    elif tools := _data_tools(request, account):
        state = form.cleaned_data["state"]
        made = tools.generate_orders(
            account,
            form.cleaned_data["count"],
            items_per_order=form.cleaned_data["items"],
            states=tools.MIXED_STATES if state == "mixed" else (state,),
        )
        messages.success(request, f"Generated {made} orders for {account}.")
    return redirect("sandbox:index")


@require_POST
def account_touch(request, pk):
    account = get_object_or_404(SandboxAccount, pk=pk)
    if account.platform == "nuorder":
        return _nuorder_touch(request, account)
    form = TouchForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    elif tools := _data_tools(request, account):
        touched = tools.touch_orders(
            account, count=form.cleaned_data["count"], new_state=form.cleaned_data["new_state"] or None
        )
        messages.success(request, f"Touched {touched} orders of {account}: their updated_at is now.")
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
        "sandbox/noths_orders.html",
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
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("sandbox:noths-orders", token=token)


def noths_product_image(request, product_id):
    """A placeholder product picture (an SVG tile with the product's initials)."""
    return tile_image(noths_data.product_title(product_id), str(product_id))


def tile_image(title: str, key: str) -> HttpResponse:
    """A placeholder picture: an SVG tile with the title's initials, its colour picked by `key`."""
    initials = "".join(word[0] for word in title.split()[:3] if word[0].isalnum()).upper()
    hue = zlib.crc32(key.encode()) % 360
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">'
        f'<rect width="300" height="300" fill="hsl({hue},45%,82%)"/>'
        '<text x="150" y="170" font-family="Georgia,serif" font-size="84" text-anchor="middle" '
        f'fill="hsl({hue},40%,30%)">{escape(initials)}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _nuorder_generate(request, account):
    form = NuorderGenerateForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        made = nuorder_data.generate_orders(
            account,
            form.cleaned_data["count"],
            statuses=nuorder_data.MIXED_STATUSES if status == "mixed" else (status,),
            lines=form.cleaned_data["lines"],
            sizes=form.cleaned_data["sizes"],
        )
        messages.success(request, f"Generated {made} orders for {account}.")
    else:
        _form_errors(request, form)
    return redirect("sandbox:index")


def _nuorder_touch(request, account):
    form = NuorderTouchForm(request.POST)
    if form.is_valid():
        touched = nuorder_data.touch_orders(
            account, count=form.cleaned_data["count"], new_status=form.cleaned_data["new_status"] or None
        )
        messages.success(request, f"Touched {touched} orders of {account}: their modified_on is now.")
    else:
        _form_errors(request, form)
    return redirect("sandbox:index")


def _data_tools(request, account):
    tools = DATA_TOOLS.get(account.platform)
    if tools is None:
        messages.error(request, f"The sandbox cannot make {account.get_platform_display()} orders yet.")
    return tools


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form[field].label if field in form.fields else "Form"
        messages.error(request, f"{label}: {' '.join(errors)}")
