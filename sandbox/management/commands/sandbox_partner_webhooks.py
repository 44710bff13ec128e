"""Send the sandbox Partner API's due webhooks, once or in a loop (`dev.py run` starts it with --loop)."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sandbox.partner_webhooks import deliver_due


class Command(BaseCommand):
    help = "Send the sandbox Partner API's due webhook deliveries: once, or every --interval seconds with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep sending until stopped.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between rounds (default 0.5).")
        parser.add_argument("--limit", type=int, default=None, help="Deliveries sent per round at most.")

    def handle(self, *args, loop, interval, limit, **options):
        if not loop:
            self.stdout.write(f"Sent {deliver_due(limit=limit)} webhook deliveries.")
            return
        self.stdout.write(f"Sending the sandbox Partner API's webhooks every {interval} s; Ctrl-C stops.")
        try:
            while True:
                if sent := deliver_due(limit=limit):
                    self.stdout.write(f"Sent {sent} webhook deliveries.")
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
