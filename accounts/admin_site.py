"""The portal's admin site: Django's, asking staff for a second factor when ADMIN_REQUIRE_2FA is on.

With it on, only a session verified by a code (django-otp's OTPMiddleware) reaches an admin
page, as django-otp's OTPAdminSite does; the setting is read on each request. The sign-in
page asks for the username, the password and the code at once. A staff member already signed
in with the password is sent to the code page of their account, or, with no authenticator yet,
to the page that sets one up: never to a sign-in form that cannot let them in.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor
from .forms import AdminSignInForm


class PortalAdminSite(admin.AdminSite):
    login_template = "admin/portal_login.html"
    site_header = "Order portal administration"
    site_title = "Order portal admin"
    # No list of every model beside each page: at a laptop's 1280 px it took the room a list's
    # columns need. The index and the breadcrumbs lead to every list.
    enable_nav_sidebar = False

    @property
    def login_form(self):
        return AdminSignInForm if two_factor.required() else None

    def has_permission(self, request):
        allowed = super().has_permission(request)
        return allowed and (not two_factor.required() or two_factor.is_verified(request.user))

    def login(self, request, extra_context=None):
        user = request.user
        if two_factor.required() and user.is_active and user.is_staff and not two_factor.is_verified(user):
            after = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
            if two_factor.authenticator(user) is not None:
                target = "accounts:two_factor_verify"
            else:
                target = "accounts:two_factor"
                messages.info(request, "The admin asks staff for a second factor. Set up an authenticator app first.")
            return redirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: after})}")
        return super().login(request, extra_context)
