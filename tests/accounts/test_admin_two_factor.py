"""The admin with ADMIN_REQUIRE_2FA: a password alone is not enough; a code from the app, or a
recovery code once, is. With the setting off, the password alone is, as before."""

from __future__ import annotations

import runpy
from pathlib import Path

import environ
import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import PASSWORD
from tests.support.two_factor import next_app_code, wrong_code

ADMIN_PAGES = ("admin:index", "admin:connections_connection_changelist", "admin:auth_user_changelist")


def sign_in(client, user, code=None, *, follow=False):
    data = {"username": user.username, "password": PASSWORD, "next": reverse("admin:index")}
    if code is not None:
        data["otp_token"] = code
    return client.post(reverse("admin:login"), data, follow=follow)


def can_reach_admin(client) -> bool:
    response = client.get(reverse("admin:index"))
    return response.status_code == 200 and "Site administration" in response.content.decode()


def test_a_password_only_session_reaches_no_admin_page(client, two_factor_on, enrolled):
    user, _, _ = enrolled
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    for name in ADMIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    # The admin's sign-in sends a staff member signed in by password to the code page, and back after.
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:two_factor_verify')}?next=%2Fadmin%2F"
    assert "Enter your code" in response.content.decode()


def test_the_admin_sign_in_takes_a_right_code_from_the_app(client, two_factor_on, enrolled):
    user, device, _ = enrolled
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page and "Forgot your password?" in page
    response = sign_in(client, user, next_app_code(device))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert can_reach_admin(client)
    for name in ADMIN_PAGES:
        assert client.get(reverse(name)).status_code == 200
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_a_wrong_or_missing_code_keeps_the_admin_shut_and_slows_the_next_try(client, two_factor_on, enrolled):
    user, device, _ = enrolled
    right = next_app_code(device)
    cases = [(None, two_factor.ENTER_A_CODE), ("12345", two_factor.WRONG_SHAPE), (wrong_code(right), "not right")]
    for code, words in cases:
        response = sign_in(client, user, code)
        assert response.status_code == 200
        assert words in response.content.decode()
        assert not can_reach_admin(client)
    # Right after a wrong code, even the right one waits (django-otp's throttling, 1 s after one failure).
    response = sign_in(client, user, right)
    assert "Too many wrong codes in a row. Wait 1 second" in response.content.decode()
    assert not can_reach_admin(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_recovery_code_lets_in_once_only(client, settings, two_factor_on, enrolled):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no wait after the refused reuse below
    user, _, codes = enrolled
    response = sign_in(client, user, f"  {codes[0].upper()[:4]}-{codes[0][4:]} ", follow=True)
    assert can_reach_admin(client)
    assert "You signed in with a recovery code; 9 left" in response.content.decode()
    client.logout()
    response = sign_in(client, user, codes[0])
    assert "That code is not right" in response.content.decode()
    assert not can_reach_admin(client)
    sign_in(client, user, codes[1])
    assert can_reach_admin(client)
    assert two_factor.recovery_codes_left(user) == 8


def test_staff_without_an_authenticator_are_led_to_set_one_up(client, two_factor_on, staff):
    response = sign_in(client, staff, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:two_factor')}?next=%2Fadmin%2F"
    page = response.content.decode()
    assert "The admin asks staff for a second factor. Set up an authenticator app first." in page
    assert "Set up two-factor sign-in" in page
    assert not can_reach_admin(client)


def test_a_code_of_another_staff_members_app_does_not_let_in(client, two_factor_on, enrolled, staff):
    _, their_device, _ = enrolled
    two_factor.enrol(staff)
    response = sign_in(client, staff, next_app_code(their_device))
    assert "not right" in response.content.decode()
    assert not can_reach_admin(client)


def test_with_the_setting_off_the_password_is_enough(client, settings, enrolled, staff):
    settings.ADMIN_REQUIRE_2FA = False
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' not in page
    assert sign_in(client, staff).url == reverse("admin:index")
    assert can_reach_admin(client)
    client.logout()
    user, _, _ = enrolled  # an authenticator set up is not asked for either
    sign_in(client, user)
    assert can_reach_admin(client)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({"DEBUG": "false"}, True), ({"DEBUG": "true"}, False), ({"DEBUG": "true", "ADMIN_REQUIRE_2FA": "true"}, True)],
)
def test_the_setting_is_on_in_production_unless_said_otherwise(monkeypatch, environment, expected):
    monkeypatch.delenv("ADMIN_REQUIRE_2FA", raising=False)
    monkeypatch.setattr(environ.Env, "read_env", classmethod(lambda cls, *args, **kwargs: None))  # no local .env
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    module = runpy.run_path(str(Path(__file__).resolve().parents[2] / "portal" / "settings.py"))
    assert module["ADMIN_REQUIRE_2FA"] is expected


def test_staff_remove_a_lost_phone_in_the_admin_and_never_see_a_key(client, two_factor_on, enrolled, staff):
    user, device, _ = enrolled
    lost_device, _ = two_factor.enrol(staff)
    sign_in(client, user, next_app_code(device))
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[lost_device.pk])).content.decode()
    assert lost_device.key not in change and two_factor.secret(lost_device).split()[0] not in change
    listing = client.get(reverse("admin:otp_static_staticdevice_changelist")).content.decode()
    assert staff.username in listing
    for model, pk in (("otp_totp_totpdevice", lost_device.pk), ("otp_static_staticdevice", None)):
        pks = [pk] if pk else list(StaticDevice.objects.filter(user=staff).values_list("pk", flat=True))
        response = client.post(
            reverse(f"admin:{model}_changelist"), {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
        )
        assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff).exists() and not StaticDevice.objects.filter(user=staff).exists()
    assert TOTPDevice.objects.filter(user=user).exists()  # the one signed in keeps theirs
    client.logout()
    response = sign_in(client, staff, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor"))
