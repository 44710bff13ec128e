"""Merchant scoping: every merchant-facing query goes through these."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def merchant_required(view):
    """Signed in as a member of a merchant; staff without one are sent to admin by `home`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.merchant is None:
            raise PermissionDenied("This page is for merchant members. Staff work in the admin.")
        return view(request, *args, **kwargs)

    return wrapper
