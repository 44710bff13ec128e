"""Who may use the API: a merchant's members, each only for their own merchant."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import ApiToken


def merchant_of(request):
    """The merchant the request acts for: the token's, or the signed-in member's (None for staff)."""
    if isinstance(request.auth, ApiToken):
        return request.auth.merchant
    membership = getattr(request.user, "membership", None) if request.user.is_authenticated else None
    return membership.merchant if membership is not None else None


class IsMerchantMember(BasePermission):
    message = "The API is for merchant members; staff work in the admin."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and merchant_of(request) is not None)
