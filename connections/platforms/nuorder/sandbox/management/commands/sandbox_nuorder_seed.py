from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from ...data import DEMO_ACCOUNTS, ensure_demo_accounts


class Command(BaseCommand):
    help = "Create (or repair) the NuORDER sandbox demo applications and their orders, and print their credentials."

    def handle(self, *args, **options):
        accounts = {account.token: account for account in ensure_demo_accounts()}
        public = settings.SANDBOX_PUBLIC_URL.rstrip("/")
        base = reverse("sandbox:nuorder-approve").removesuffix("approve/")
        self.stdout.write(f"NuORDER sandbox base URLs: Wholesale {public}{base}wholesale  Retail {public}{base}retail")
        self.stdout.write(f"Approve pending applications at {public}{reverse('sandbox:nuorder-approve')}")
        for demo in DEMO_ACCOUNTS:
            orders = accounts[demo.consumer_key].nuorder_orders.count()
            self.stdout.write(f"\n{demo.shortcode} ({demo.application_type}, {orders} orders): {demo.description}")
            self.stdout.write(f"  consumer key     {demo.consumer_key}")
            self.stdout.write(f"  consumer secret  {demo.consumer_secret}")
            self.stdout.write(f"  token            {demo.token or '(none yet)'}")
            self.stdout.write(f"  token secret     {demo.token_secret or '(none yet)'}")
