"""A member's own password: changed when signed in, reset by mail when forgotten, and held to
Django's password validators wherever a person chooses one (these pages and the admin's)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD

NEW_PASSWORD = "tawny-owl-lantern-42"
LINK = re.compile(r"^https://portal\.example(/account/password-reset/[^/\s]+/[^/\s]+/)$", re.MULTILINE)


def signs_in(client, username, password) -> bool:
    client.logout()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response.url == reverse("home")


def test_a_forgotten_password_is_reset_by_mail(client, member, mailoutbox, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    signin = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}">Forgot your password?' in signin

    response = client.post(reverse("accounts:password_reset"), {"email": member.email.upper()})
    assert response.url == reverse("accounts:password_reset_done")
    assert "If a sign-in uses that address" in client.get(response.url).content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [member.email]
    assert mail.subject == "Reset your Order portal password"
    assert f'Order portal sign-in "{member.username}"' in mail.body and "within 1 day" in mail.body
    assert "ignore this mail" in mail.body
    path = LINK.search(mail.body).group(1)

    form = client.get(path, follow=True)  # Django swaps the token in the address for one in the session
    assert "Choose a new password" in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200 and "This password is too common." in weak.content.decode()
    mismatch = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert "The two password fields didn’t match." in mismatch.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)

    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your new password is set" in done.content.decode()
    assert signs_in(client, member.username, NEW_PASSWORD)
    assert not signs_in(client, member.username, PASSWORD)

    client.logout()
    used = client.get(path, follow=True).content.decode()
    assert "This link no longer works" in used and "Choose a new password" not in used


def test_the_reset_page_does_not_tell_whether_an_address_has_an_account(client, member, mailoutbox):
    pages = []
    for email in (member.email, "nobody@example.com"):
        response = client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)
        pages.append((response.redirect_chain, response.content.decode().replace(email, "")))
    assert pages[0] == pages[1]
    assert [mail.to for mail in mailoutbox] == [[member.email]]


def test_a_malformed_address_gets_plain_words(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()
    assert not mailoutbox


def test_a_member_changes_their_password(member_client, member):
    page = member_client.get(reverse("connections:downloads")).content.decode()
    assert f'href="{reverse("accounts:password_change")}">Change password' in page
    assert reverse("accounts:two_factor") not in page  # for staff only

    url = reverse("accounts:password_change")
    changed = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    wrong = member_client.post(url, {"old_password": "nope", **changed})
    assert "Your old password was entered incorrectly." in wrong.content.decode()
    for weak, words in (("12345678901", "entirely numeric"), ("short", "too short"), (member.username, "too similar")):
        response = member_client.post(url, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
        assert response.status_code == 200 and words in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)

    done = member_client.post(url, {"old_password": PASSWORD, **changed}, follow=True)
    assert "Password changed" in done.content.decode()
    assert member_client.get(reverse("connections:downloads")).status_code == 200  # still signed in here
    assert signs_in(member_client, member.username, NEW_PASSWORD)
    assert not signs_in(member_client, member.username, PASSWORD)


def test_changing_the_password_needs_a_sign_in(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("weak", ["password", "12345678901"])
def test_the_admins_user_forms_hold_passwords_to_the_validators(admin_client, member, weak):
    add = admin_client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", "usable_password": "true", "password1": weak, "password2": weak},
    )
    assert add.status_code == 200 and not get_user_model().objects.filter(username="newcomer").exists()
    assert "This password is too common." in add.content.decode() or "entirely numeric" in add.content.decode()
    change = admin_client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]), {"password1": weak, "password2": weak}
    )
    assert change.status_code == 200
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
