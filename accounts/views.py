"""A member's own account: password change and reset (Django's views, the portal's look), and
the staff's second factor: set up an authenticator app, verify a session, new recovery codes.

Secrets leave only in the answer that made them, with Cache-Control: no-store: the key of an
authenticator being set up (its QR code and text) and the recovery codes (shown once; never in
the session, a message or a log). A staff member who already has an authenticator verifies
this session with it before replacing it or making new recovery codes.
"""

from __future__ import annotations

from functools import partial, wraps
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import two_factor
from .forms import CodeForm

# -- passwords ---------------------------------------------------------------------------------


class PortalFormMixin:
    """The portal's forms carry no ":" after their labels (portal.forms.PortalForm)."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}


class PasswordChangeView(PortalFormMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _reset_link_lifetime() -> str:
    """PASSWORD_RESET_TIMEOUT in words: "1 day", "3 hours"."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


class PasswordResetView(PortalFormMixin, auth_views.PasswordResetView):
    """Asks for an address and says the same whether or not an account uses it. The mail's link
    starts with PORTAL_BASE_URL, never with the Host the request claimed."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"base_url": settings.PORTAL_BASE_URL, "valid_for": _reset_link_lifetime()}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "valid_for": _reset_link_lifetime()}


class PasswordResetConfirmView(PortalFormMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# -- the staff's second factor ---------------------------------------------------------------------


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Two-factor sign-in is for staff: it guards the admin.")
        return view(request, *args, **kwargs)

    return wrapper


def _next(request) -> str:
    """Where to go once done: `next` if it is one of ours, else the admin."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else reverse("admin:index")


def _with_next(name: str, after: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: after})}"


def _no_store(response):
    add_never_cache_headers(response)  # the page holds a secret: no cache keeps it
    return response


def _verified_by(request, device) -> None:
    """This session passed the second factor (a new session key: it can do more than before)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _verify_first(request, after: str):
    messages.info(request, "Enter a code from your authenticator app first: it guards the change you asked for.")
    return redirect(_with_next("accounts:two_factor_verify", after))


def _show_recovery_codes(request, codes: list[str], *, first: bool):
    context = {"codes": codes, "first": first, "next": _next(request)}
    return _no_store(render(request, "accounts/recovery_codes.html", context))


@staff_required
@require_http_methods(["GET", "POST"])
def two_factor_page(request):
    """The two-factor page: set up an authenticator (QR code, key, first code), or, once set up, what there is."""
    user = request.user
    current = two_factor.authenticator(user)
    if current is not None and not two_factor.is_verified(user):
        return _verify_first(request, request.get_full_path())
    device = two_factor.pending(user)
    if device is None and current is None:
        device = two_factor.start(user)
    if device is None:
        if request.method == "POST":
            return redirect("accounts:two_factor")
        context = {
            "device": current,
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.required(),
        }
        return render(request, "accounts/two_factor.html", context)
    form = CodeForm(partial(two_factor.confirm, user), request.POST or None)
    if form.is_bound and form.is_valid():
        confirmed, codes = form.result
        _verified_by(request, confirmed)
        return _show_recovery_codes(request, codes, first=True)
    context = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "secret": two_factor.secret(device),
        "replacing": current is not None,
        "next": _next(request),
    }
    return _no_store(render(request, "accounts/two_factor_setup.html", context, status=400 if form.is_bound else 200))


@staff_required
@require_POST
def replace_authenticator(request):
    """Start setting up another authenticator; the current one works until the new one is confirmed."""
    if two_factor.authenticator(request.user) is not None and not two_factor.is_verified(request.user):
        return _verify_first(request, reverse("accounts:two_factor"))
    two_factor.start(request.user)
    return redirect("accounts:two_factor")


@staff_required
@require_POST
def cancel_replacement(request):
    if two_factor.authenticator(request.user) is None:
        return redirect("accounts:two_factor")  # the first one is not optional while it is asked for
    if two_factor.discard_pending(request.user):
        messages.info(request, "The new authenticator was not set up. Your current one still works.")
    return redirect("accounts:two_factor")


@staff_required
@require_POST
def new_recovery_codes(request):
    if two_factor.authenticator(request.user) is None:
        return redirect("accounts:two_factor")
    if not two_factor.is_verified(request.user):
        return _verify_first(request, reverse("accounts:two_factor"))
    return _show_recovery_codes(request, two_factor.issue_recovery_codes(request.user), first=False)


@staff_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """A code for this session (signed in with the password): from the app, or a recovery code."""
    user = request.user
    if two_factor.authenticator(user) is None:
        return redirect(_with_next("accounts:two_factor", _next(request)))
    if request.method == "GET" and two_factor.is_verified(user):
        return redirect(_next(request))
    form = CodeForm(partial(two_factor.verify, user), request.POST or None)
    if form.is_bound and form.is_valid():
        _verified_by(request, form.result)
        if two_factor.is_recovery_code(form.result):
            messages.warning(request, two_factor.recovery_code_used_words(user))
        return redirect(_next(request))
    context = {"form": form, "next": _next(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.is_bound else 200)
