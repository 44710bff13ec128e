"""Create the demo merchant, a second merchant, a staff user and the sandbox accounts.

Idempotent: run it on every start. Passwords are reset to the printed ones so the
printed sign-ins always work. For local demos only: it is part of the sandbox app, which
only SANDBOX_ENABLED installs.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import Membership, Merchant
from sandbox import noths_data, nuorder_data, partner_data

DEMO_USERS = (
    # username, password, merchant name, staff
    ("demo", "demo-portal-pass", "Demo Gifts Ltd", False),
    ("other", "other-portal-pass", "Other Crafts Co", False),
    ("staff", "staff-portal-pass", None, True),
)


class Command(BaseCommand):
    help = "Create the demo merchants, users and sandbox accounts (local demos only)."

    def handle(self, **options):
        with transaction.atomic():
            for username, password, merchant_name, staff in DEMO_USERS:
                ensure_user(username, password, merchant_name, staff)
            noths_data.ensure_demo_accounts()
            nuorder_data.ensure_demo_accounts()
            partner_data.ensure_demo_chains()
        self.stdout.write("Sign in with:")
        for username, password, merchant_name, staff in DEMO_USERS:
            role = "staff (Django admin)" if staff else f"merchant {merchant_name}"
            self.stdout.write(f"  {username} / {password}   ({role})")
        self.stdout.write("Sandbox NOTHS tokens (paste one into Consumer Key):")
        for account in noths_data.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.token:<32} shortcode {account.shortcode:<12} {account.description}")
        self.stdout.write("Sandbox NuORDER applications (Add Connection, Platform NuORDER):")
        for app in nuorder_data.DEMO_ACCOUNTS:
            self.stdout.write(f"  {app.shortcode} ({app.application_type}): {app.description}")
            self.stdout.write(f"    Consumer Key {app.consumer_key}  Consumer Secret {app.consumer_secret}")
            if app.token:
                self.stdout.write(f"    Token {app.token}  Token Secret {app.token_secret}")
            else:
                self.stdout.write(
                    "    no Token yet: leave Token blank; staff start the authorization, "
                    "approve it at /sandbox/nuorder/approve/"
                )
        self.stdout.write("Sandbox Partner API chains (Add Account on the Partner API row, API host Sandbox):")
        for chain in partner_data.DEMO_CHAINS:
            self.stdout.write(f"  {chain.name}: {chain.description}")
            self.stdout.write(f"    Chain ID {chain.chain_id}  Store (vendor) IDs {', '.join(chain.vendor_ids)}")
            self.stdout.write(f"    Bearer token {chain.token}")
            self.stdout.write(f"    or Client ID {chain.client_id}  Client secret {chain.client_secret}")
            self.stdout.write(
                f"    then paste the connection's webhook URL and secret at /sandbox/partner/chains/{chain.chain_id}/"
            )


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
