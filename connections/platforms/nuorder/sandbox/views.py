"""NuORDER's side of the sandbox, as pages: API Management (approve pending applications)
and one page per application (its credentials, tokens and orders).

Like the other control pages: no login, CSRF-protected POST forms, no fault switches.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import data as nuorder_data
from .forms import NuorderAppForm
from .models import NUORDER_STATUSES, SandboxNuorderApp, SandboxNuorderPending

ORDERS_PER_PAGE = 50


def approve_page(request):
    """The "Pending Applications" list: approve one to see its verification code."""
    pending = SandboxNuorderPending.objects.filter(exchanged_at__isnull=True).select_related("app__account")
    consumer_key = request.GET.get("consumer_key", "")
    if consumer_key:
        pending = pending.filter(app__account__token=consumer_key)
    exchanged = (
        SandboxNuorderPending.objects.filter(exchanged_at__isnull=False)
        .select_related("app__account", "issued_token")
        .order_by("-exchanged_at")[:20]
    )
    return render(
        request,
        "nuorder_sandbox/approve.html",
        {"pending": pending, "exchanged": exchanged, "consumer_key": consumer_key},
    )


@require_POST
def approve(request, pk):
    """Approve: NuORDER shows a 16-character verification code to give the integrator."""
    pending = get_object_or_404(SandboxNuorderPending, pk=pk, exchanged_at__isnull=True)
    code = nuorder_data.approve_pending(pending)
    messages.success(
        request,
        f"Approved {pending.application_name} for {pending.app.account.shortcode}. Verification code: {code}",
    )
    return redirect("sandbox:nuorder-approve")


@require_POST
def approve_and_issue(request, pk):
    """Approve and show the final token and secret at once (what DropStream's merchants copy)."""
    with transaction.atomic():
        pending = get_object_or_404(SandboxNuorderPending.objects.select_for_update(), pk=pk, exchanged_at__isnull=True)
        nuorder_data.approve_pending(pending)
        token = nuorder_data.exchange_pending(pending)
    messages.success(
        request,
        f"Approved {pending.application_name}. Token: {token.token} Token secret: {token.token_secret}",
    )
    return redirect("sandbox:nuorder-app", consumer_key=pending.app.consumer_key)


def app_page(request, consumer_key):
    app = get_object_or_404(SandboxNuorderApp.objects.select_related("account"), account__token=consumer_key)
    orders = app.account.nuorder_orders.defer("document").order_by("-sequence")
    status = request.GET.get("status", "")
    if status in NUORDER_STATUSES:
        orders = orders.filter(status=status)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    base = request.build_absolute_uri(reverse("sandbox:nuorder-approve")).removesuffix("approve/")
    return render(
        request,
        "nuorder_sandbox/app.html",
        {
            "app": app,
            "account": app.account,
            "tokens": app.tokens.all(),
            "pending": app.pending.all()[:20],
            "page": page,
            "status": status,
            "statuses": NUORDER_STATUSES,
            "base_url": f"{base}{app.application_type}",
        },
    )


@require_POST
def app_create(request):
    form = NuorderAppForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form[field].label if field in form.fields else 'Form'}: {' '.join(errors)}")
        return redirect("sandbox:index")
    data = form.cleaned_data
    try:
        app = nuorder_data.create_app(
            shortcode=data["shortcode"],
            name=data["name"],
            application_type=data["application_type"],
            currency=data["currency"].upper(),
            with_token=data["with_token"],
        )
    except IntegrityError:  # a consumer key clash: 62**24 makes this all but impossible
        messages.error(request, "Could not create the application; try again.")
        return redirect("sandbox:index")
    messages.success(request, f"Created NuORDER application {app.account.shortcode} ({app.application_type}).")
    return redirect("sandbox:nuorder-app", consumer_key=app.consumer_key)


@require_POST
def issue_token(request, consumer_key):
    app = get_object_or_404(SandboxNuorderApp, account__token=consumer_key)
    token = nuorder_data.issue_token(app, "sandbox page")
    messages.success(request, f"Issued token {token.token}.")
    return redirect("sandbox:nuorder-app", consumer_key=consumer_key)
