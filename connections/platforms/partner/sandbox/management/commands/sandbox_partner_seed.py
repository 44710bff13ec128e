from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from ...data import DEMO_CHAINS, ensure_demo_chains


class Command(BaseCommand):
    help = "Create (or repair) the Partner API sandbox demo chains and their orders, and print their credentials."

    def handle(self, *args, **options):
        chains = {str(chain.chain_id): chain for chain in ensure_demo_chains()}
        public = settings.SANDBOX_PUBLIC_URL.rstrip("/")
        host = reverse("sandbox:partner-api-token").removesuffix("/v2/oauth/token")
        self.stdout.write(f"Partner API sandbox host: {public}{host}")
        for demo in DEMO_CHAINS:
            chain = chains[demo.chain_id]
            page = reverse("sandbox:partner-chain", args=[chain.chain_id])
            self.stdout.write(f"\n{demo.name} ({chain.orders.count()} orders): {demo.description}")
            self.stdout.write(f"  chain ID       {demo.chain_id}")
            self.stdout.write(f"  store IDs      {', '.join(demo.vendor_ids)}")
            self.stdout.write(f"  bearer token   {demo.token}")
            self.stdout.write(f"  client ID      {demo.client_id}")
            self.stdout.write(f"  client secret  {demo.client_secret}")
            self.stdout.write(f"  webhook, Test Order and switches: {public}{page}")
