"""The sandbox's own pages: every account with its fault switches, and each platform's part.

A dev tool, so no login; the POST forms are CSRF-protected like any other page. Only
the fake API endpoints apply the fault switches, never these pages. Each platform's
own pages (its orders, its apps or chains) are in its package's sandbox.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .forms import fault_form
from .models import SandboxAccount
from .pages import form_errors
from .platforms import part, parts


def index(request):
    counts = {}
    for each in parts().values():
        counts.update(each.counts())
    rows = []
    for account in SandboxAccount.objects.all():
        found = part(account.platform)
        if found is None:
            continue  # an account of a platform this portal no longer has
        held = counts.get(account.pk, {})
        rows.append(
            {
                "account": account,
                "part": found,
                "counts": [(state, held[state]) for state in found.states if held.get(state)],
                "total": sum(held.values()),
                "fault_form": fault_form(found.faults)(instance=account, auto_id=f"account{account.pk}_%s"),
                "generate_form": found.generate_form(auto_id=False) if found.generate_form else None,
                "touch_form": found.touch_form(auto_id=False) if found.touch_form else None,
                **found.row(account),
            }
        )
    sections = [(each, each.section(request)) for each in parts().values()]
    return render(request, "sandbox/index.html", {"rows": rows, "sections": sections})


@require_POST
def account_generate(request, pk):
    account, found = _account_and_part(pk)
    form = found.generate_form(request.POST) if found.generate_form else None
    if form is not None and form.is_valid():
        made = found.generate(account, form.cleaned_data)
        messages.success(request, f"Generated {made} orders for {account}.")
    elif form is not None:
        form_errors(request, form)
    return redirect("sandbox:index")


@require_POST
def account_touch(request, pk):
    account, found = _account_and_part(pk)
    form = found.touch_form(request.POST) if found.touch_form else None
    if form is not None and form.is_valid():
        touched = found.touch(account, form.cleaned_data)
        messages.success(request, f"Touched {touched} orders of {account}: their {found.touched_field} is now.")
    elif form is not None:
        form_errors(request, form)
    return redirect("sandbox:index")


def _account_and_part(pk):
    account = get_object_or_404(SandboxAccount, pk=pk)
    found = part(account.platform)
    if found is None:
        raise Http404("No sandbox for this account's platform")
    return account, found


@require_POST
def account_faults(request, pk):
    account = get_object_or_404(SandboxAccount, pk=pk)
    found = part(account.platform)
    form = fault_form(found.faults if found else ())(request.POST, instance=account)
    if form.is_valid():
        form.save()
        messages.success(request, f"Saved the fault switches of {account}.")
    else:
        form_errors(request, form)
    return redirect("sandbox:index")
