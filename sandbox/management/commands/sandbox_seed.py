from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from sandbox.noths_data import DEMO_ACCOUNTS, ensure_demo_accounts


class Command(BaseCommand):
    help = "Create (or repair) the sandbox demo accounts and their orders, and print their tokens."

    def handle(self, *args, **options):
        accounts = {account.token: account for account in ensure_demo_accounts()}
        api = reverse("sandbox:noths-api-orders").removesuffix("/api/v1/orders")
        self.stdout.write(f"NOTHS sandbox base URL: {settings.SANDBOX_PUBLIC_URL.rstrip('/')}{api}")
        for demo in DEMO_ACCOUNTS:
            orders = accounts[demo.token].noths_orders.count()
            self.stdout.write(f"  {demo.token:<32} {demo.shortcode:<12} {orders:>4} orders  {demo.description}")
