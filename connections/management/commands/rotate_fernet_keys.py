"""Re-encrypt every stored credential with the first key of FERNET_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from connections.models import Credential


class Command(BaseCommand):
    help = (
        "Re-encrypt all credentials with the first FERNET_KEYS key. Rotation: put the new key first, "
        "run this, then remove the old key from FERNET_KEYS."
    )

    def handle(self, **options):
        count = 0
        with transaction.atomic():
            for credential in Credential.objects.select_for_update().iterator():
                credential.save(update_fields=["secret"])  # decrypted with any key, encrypted with the first
                count += 1
        self.stdout.write(f"Re-encrypted {count} credential{'s' if count != 1 else ''} with the first key.")
