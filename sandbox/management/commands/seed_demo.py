"""Create the demo merchant, a second merchant, a staff user and the sandbox accounts.

Idempotent: run it on every start. Passwords are reset to the printed ones so the
printed sign-ins always work. For local demos only: it is part of the sandbox app, which
only SANDBOX_ENABLED installs.

It prints the sign-ins and where the sandbox accounts are listed; with `-v 2` the accounts
themselves too, with their tokens and secrets (`dev.py run --verbose`).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import Membership, Merchant
from sandbox.parts import public_url
from sandbox.platforms import parts

DEMO_USERS = (
    # username, password, merchant name, staff
    ("demo", "demo-portal-pass", "Demo Gifts Ltd", False),
    ("other", "other-portal-pass", "Other Crafts Co", False),
    ("staff", "staff-portal-pass", None, True),
)


class Command(BaseCommand):
    help = "Create the demo merchants, users and sandbox accounts (local demos only)."

    def handle(self, verbosity, **options):
        with transaction.atomic():
            for username, password, merchant_name, staff in DEMO_USERS:
                ensure_user(username, password, merchant_name, staff)
            for part in parts().values():
                part.ensure_demo_accounts()
        if verbosity < 1:
            return
        self.stdout.write("Sign in with:")
        for username, password, merchant_name, staff in DEMO_USERS:
            role = "staff: Django admin at /admin/" if staff else f"merchant {merchant_name}"
            self.stdout.write(f"  {username} / {password}   ({role})")
        self.stdout.write(f"The sandbox platforms' accounts, and how to connect each: {public_url('/sandbox/')}")
        if verbosity < 2:
            return
        for part in parts().values():
            for line in part.demo_lines():
                self.stdout.write(line)


def ensure_user(username: str, password: str, merchant_name: str | None, staff: bool):
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    user.set_password(password)
    user.is_staff = user.is_superuser = staff
    user.save()
    if merchant_name:
        merchant, _ = Merchant.objects.get_or_create(name=merchant_name)
        Membership.objects.update_or_create(user=user, defaults={"merchant": merchant, "role": Membership.Role.OWNER})
    return user
