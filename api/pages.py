"""Settings → API tokens: a merchant's members make and revoke the tokens the API takes.

A new token is shown once, in the answer to the POST that made it (never stored, never
in the session or a message); only its hash is kept. Any member may revoke any of the
merchant's tokens: revoking only ever takes access away.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from portal.access import merchant_required

from .forms import ApiTokenForm
from .models import ApiToken


def _tokens(request):
    return ApiToken.objects.filter(merchant=request.merchant).select_related("user")


@merchant_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    new_token = None
    form = ApiTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _, new_token = ApiToken.issue(request.user, request.merchant, form.cleaned_data["name"])
            form = ApiTokenForm()
            status = 201
        else:
            status = 400
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": _tokens(request), "new_token": new_token},
        status=status,
    )
    add_never_cache_headers(response)  # the page may hold a token: no cache keeps it
    return response


@merchant_required
@require_POST
def revoke(request, pk):
    token = get_object_or_404(_tokens(request), pk=pk)
    if token.revoke():
        messages.success(request, f"Token “{token.name}” ({token.hint}) revoked: it no longer works.")
    else:
        messages.info(request, f"Token “{token.name}” was already revoked.")
    return redirect("api:tokens")
