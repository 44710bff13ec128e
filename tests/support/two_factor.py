"""Codes as an authenticator app computes them (django_otp.oath.totp), and staff with and without one."""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import UserFactory


def app_code(key: bytes, steps_ahead: int = 0) -> str:
    """The 6-digit code an app shows for this key now, or `steps_ahead` time steps (30 s) from now."""
    return f"{totp(key, step=30, t0=0, digits=6, drift=steps_ahead):06d}"


def key_of_secret(text: str) -> bytes:
    """The key from the secret as the enrolment page or the command shows it (base 32, maybe grouped)."""
    text = re.sub(r"\s", "", text).upper()
    return b32decode(text + "=" * (-len(text) % 8))


def next_app_code(device: TOTPDevice) -> str:
    """A code the device still takes: this time step's, or the next one's when this one was used
    (a code is good once; the device allows one step of clock drift)."""
    device.refresh_from_db()
    now = int(time.time() - device.t0) // device.step + device.drift
    ahead = 0 if now > device.last_t else 1
    assert now + ahead > device.last_t, "this device took two codes in this time step already"
    return app_code(device.bin_key, device.drift + ahead)


def wrong_code(right: str) -> str:
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def staff_user(**kwargs):
    return UserFactory(is_staff=True, is_superuser=True, **kwargs)


def enrolled_staff(**kwargs):
    """A staff member with a confirmed authenticator; returns (user, device, recovery codes)."""
    user = staff_user(**kwargs)
    device, codes = two_factor.enrol(user)
    return user, device, codes
