"""`manage.py staff_two_factor`: an authenticator and recovery codes for an operator with no
browser yet, printed once as `name: value` lines a script can read."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import PASSWORD, UserFactory
from tests.support.two_factor import app_code, key_of_secret


def run(*args) -> dict[str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    call_command("staff_two_factor", *args, stdout=out, stderr=err)
    lines: dict[str, list[str]] = {}
    for line in out.getvalue().splitlines():
        name, _, value = line.partition(": ")
        lines.setdefault(name, []).append(value)
    assert "shown only this once" in err.getvalue()
    return lines


def admin_sign_in(client, username, code) -> bool:
    client.logout()
    client.post(reverse("admin:login"), {"username": username, "password": PASSWORD, "otp_token": code})
    return client.get(reverse("admin:index")).status_code == 200


def test_the_command_prints_an_authenticator_and_recovery_codes_that_sign_in(client, two_factor_on, staff):
    lines = run("sam")
    assert set(lines) == {"username", "otpauth_uri", "secret", "recovery_code"}
    assert lines["username"] == ["sam"]
    uri = urlsplit(lines["otpauth_uri"][0])
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", "/Order portal:sam")
    query = parse_qs(uri.query)
    assert query["issuer"] == ["Order portal"] and query["digits"] == ["6"] and query["period"] == ["30"]
    key = key_of_secret(query["secret"][0])
    assert key == key_of_secret(lines["secret"][0]) == TOTPDevice.objects.get(user=staff, confirmed=True).bin_key
    codes = lines["recovery_code"]
    assert len(set(codes)) == 10
    assert admin_sign_in(client, "sam", app_code(key))
    assert admin_sign_in(client, "sam", codes[0])


def test_an_authenticator_is_replaced_only_when_asked(client, two_factor_on, enrolled, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user, old, old_codes = enrolled
    with pytest.raises(CommandError, match=r"already has an authenticator app\..*--reset"):
        run(user.username)
    assert TOTPDevice.objects.get(user=user) == old
    lines = run(user.username, "--reset")
    key = key_of_secret(lines["secret"][0])
    assert key != old.bin_key
    assert not admin_sign_in(client, user.username, app_code(old.bin_key))
    assert not admin_sign_in(client, user.username, old_codes[0])
    assert admin_sign_in(client, user.username, app_code(key))
    assert two_factor.recovery_codes_left(user) == 10


def test_the_command_refuses_unknown_users_and_non_staff_in_plain_words(db):
    with pytest.raises(CommandError, match="No user is called 'ghost'"):
        run("ghost")
    UserFactory(username="merch")
    with pytest.raises(CommandError, match="merch is not staff"):
        run("merch")
    assert not TOTPDevice.objects.exists()
