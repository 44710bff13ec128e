"""Setting up the second factor through the pages: the key shown as a QR code and as text, the
first code confirming it, ten recovery codes shown once; and, once set up, a code before any change."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.factories import PASSWORD
from tests.support.two_factor import app_code, key_of_secret, next_app_code, wrong_code

SETUP = reverse("accounts:two_factor")


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def shown_secret(page: str) -> str:
    return re.search(r"<code class=\"secret\" data-secret>([A-Z2-7 ]+)</code>", page).group(1)


def shown_codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def admin_index(client):
    return client.get(reverse("admin:index"))


def test_staff_set_up_an_authenticator_and_get_recovery_codes_once(client, settings, two_factor_on, staff):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code follows a wrong one at once
    assert client.post(reverse("login"), {"username": staff.username, "password": PASSWORD}).status_code == 302
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fadmin%2F"
    page = response.content.decode()
    assert no_store(response)
    assert '<svg width="' in page and 'class="qr"' in page
    assert "<title>QR code for your authenticator app</title>" in page
    assert "<img" not in page and "<script>" not in page
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    key = key_of_secret(shown_secret(page))
    assert key == device.bin_key
    assert client.get(f"{SETUP}?next=/admin/").content.decode().count(shown_secret(page)) == 1  # same key again

    refused = client.post(SETUP, {"code": wrong_code(app_code(key)), "next": "/admin/"})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert admin_index(client).status_code == 302

    done = client.post(SETUP, {"code": app_code(key), "next": "/admin/"})
    assert done.status_code == 200 and no_store(done)
    codes = shown_codes(done.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)) == sorted(codes)
    assert 'href="/admin/"' in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    # The session that proved the code is verified; nothing secret was kept in it.
    assert admin_index(client).status_code == 200
    session = str(dict(client.session.items()))
    assert not any(code in session for code in codes) and device.key not in session

    again = client.get(SETUP).content.decode()
    assert "Two-factor sign-in" in again and "10 left" in again
    assert not any(code in again for code in codes) and shown_secret(page) not in again


def test_a_recovery_code_works_where_a_code_is_asked_for(client, two_factor_on, enrolled):
    user, _, codes = enrolled
    client.force_login(user)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": codes[3], "next": "/admin/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "You signed in with a recovery code; 9 left" in response.content.decode()
    assert codes[3] not in StaticToken.objects.values_list("token", flat=True)


def test_with_an_authenticator_set_up_every_change_asks_for_a_code_first(client, settings, two_factor_on, enrolled):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # a new code is tried right after an old one is refused
    user, device, old_codes = enrolled
    client.force_login(user)  # the password only
    verify = reverse("accounts:two_factor_verify")
    assert client.get(SETUP).url == f"{verify}?next=%2Faccount%2Ftwo-factor%2F"
    assert client.post(reverse("accounts:two_factor_replace")).url.startswith(verify)
    assert client.post(reverse("accounts:two_factor_recovery_codes")).url.startswith(verify)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(old_codes)

    response = client.post(verify, {"code": next_app_code(device), "next": SETUP})
    assert response.url == SETUP
    fresh = client.post(reverse("accounts:two_factor_recovery_codes"))
    assert no_store(fresh)
    codes = shown_codes(fresh.content.decode())
    assert len(codes) == 10 and not set(codes) & set(old_codes)
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify(user, old_codes[0])
    assert two_factor.is_recovery_code(two_factor.verify(user, codes[0]))


def test_a_new_phone_replaces_the_app_once_its_first_code_is_right(client, two_factor_on, enrolled):
    user, old, _ = enrolled
    client.force_login(user)
    client.post(reverse("accounts:two_factor_verify"), {"code": next_app_code(old)})
    assert client.post(reverse("accounts:two_factor_replace")).url == SETUP
    page = client.get(SETUP).content.decode()
    assert "Set up a new authenticator app" in page and "Keep my current app" in page
    key = key_of_secret(shown_secret(page))
    assert key != old.bin_key
    assert TOTPDevice.objects.get(pk=old.pk).confirmed  # still the one that works

    # Changing one's mind keeps the old app.
    client.post(reverse("accounts:two_factor_cancel"))
    assert list(TOTPDevice.objects.filter(user=user)) == [old]

    client.post(reverse("accounts:two_factor_replace"))
    key = key_of_secret(shown_secret(client.get(SETUP).content.decode()))
    done = client.post(SETUP, {"code": app_code(key)})
    assert len(shown_codes(done.content.decode())) == 10
    new = TOTPDevice.objects.get(user=user)
    assert new.bin_key == key and new.confirmed and new.pk != old.pk
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify(user, app_code(old.bin_key, 1))


def test_the_two_factor_pages_are_for_staff(member_client):
    assert member_client.get(SETUP).status_code == 403
    assert member_client.get(reverse("accounts:two_factor_verify")).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_the_code_page_sends_back_only_within_the_portal(client, two_factor_on, enrolled):
    user, device, _ = enrolled
    client.force_login(user)
    url = reverse("accounts:two_factor_verify")
    response = client.post(url, {"code": next_app_code(device), "next": "https://elsewhere.example/admin/"})
    assert response.url == reverse("admin:index")
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
