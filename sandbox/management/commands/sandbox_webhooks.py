"""Send every platform sandbox's due webhooks, once or in a loop (`dev.py run` starts it with --loop)."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sandbox.platforms import parts


class Command(BaseCommand):
    help = "Send the sandbox platforms' due webhook deliveries: once, or every --interval seconds with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep sending until stopped.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between rounds (default 0.5).")
        parser.add_argument("--limit", type=int, default=None, help="Deliveries sent per platform per round at most.")

    def handle(self, *args, loop, interval, limit, **options):
        if not loop:
            self.stdout.write(f"Sent {self.send(limit)} webhook deliveries.")
            return
        self.stdout.write(f"Sending the sandbox platforms' webhooks every {interval} s; Ctrl-C stops.")
        try:
            while True:
                if sent := self.send(limit):
                    self.stdout.write(f"Sent {sent} webhook deliveries.")
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return

    @staticmethod
    def send(limit) -> int:
        return sum(part.deliver_due(limit=limit) for part in parts().values())
