"""The staff's second factor, with django-otp: an authenticator app and single-use recovery codes.

A staff member is *enrolled* when they have a confirmed authenticator (a TOTPDevice). Setting
one up makes an unconfirmed device first, whose key the enrolment page shows; the first right
code confirms it, replaces any older authenticator, and issues fresh recovery codes (one
StaticDevice, ten single-use tokens). A code is checked against one device, chosen by its
shape (6 digits: the app; 8 letters and digits: a recovery code), so a wrong code never counts
against the other device's throttling. django-otp throttles each device on its own: after a
wrong code, the next is refused for 1, 2, 4, 8 ... seconds.

Every check happens in a transaction holding the device's row, and its outcome is carried out
of the transaction before anything is raised, so a failure and its throttling count are kept.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = len(StaticToken.random_token())  # 8: five random bytes in base 32

ENTER_A_CODE = "Enter the 6-digit code your authenticator app shows, or one of your recovery codes."
WRONG_SHAPE = "A code is 6 digits (from your authenticator app) or 8 letters and digits (a recovery code)."
WRONG_CODE = (
    "That code is not right. Check that you typed the code your app shows now (it changes every 30 seconds), "
    "or use a recovery code you have not used before."
)
APP_CODE_ONLY = "Enter the 6-digit code your authenticator app shows now (recovery codes come after this step)."
NOT_ENROLLING = "There is no authenticator being set up any more. Start again from the two-factor page."


class CodeRefused(Exception):
    """A code was not accepted; the message says why in plain words."""


def required() -> bool:
    """Whether the admin asks staff for a second factor (ADMIN_REQUIRE_2FA, read on each request)."""
    return settings.ADMIN_REQUIRE_2FA


def is_verified(user) -> bool:
    """Whether this request's user passed a second factor (django-otp's OTPMiddleware says so)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def authenticator(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they are enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def pending(user) -> TOTPDevice | None:
    """The authenticator being set up (unconfirmed), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def start(user) -> TOTPDevice:
    """A new unconfirmed authenticator with a fresh key; one being set up before is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def discard_pending(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=False).delete()[0] > 0


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_recovery_code(device: Device) -> bool:
    return isinstance(device, StaticDevice)


def recovery_code_used_words(user) -> str:
    left = recovery_codes_left(user)
    return (
        f"You signed in with a recovery code; {left} left, each good once. Lost your phone? Set up a new "
        "authenticator app and make new recovery codes on the two-factor page (Two-factor, at the top)."
    )


def normalize(code: str) -> str:
    """As typed, less spaces and dashes, in lower case (recovery codes are shown in lower case)."""
    return "".join((code or "").split()).replace("-", "").lower()


def _is_app_code(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def _throttled_words(device: Device) -> str | None:
    allowed, extra = device.verify_is_allowed()
    if allowed:
        return None
    until = (extra or {}).get("locked_until")
    if until is None:
        return "Codes are not accepted for this sign-in just now. Try again in a minute."
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    return f"Too many wrong codes in a row. Wait {seconds} second{'s' if seconds != 1 else ''} and try again."


def verify(user, code: str) -> Device:
    """The user's device that accepts this code (a recovery code is used up); CodeRefused if none does."""
    code = normalize(code)
    if not code:
        raise CodeRefused(ENTER_A_CODE)
    if _is_app_code(code):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    elif len(code) == RECOVERY_CODE_LENGTH and code.isalnum():
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    else:
        raise CodeRefused(WRONG_SHAPE)
    refusal = WRONG_CODE
    with transaction.atomic():
        for device in devices.select_for_update().order_by("-pk"):
            if (throttled := _throttled_words(device)) is not None:
                refusal = throttled
                continue
            if device.verify_token(code):
                return device
    raise CodeRefused(refusal)


def confirm(user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with its first code: it replaces any older one,
    and fresh recovery codes replace the old. Returns the device and the codes (to show once)."""
    code = normalize(code)
    if not _is_app_code(code):
        raise CodeRefused(APP_CODE_ONLY)
    refusal = None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            refusal = NOT_ENROLLING
        elif (refusal := _throttled_words(device)) is None and not device.verify_token(code):
            refusal = WRONG_CODE
        if refusal is None:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return device, issue_recovery_codes(user)
    raise CodeRefused(refusal)


def issue_recovery_codes(user) -> list[str]:
    """Ten fresh single-use recovery codes; the old ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        codes: list[str] = []
        while len(codes) < RECOVERY_CODES:
            token = StaticToken.random_token()
            if token not in codes:
                codes.append(token)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in codes)
    return codes


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """A confirmed authenticator and recovery codes at once, replacing any (the operator's command)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
        return device, issue_recovery_codes(user)


def secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base 32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URI as a QR code, an inline SVG made here (no image from elsewhere)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title="QR code for your authenticator app", svgclass="qr"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our URI; segno escapes the title
