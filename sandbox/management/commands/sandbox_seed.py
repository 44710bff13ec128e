from django.core.management.base import BaseCommand
from django.db import transaction

from sandbox.platforms import parts


class Command(BaseCommand):
    help = "Create (or repair) every platform's sandbox demo accounts and their orders, and print how to connect."

    def handle(self, *args, **options):
        with transaction.atomic():
            for part in parts().values():
                part.ensure_demo_accounts()
        for part in parts().values():
            for line in part.demo_lines():
                self.stdout.write(line)
