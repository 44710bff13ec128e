"""Attach the signed-in member's merchant to the request and use its time zone."""

import zoneinfo

from django.utils import timezone


class MerchantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = getattr(user, "membership", None)
            if membership is not None:
                request.merchant = membership.merchant
        if request.merchant is not None:
            timezone.activate(zoneinfo.ZoneInfo(request.merchant.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
