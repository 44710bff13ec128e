"""Give a staff member an authenticator and recovery codes, for an operator with no browser yet.

    python manage.py staff_two_factor <username> [--reset]

Standard output is one `name: value` line each, for a person or a script to read:

    username: ops
    otpauth_uri: otpauth://totp/...        (a QR code of it, or the URI itself, goes in the app)
    secret: ABCD...                         (the same key, to type in by hand)
    recovery_code: k3j5ab7q                 (ten lines, each code good once)

They are printed this once and never stored in clear anywhere else; the advice goes to stderr.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor


class Command(BaseCommand):
    help = (
        "Give a staff member a confirmed authenticator (TOTP) and ten recovery codes, and print them once: "
        "otpauth_uri, secret and recovery_code lines. --reset replaces the ones they have."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Replace the staff member's authenticator and recovery codes (the old ones stop working).",
        )

    def handle(self, username, reset=False, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"No user is called {username!r}. Check the spelling (it is case-sensitive).") from None
        if not user.is_staff:
            raise CommandError(
                f"{username} is not staff: the second factor guards the admin, which is for staff. "
                "Tick 'Staff status' on their user in the admin first."
            )
        if two_factor.authenticator(user) is not None and not reset:
            raise CommandError(
                f"{username} already has an authenticator app. To replace it and their recovery codes (the old "
                "ones stop working), run this again with --reset."
            )
        device, codes = two_factor.enrol(user)
        self.stdout.write(f"username: {user.get_username()}")
        self.stdout.write(f"otpauth_uri: {device.config_url}")
        self.stdout.write(f"secret: {two_factor.secret(device).replace(' ', '')}")
        for code in codes:
            self.stdout.write(f"recovery_code: {code}")
        self.stderr.write(
            "Add the otpauth_uri (or the secret) to the staff member's authenticator app, and give them the recovery "
            "codes to keep safe. They are shown only this once."
        )
