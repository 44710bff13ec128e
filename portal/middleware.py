"""Attach the signed-in member's merchant to the request and use its time zone; answer credentials
that FERNET_KEYS cannot decrypt in words."""

import logging
import zoneinfo

from django.shortcuts import render
from django.utils import timezone

from connections.sealed import MERCHANT_WORDS, CredentialsUnreadable

log = logging.getLogger(__name__)


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


class CredentialsUnreadableMiddleware:
    """Any page that needed credentials FERNET_KEYS cannot decrypt answers 503 with the reason in
    words (the pages that show credentials handle it themselves; this is the net under the rest,
    such as the admin's actions), never a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CredentialsUnreadable):
            return None
        log.error("%s %s: %s", request.method, request.path, exception)
        return render(request, "credentials_unreadable.html", {"words": MERCHANT_WORDS}, status=503)
