"""Re-encrypt every stored credential, and the FERNET_KEYS check value, with the first key of FERNET_KEYS."""

from django.core.management.base import BaseCommand, CommandError

from connections import keys, services
from connections.models import Connection


class Command(BaseCommand):
    help = (
        "Re-encrypt all credentials with the first FERNET_KEYS key. Rotation: put the new key first, "
        "run this, then remove the old key from FERNET_KEYS."
    )
    # The way out of the start-up check's refusal (a lost key), so it must run where that check fails.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--disconnect-unreadable",
            action="store_true",
            help=(
                "When the key some credentials were encrypted with is lost for good: disconnect their connections "
                "(their credentials are deleted; merchants enter them again with Edit), then re-encrypt the rest."
            ),
        )

    def handle(self, *args, disconnect_unreadable=False, **options):
        result = keys.reseal()
        if result.unreadable and disconnect_unreadable:
            for connection in Connection.objects.filter(pk__in=result.unreadable):
                services.disconnect(connection)
            self.stdout.write(
                f"Disconnected {keys.connections_named(result.unreadable)}: FERNET_KEYS cannot decrypt their "
                "credentials. Their merchants enter the credentials again (Edit on the connection's page)."
            )
            result = keys.reseal()
        if result.unreadable:
            raise CommandError(
                f"Nothing was re-encrypted: FERNET_KEYS cannot decrypt the credentials of "
                f"{keys.connections_named(result.unreadable)} (the key that encrypted them is not in the list). Put "
                "that key back anywhere in FERNET_KEYS and run this again; if it is lost for good, run this with "
                "--disconnect-unreadable."
            )
        count = result.credentials
        self.stdout.write(
            f"Re-encrypted {count} credential{'s' if count != 1 else ''} and the check value with the first key "
            "of FERNET_KEYS. The other keys can now be removed from FERNET_KEYS."
        )
