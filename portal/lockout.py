"""Sign-in lockouts (django-axes) the portal's way: the cool-off page, the audit trail, unlocking.

django-axes counts failed sign-ins per username and per address (settings: "Sign-in
protection") and refuses a locked-out sign-in before any password is checked. Here:

* `lockout_response`: what a locked-out sign-in is answered (AXES_LOCKOUT_CALLABLE): the
  very page that was posted, the merchant's /signin/ or the admin's login (whatever form
  the admin site uses), with the cool-off in plain words in place of the form's errors,
  429 and Retry-After;
* `record_lockout`: one audit entry when a lock begins (axes' `user_locked_out`), not one
  per refused attempt;
* `unlock`: what staff do in the admin (Access attempts → Unlock): the failures of the
  chosen usernames and addresses are removed, and the unlock is audited.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from audit.trail import Action, Actor, record

from .models import Membership

LOCKED_TEMPLATE = "portal/locked_out.html"


def cool_off_words() -> str:
    """The cool-off as a person says it: "15 minutes", "1 hour"."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def lockout_message() -> str:
    return (
        "Too many failed sign-ins for this account or address. "
        f"Try again in {cool_off_words()}, or ask support to unlock it."
    )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The sign-in page again with the cool-off message (or a page of its own), 429 with Retry-After.

    Every refused attempt starts the cool-off again, so "try again in 15 minutes" is true
    from this answer on. Nothing on the page says whether the password was right.
    """
    message = lockout_message()
    context = {"lockout_message": message}
    if isinstance(original_response, TemplateResponse) and "form" in (original_response.context_data or {}):
        context = {**original_response.context_data, **context}
        form = context["form"]
        # The form's own error ("wrong username or password") would be a guess: only the lockout is said.
        form._errors = ErrorDict(renderer=form.renderer)
        form._errors["__all__"] = form.error_class([message], error_class="nonfield", renderer=form.renderer)
        template = original_response.template_name
    else:
        template = LOCKED_TEMPLATE
    response = TemplateResponse(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response.render()
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    add_never_cache_headers(response)
    return response


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """One audit entry as a lock begins: the attempt that reached the limit, not those refused after it."""
    if request is None or getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    record(
        Action.SIGNIN_LOCKED,
        merchant=_merchant_of(username),
        actor=Actor.from_request(request),
        changes={
            "username": username or "",
            "address": ip_address or "",
            "failures": request.axes_failures_since_start,
            "page": request.path,
            "cool-off": cool_off_words(),
        },
    )


def unlock(attempts, actor: Actor, *, whole: bool = True) -> int:
    """Lift the locks these access attempts are part of, and audit each username and address.

    `whole`: every failure of their usernames and of their addresses is forgotten, so that
    neither count still locks (a username guessed from many addresses has a row for each);
    otherwise only these rows go (the admin's plain delete). Returns the rows removed.
    """
    attempts = list(attempts)
    pairs = sorted({(attempt.username or "", attempt.ip_address or "") for attempt in attempts})
    match = Q(pk__in=[attempt.pk for attempt in attempts])
    if whole:
        for username, address in pairs:
            match |= Q(username=username) if username else Q()
            match |= Q(ip_address=address) if address else Q()
    _, removed = AccessAttempt.objects.filter(match).delete()
    for username, address in pairs:
        record(
            Action.SIGNIN_UNLOCKED,
            merchant=_merchant_of(username),
            actor=actor,
            changes={"username": username, "address": address},
        )
    return removed.get(AccessAttempt._meta.label, 0)


def _merchant_of(username: str | None):
    if not username:
        return None
    membership = Membership.objects.select_related("merchant").filter(user__username=username).first()
    return membership.merchant if membership is not None else None
