"""Showing a webhook secret again to a member who types their password, so a lost tab costs no rotation.

The password is checked by `authenticate`, as a sign-in is: django-axes counts a wrong one
against the member's username and address and, past the limit, refuses even the right one
(portal.lockout answers, on this very form). The secret is decrypted only for that answer.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate

from portal.forms import PortalForm

REFUSED_WORDS = (
    "That is not your password, so the secret stays hidden. Type the password you sign in to the portal with."
)


class PasswordAgainForm(PortalForm):
    """The signed-in member's own password, once more."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="The secret is shown on the next page only, and the audit trail records that you asked.",
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(REFUSED_WORDS, code="wrong_password")
        return password
