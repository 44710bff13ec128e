"""Accounts: a member's own password (change, reset by mail) and the staff's second factor.

apps.py         the app, and the admin's AppConfig that installs PortalAdminSite as `admin.site`
two_factor.py   the second factor (django-otp): an authenticator app (TOTP) and recovery codes
admin_site.py   the admin site: asks staff for a code when ADMIN_REQUIRE_2FA is on
forms.py        the code field and the admin's sign-in form with it
views.py        password change and reset (Django's views, the portal's look); enrolment, verification
urls.py         /account/...
management/commands/staff_two_factor.py   enrolment for an operator without a browser
"""
