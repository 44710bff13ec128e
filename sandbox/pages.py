"""Helpers of every sandbox page: a form's errors as messages, going back, settings forms,
a webhook outbox's table, a placeholder picture."""

import zlib

from django.contrib import messages
from django.db.models import Count, Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import FaultForm

DELIVERIES_SHOWN = 50
SEND_NOW_LIMIT = 100  # deliveries one click sends at most (each may wait for its timeout)


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


def form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form[field].label if field in form.fields else "Form"
        messages.error(request, f"{label}: {' '.join(errors)}")


def valid_data(request, form) -> dict | None:
    """The form's cleaned data, or None once its errors are shown as messages."""
    if form.is_valid():
        return form.cleaned_data
    form_errors(request, form)
    return None


def go_back(request, *fallback, **fallback_kwargs):
    """To the POST's `next` when it is a page of this site, else to `redirect(*fallback, **fallback_kwargs)`."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(*fallback, **fallback_kwargs)


def save_settings(request, forms: dict[str, type], part: str, owner: Model) -> bool:
    """Save the settings form named `part` (one of `forms`) of a page's `owner` (its account, for
    the fault switches), with a message either way; whether it saved. 404 for an unknown part."""
    form_class = forms.get(part)
    if form_class is None:
        raise Http404("No such settings")
    form = form_class(request.POST, instance=owner.account if form_class is FaultForm else owner)
    if valid_data(request, form) is None:
        return False
    form.save()
    messages.success(request, f"Saved the {part} settings.")
    return True


def outbox_table(sender: Model) -> dict:
    """A page's webhook deliveries (the newest) and how many are in each state."""
    deliveries = sender.deliveries
    return {
        "deliveries": deliveries.select_related("order").defer("body", "order__document")[:DELIVERIES_SHOWN],
        "delivery_counts": deliveries.values_list("state").annotate(n=Count("pk")).order_by("state"),
    }


def send_due_now(request, outbox, sender: Model, noun: str) -> None:
    """Send the due webhooks now (of every sender of the outbox), without waiting for the sender's
    loop, and say how many of this `sender`'s are delivered."""
    sent = outbox.deliver_due(limit=SEND_NOW_LIMIT)
    delivered = sender.deliveries.filter(state=outbox.deliveries.DELIVERED).count()
    messages.success(request, f"Sent {sent} due webhook deliveries; {delivered} of this {noun}'s are delivered.")


def queued_words(queued: int) -> str:
    return f"{queued} webhook deliver{'y' if queued == 1 else 'ies'} queued."
