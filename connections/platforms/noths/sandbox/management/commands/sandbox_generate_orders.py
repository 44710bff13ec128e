import time

from django.core.management.base import BaseCommand, CommandError

from sandbox.models import SandboxAccount

from ...data import generate_orders
from ...models import NOTHS_STATES


class Command(BaseCommand):
    help = "Generate fake orders for one sandbox NOTHS account."

    def add_arguments(self, parser):
        parser.add_argument("--token", required=True, help="The sandbox account's API token.")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--items", type=int, default=3, help="Items per order (default 3).")
        parser.add_argument(
            "--state",
            default="placed",
            help=f"State of the new orders, or a comma list to pick from at random ({', '.join(NOTHS_STATES)}).",
        )
        parser.add_argument("--spacing", type=int, default=60, help="Seconds between orders' placed_at (default 60).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")

    def handle(self, *args, token, count, items, state, spacing, seed, **options):
        account = SandboxAccount.objects.filter(token=token).first()
        if account is None:
            raise CommandError("No sandbox account has that token. Run sandbox_seed or create one at /sandbox/.")
        if account.platform != "noths":
            raise CommandError(f"{account} is not a NOTHS account: this command makes NOTHS orders.")
        states = tuple(s.strip() for s in state.split(",") if s.strip())
        started = time.monotonic()
        try:
            made = generate_orders(
                account, count, items_per_order=items, states=states, spacing_seconds=spacing, seed=seed
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(f"Generated {made} orders for {account.shortcode} in {elapsed:.1f} s.")
