"""The code field, the form that checks one, and the admin's sign-in form that asks for one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm

from portal.forms import PortalForm

from . import two_factor


def code_field(*, required: bool = True, label: str = "Code", help_text: str = two_factor.ENTER_A_CODE):
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        help_text=help_text,
        error_messages={"required": two_factor.ENTER_A_CODE},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "size": 12}
        ),
    )


class CodeForm(PortalForm):
    """One code, given to `check` (a two_factor function of the code); its result is kept in `result`."""

    code = code_field()

    def __init__(self, check: Callable[[str], Any], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check
        self.result = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        try:
            self.result = self.check(code)
        except two_factor.CodeRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from None
        return code


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in with a second factor: username, password and a code from the staff member's
    authenticator app or a recovery code. A staff member with no authenticator yet is let in with the
    password alone: the admin site then sends them to set one up, and lets them no further."""

    otp_token = code_field(required=False)

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and two_factor.authenticator(user) is not None:
            try:
                # django-otp's user_logged_in receiver marks the session verified by this device.
                user.otp_device = two_factor.verify(user, cleaned.get("otp_token", ""))
            except two_factor.CodeRefused as refused:
                raise forms.ValidationError({"otp_token": str(refused)}) from None
            if two_factor.is_recovery_code(user.otp_device):
                messages.warning(self.request, two_factor.recovery_code_used_words(user))
        return cleaned
